import GenlockCore
import Glibc

/// A session folder, `<out>/<session>/`, holding one ``CameraRecorder`` per camera and the
/// session-level exports (``SessionExport``).
///
/// Cameras may record from different processes into the same folder (as `genlock rig` does):
/// each writes only its own files, and ``finish()`` — called once, after every camera has
/// finished — builds `summary.csv` and `timestamps.csv` from their sidecars.
public struct SessionRecorder: Sendable {
    /// `<out>/<session>`.
    public let directory: String
    public let session: String

    /// Creates `<outputRoot>/<session>` (and its parents).
    public init(outputRoot: String, session: String) throws(MediaError) {
        guard !session.isEmpty, !session.contains("/"), session != ".", session != ".." else {
            throw MediaError.invalidFrame("session name '\(session)' must be a single folder name")
        }
        let root = outputRoot.hasSuffix("/") && outputRoot.count > 1 ? String(outputRoot.dropLast()) : outputRoot
        directory = root + "/" + session
        self.session = session
        try FileSystem.makeDirectories(directory)
    }

    /// A recorder for `camera`'s files in this session.
    public func camera(_ camera: String, configuration: RecordingConfiguration) throws(MediaError) -> CameraRecorder {
        try CameraRecorder(directory: directory, camera: camera, configuration: configuration)
    }

    /// Writes the session's `summary.csv`, `timestamps.csv` and `framesets.csv` from the cameras' sidecars.
    @discardableResult
    public func finish() throws(MediaError) -> [CameraSummary] {
        let summaries = try SessionExport.write(sessionDirectory: directory)
        try FramesetExport.write(sessionDirectory: directory)
        return summaries
    }

    /// `YYYYMMDD-HHMMSS` (UTC) of `epoch`: sessions sort by start time.
    public static func defaultName(epoch: RealtimeInstant) -> String {
        var seconds = time_t(epoch.nanosecondsSinceEpoch / 1_000_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))-\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))"
    }
}
