import ArgumentParser
import Dispatch
import GenlockCore
import GenlockHAL
import GenlockMedia
import GenlockPOSIX
import Glibc
import Logging
import Synchronization

extension Parse {
    static func codec(_ text: String) throws -> VideoCodec { try VideoCodec(parsing: text) }
    static func pixelLayout(_ text: String) throws -> PixelLayout { try PixelLayout(parsing: text) }
    /// `WIDTHxHEIGHT`, such as `1280x720`.
    static func frameSize(_ text: String) throws -> FrameSize {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]) else {
            throw Invalid("'\(text)' is not a frame size such as 1280x720")
        }
        guard (1...16_384).contains(width), (1...16_384).contains(height) else {
            throw Invalid("\(width)x\(height) is outside 1x1...16384x16384")
        }
        return FrameSize(width: width, height: height)
    }
}

/// A frame size from the command line.
struct FrameSize: Hashable, Sendable, CustomStringConvertible {
    var width: Int
    var height: Int
    var description: String { "\(width)x\(height)" }
}

/// An error that ends a command with its message and a non-zero exit.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// `genlock record`: one camera node running the real POSIX capture path (as `genlock camera`)
/// with the synthetic camera, recording to `<out>/<session>/<camera>.mkv` plus sidecars.
struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record frames n at T0 + n·P from the synthetic camera to a Matroska file with per-frame sidecars."
    )

    @Flag(help: "Use the synthetic camera (no camera hardware).")
    var synthetic = false

    @Option(help: "Camera name: the file names under the session folder.")
    var name = "cam1"

    @Option(help: "Frame rate: 30, 120, 30000/1001 or an exact decimal such as 29.97.", transform: Parse.frameRate)
    var fps: FrameRate

    @Option(name: .customLong("start-at"), help: "T0 as realtime nanoseconds since the epoch.", transform: Parse.nanoseconds)
    var startAt: Int64?

    @Option(name: .customLong("start-in"), help: "T0 as a delay from now (2s, 500ms).", transform: Parse.timeSpan)
    var startIn: TimeSpan?

    @Option(parsing: .unconditional, help: "Number of frames to record from index 0 (the stop index).", transform: Parse.frameCount)
    var frames: Int64

    @Option(help: "Output folder: the recording goes to <out>/<session>/.", transform: Parse.path)
    var out: String

    @Option(help: "Session folder name (default: T0 as YYYYMMDD-HHMMSS UTC).")
    var session: String?

    @Option(help: "Codec: x264 (ultrafast, zerolatency), ffv1 (lossless) or raw.", transform: Parse.codec)
    var codec: VideoCodec = .x264

    @Option(help: "Frame size WIDTHxHEIGHT.", transform: Parse.frameSize)
    var size = FrameSize(width: 640, height: 480)

    @Option(name: .customLong("pixel-format"), help: "yuv420p, nv12 or gray8.", transform: Parse.pixelLayout)
    var pixelFormat: PixelLayout = .yuv420p

    @Option(help: "Start a new file every DURATION of the timeline (10min, 30s).", transform: Parse.timeSpan)
    var segment: TimeSpan?

    @Option(name: .customLong("flush-interval"), help: "Flush the video to disk this often (the most a crash can lose).", transform: Parse.timeSpan)
    var flushInterval: TimeSpan = .milliseconds(500)

    @Option(name: .customLong("late-tolerance"), help: "A frame whose realtime lateness (realtime on waking − Tn) exceeds this is flagged 'late' in the sidecar.", transform: Parse.timeSpan)
    var lateTolerance: TimeSpan = .milliseconds(1)

    @OptionGroup var timing: TimerOptions

    @Option(name: .customLong("join-margin"), help: "A late start begins at the first frame at least this far ahead.", transform: Parse.timeSpan)
    var joinMargin: TimeSpan = .milliseconds(5)

    @Flag(help: "Do not print a line per frame.")
    var quiet = false

    func validate() throws {
        guard synthetic else {
            throw ValidationError("--synthetic is required: no camera backend is available on this machine yet")
        }
        if startAt != nil, startIn != nil { throw ValidationError("--start-at and --start-in are exclusive") }
        if let startIn, startIn < .zero { throw ValidationError("--start-in must not be negative") }
        if joinMargin < .zero { throw ValidationError("--join-margin must not be negative") }
        do {
            try pixelFormat.validate(width: size.width, height: size.height)
        } catch {
            throw ValidationError("--size: \(error)")
        }
        if let segment, segment <= .zero { throw ValidationError("--segment must be positive") }
        if flushInterval <= .zero { throw ValidationError("--flush-interval must be positive") }
        if lateTolerance < .zero { throw ValidationError("--late-tolerance must not be negative, got \(lateTolerance)") }
        try Parse.checkName(name, option: "--name", what: "camera")
        try Parse.checkName(session, option: "--session", what: "session")
    }

    /// A standalone synthetic node recording its session: `genlock camera --synthetic --out`, with
    /// the recorder's own options; the session's exports are written when it ends.
    func run() throws {
        let recording = NodeRecording(
            out: out, session: session, codec: codec, size: size, layout: pixelFormat, segment: segment, flushInterval: flushInterval,
            writesSessionExports: true, lateTolerance: lateTolerance)
        try NodeLaunch.run(NodeOptions(
            name: name, camera: .synthetic, capture: .requestTimed, sensor: nil, exposure: .zero, coordinator: nil, key: nil,
            coordinatorTimeout: .seconds(30), ptpSocket: "/var/run/ptp4l", ptpMaxOffset: .microseconds(1),
            fps: fps, frames: frames, startAt: startAt, startIn: startIn, recording: recording,
            joinMargin: joinMargin, timing: timing, cpuLatencyUs: nil, quiet: quiet))
    }
}
