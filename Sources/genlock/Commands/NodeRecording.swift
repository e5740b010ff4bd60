import ArgumentParser
import GenlockControl
import GenlockCore
import GenlockHAL
import GenlockIngest
import GenlockMedia
import GenlockNode
import GenlockPOSIX
import Glibc
import Logging
import Synchronization

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
    /// Frames between keyframes (x264): bounds how far a live viewer of the stream waits to start.
    var keyframeInterval = 30
    /// x264's preset and tune (`--x264-preset`, `--x264-tune`).
    var x264 = X264Tuning.live
    /// Stream every row and packet to this ingest beside the local recording (see "Ingest stream").
    var ingest: IngestTarget?
    /// The ingest the coordinator's START named, used when ``ingest`` is nil (set before the
    /// recorder opens, which is at START).
    let namedIngest = NamedIngest()

    struct IngestTarget: Sendable {
        var host: String
        var port: Int
        var key: RigKey
    }
    /// The camera's recorder once open, for STATUS's dropped count.
    let opened = OpenedRecorder()

    /// Request-timed capture on the synthetic camera, rendering at `size` in `layout`, recorded
    /// through the same pipeline as a libcamera sensor's frames.
    func synthetic(camera: String, schedule: FrameSchedule, clock: PosixClockPair, log: Logger, onError: @escaping @Sendable (String) -> Void)
        throws -> RequestedCaptures<SyntheticCamera>
    {
        let source = try SyntheticCamera(name: camera, width: size.width, height: size.height, layout: layout, clock: clock)
        let frames = try frameRecorder(
            camera: camera, size: size, layout: layout, exposure: nil, maximumPending: 4, schedule: schedule, log: log, onError: onError)
        return try RequestedCaptures(
            source: source, settings: nil, recorder: frames,
            session: try session(schedule), writesSessionExports: writesSessionExports, log: log)
    }

    /// A streaming camera's frames (a libcamera sensor's at its mode's size and layout, whatever
    /// `--size` says) recorded off the capture path, with up to `maximumPending` frames (camera
    /// buffers) waiting for the encoder; `onError` hears of the first recording failure.
    func frameRecorder(
        camera: String, size frameSize: FrameSize, layout frameLayout: PixelLayout, exposure: TimeSpan?, maximumPending: Int,
        schedule: FrameSchedule, log: Logger, onError: @escaping @Sendable (String) -> Void
    ) throws -> CameraFrameRecorder {
        let session = try session(schedule)
        let recordingConfiguration = configuration(frameSize, frameLayout, schedule)
        let target = ingest ?? namedIngest.target.withLock { $0 }
        let uplink = target.map { target in
            IngestUplink(host: target.host, port: target.port, key: target.key, camera: camera, session: session.session,
                         directory: session.directory, configuration: recordingConfiguration, log: { log.info("\($0)") })
        }
        let recorder: CameraRecorder
        do { recorder = try CameraRecorder(directory: session.directory, camera: camera, configuration: recordingConfiguration, tee: uplink) } catch {
            // The recorder refused (another recorder of this camera here, another session's
            // files): its uplink never streams, so stop it rather than leave it to leak.
            uplink?.abandon()
            throw error
        }
        log.info("recording \(codec) \(frameSize) \(frameLayout) to \(recorder.files.directory)\(target.map { ", streaming to the ingest at \($0.host):\($0.port)" } ?? "")")
        opened.recorder.withLock { $0 = recorder }
        return CameraFrameRecorder(recorder: recorder, schedule: schedule, exposure: exposure, maximumPending: maximumPending) { onError("\($0)") }
    }

    private func session(_ schedule: FrameSchedule) throws -> SessionRecorder {
        try SessionRecorder(outputRoot: out, session: session ?? SessionRecorder.defaultName(epoch: schedule.start))
    }

    private func configuration(_ frameSize: FrameSize, _ layout: PixelLayout, _ schedule: FrameSchedule) -> RecordingConfiguration {
        var configuration = RecordingConfiguration(
            codec: codec, width: frameSize.width, height: frameSize.height, layout: layout, frameRate: schedule.rate, epoch: schedule.start,
            segmentDuration: segment, flushInterval: flushInterval, keyframeInterval: keyframeInterval, lateTolerance: lateTolerance)
        configuration.x264 = x264
        return configuration
    }
}

/// The ingest a coordinator's START named (none before, or when START names none).
final class NamedIngest: Sendable {
    let target = Mutex<NodeRecording.IngestTarget?>(nil)
}

/// The recorder a node opened at START (none before), read by the STATUS ticker.
final class OpenedRecorder: Sendable {
    let recorder = Mutex<CameraRecorder?>(nil)
    var droppedCount: Int64? { recorder.withLock { $0.map { Int64($0.droppedCount) } } }
}

/// The software version sent in HELLO.
enum GenlockVersion {
    static let current = "0.1.0"
}
