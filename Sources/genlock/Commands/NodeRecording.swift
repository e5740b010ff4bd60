import ArgumentParser
import GenlockControl
import GenlockCore
import GenlockHAL
import GenlockMedia
import GenlockNode
import GenlockPOSIX
import Glibc
import Logging

/// Where and how a node records: `<out>/<session>/<camera>.mkv` plus sidecars.
struct NodeRecording: Sendable {
    let out: String
    let session: String?
    let codec: VideoCodec
    /// The synthetic camera's frame size and layout (a libcamera sensor records at its mode's).
    let size: FrameSize
    var layout: PixelLayout = .yuv420p
    var segment: TimeSpan?
    var flushInterval: TimeSpan = .milliseconds(500)
    /// Write the session's exports (summary.csv, timestamps.csv) when the node's run ends: a
    /// standalone recording is the whole session; under a coordinator the collector writes them.
    var writesSessionExports = false
    /// A frame later than this after `Tn` (realtime on waking − Tn) is flagged `late` in the sidecar.
    var lateTolerance: TimeSpan = .milliseconds(1)

    /// The synthetic camera's pipeline, rendering at `size` in `layout`.
    func open(camera: String, schedule: FrameSchedule, clock: PosixClockPair, onError: @escaping @Sendable (MediaError) -> Void)
        throws -> SyntheticCaptures
    {
        let sessionRecorder = try session(schedule)
        let recorder = try sessionRecorder.camera(camera, configuration: configuration(size, layout, schedule))
        let pipeline = try SyntheticRecordingPipeline(recorder: recorder, schedule: schedule, clock: clock, onError: onError)
        return SyntheticCaptures(session: sessionRecorder, pipeline: pipeline, writesSessionExports: writesSessionExports)
    }

    /// A streaming camera's frames (a libcamera sensor's at its mode's size and layout, whatever
    /// `--size` says) recorded off the capture path, with up to `maximumPending` frames (camera
    /// buffers) waiting for the encoder; `onError` hears of the first recording failure.
    func frameRecorder(
        camera: String, size frameSize: FrameSize, layout frameLayout: PixelLayout, exposure: TimeSpan, maximumPending: Int,
        schedule: FrameSchedule, log: Logger, onError: @escaping @Sendable (String) -> Void
    ) throws -> CameraFrameRecorder {
        let recorder = try session(schedule).camera(camera, configuration: configuration(frameSize, frameLayout, schedule))
        log.info("recording \(codec) \(frameSize) \(frameLayout) to \(recorder.files.directory)")
        return CameraFrameRecorder(recorder: recorder, schedule: schedule, exposure: exposure, maximumPending: maximumPending) { onError("\($0)") }
    }

    private func session(_ schedule: FrameSchedule) throws -> SessionRecorder {
        try SessionRecorder(outputRoot: out, session: session ?? SessionRecorder.defaultName(epoch: schedule.start))
    }

    private func configuration(_ frameSize: FrameSize, _ layout: PixelLayout, _ schedule: FrameSchedule) -> RecordingConfiguration {
        RecordingConfiguration(
            codec: codec, width: frameSize.width, height: frameSize.height, layout: layout, frameRate: schedule.rate, epoch: schedule.start,
            segmentDuration: segment, flushInterval: flushInterval, lateTolerance: lateTolerance)
    }
}

/// The synthetic camera's recording: its pipeline, and the session it writes into.
final class SyntheticCaptures: CaptureOutput {
    let session: SessionRecorder
    let pipeline: SyntheticRecordingPipeline
    let writesSessionExports: Bool

    init(session: SessionRecorder, pipeline: SyntheticRecordingPipeline, writesSessionExports: Bool) {
        self.session = session
        self.pipeline = pipeline
        self.writesSessionExports = writesSessionExports
    }

    func capture(_ request: CaptureRequest) { pipeline.capture(request) }
    func skipped(_ range: Range<Int64>) { pipeline.skipped(range) }
    func stop(at index: Int64) { pipeline.stop(at: index) }

    func close(stopIndex: Int64?) -> String? {
        var failure: String?
        do { try pipeline.finish(stopIndex: stopIndex) } catch { failure = "\(error)" }
        if writesSessionExports {
            do { _ = try session.finish() } catch { failure = failure ?? "\(error)" }
        }
        return failure
    }

    /// The camera's counts as written (after ``close(stopIndex:)``).
    var summary: CameraSummary { pipeline.sink.recorder.summary }
}

/// Reading and writing rig key files.
enum RigKeyFile {
    static func read(_ path: String, option: String) throws -> RigKey {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ValidationError("\(option): cannot read rig key \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = Glibc.read(fd, &buffer, buffer.count)
        guard n >= 0 else { throw ValidationError("\(option): cannot read rig key \(path): \(String(cString: strerror(errno)))") }
        // The file holds the key as hex (64 digits), so it can be copied by hand.
        let text = String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count == 64, let bytes = hexBytes(text) else {
            throw ValidationError("\(option): \(path) is not a rig key (expected 64 hex digits, as written by genlock keygen)")
        }
        return try RigKey(bytes: bytes)
    }

    static func hexBytes(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var it = text.makeIterator()
        while let a = it.next() {
            guard let b = it.next(), let hi = a.hexDigitValue, let lo = b.hexDigitValue else { return nil }
            bytes.append(UInt8(hi * 16 + lo))
        }
        return bytes
    }
}

/// The software version sent in HELLO.
enum GenlockVersion {
    static let current = "0.1.0"
}
