import Dispatch
import GenlockCore
import GenlockHAL
import GenlockMedia
import GenlockNode
import GenlockPOSIX
import Glibc
import Logging

/// Request-timed capture on any capture source (a libcamera sensor, the synthetic camera): the
/// source started for the schedule, the ``RequestedFramePipeline`` that queues one request per
/// `Tn` and records what comes back, and the task that pumps the source's completions into it.
/// One path for every camera, so what the synthetic camera shows about recording holds on a Pi.
final class RequestedCaptures<Source: CaptureSource>: CaptureOutput {
    let source: Source
    let pipeline: RequestedFramePipeline<Source>
    /// The session written into (its exports are written at close when `writesSessionExports`).
    let session: SessionRecorder?
    let writesSessionExports: Bool
    private let log: Logger
    private let afterStop: @Sendable () -> Void
    private let pumped = DispatchSemaphore(value: 0)

    /// Starts `source` with `settings` (nil: a source that renders on request, with no exposure
    /// or frame length to set, is not started) and pumps its completions into `recorder` (nil: frames are
    /// released unrecorded). `afterStop` runs once the source stopped, its last completion was
    /// handled and the recording closed, so every frame the encoder held is released (a libcamera
    /// sensor counts its buffers there).
    init(
        source: Source, settings: ExposureSettings?, recorder: CameraFrameRecorder?, session: SessionRecorder?,
        writesSessionExports: Bool, log: Logger, afterStop: @escaping @Sendable () -> Void = {}
    ) throws {
        if let settings { try source.start(settings) }
        self.source = source
        self.session = session
        self.writesSessionExports = writesSessionExports
        self.log = log
        self.afterStop = afterStop
        pipeline = RequestedFramePipeline(camera: source, recorder: recorder) { problem in log.warning("\(problem)") }
        Task { [pipeline, pumped] in
            await pipeline.run()
            pumped.signal()
        }
    }

    func capture(_ request: CaptureRequest) { pipeline.capture(request) }
    func skipped(_ range: Range<Int64>) { pipeline.skipped(range) }
    func stop(at index: Int64) { pipeline.stop(at: index) }

    /// Lets the source fill the requests still in flight (the last was queued at the last `Tn`:
    /// a streaming sensor fills it with its next frame), bounded at 1 s so a wedged camera cannot
    /// hold the node; stops the source, waits for its last completion, closes the recording and
    /// writes the session's exports when asked. Call from a thread that may block (not a task).
    func close(stopIndex: Int64?) -> String? {
        let clock = PosixClockPair()
        let giveUp = clock.monotonicNow() + .seconds(1)
        while pipeline.requestsInFlight > 0, clock.monotonicNow() < giveUp { usleep(1_000) }
        source.stop()
        pumped.wait()
        let counts = pipeline.progress
        log.info("camera frames delivered \(counts.frames), requests dropped \(counts.dropped)")
        var failure: String?
        // Closing the recording waits for the encoder's queue, which still holds the frames handed
        // to it (each with its camera buffer): only after it may the buffers be counted.
        do { _ = try pipeline.finish(stopIndex: stopIndex) } catch { failure = "\(error)" }
        afterStop()
        if writesSessionExports, let session {
            do { _ = try session.finish() } catch { failure = failure ?? "\(error)" }
        }
        return failure
    }

    /// The camera's counts as written (after ``close(stopIndex:)``), nil without a recording.
    var summary: CameraSummary? { pipeline.recorder?.sink.recorder.summary }
}
