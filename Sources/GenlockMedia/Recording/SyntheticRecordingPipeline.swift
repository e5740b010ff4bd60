import GenlockCore
import GenlockHAL

/// Everything between a capture node's ``CaptureDriver`` and its files, for the synthetic
/// camera: capture requests go to the camera, its frames and the driver's skips go through a
/// ``RecordingSink`` into a ``CameraRecorder``.
///
/// A node wires it as:
/// ```swift
/// let recorder = try SessionRecorder(outputRoot: out, session: name).camera("cam2", configuration: .init(
///     codec: .x264, width: 640, height: 480, frameRate: rate, epoch: schedule.start))
/// let pipeline = try SyntheticRecordingPipeline(recorder: recorder, schedule: schedule, clock: clock) { error in
///     /* stop the schedule */ }
/// let driver = CaptureDriver(clock: clock, timer: timer) { report in
///     switch report {
///     case .capture(let request): pipeline.capture(request)
///     case .skip(let range): pipeline.skipped(range)
///     case .finish(let summary): /* then */ try pipeline.finish(stopIndex: summary.stopIndex)
///     case .armFailed: break
///     }
/// }
/// ```
public final class SyntheticRecordingPipeline: Sendable {
    public let camera: SyntheticCamera
    public let sink: RecordingSink

    /// A synthetic camera rendering at the recorder's size and layout, feeding `recorder`.
    /// `onError` runs once, on the first recording failure (typically: stop the schedule).
    public init(
        recorder: CameraRecorder, schedule: FrameSchedule, clock: any ClockPair, maximumPending: Int = 4,
        onError: @escaping @Sendable (MediaError) -> Void
    ) throws(MediaError) {
        let sink = RecordingSink(recorder: recorder, schedule: schedule, onError: onError)
        let configuration = recorder.configuration
        self.sink = sink
        camera = try SyntheticCamera(
            name: recorder.camera, width: configuration.width, height: configuration.height, layout: configuration.layout,
            clock: clock, maximumPending: maximumPending
        ) { output in sink.receive(output) }
    }

    /// Queues frame `request.index` on the camera.
    public func capture(_ request: CaptureRequest) {
        do {
            try camera.queue(request)
        } catch {
            sink.receive(.dropped(FrameRecord(
                index: request.index, scheduled: request.scheduled, wakeError: request.wakeError,
                realtimeLateness: request.wake.realtime - request.scheduled, flags: .dropped)))
        }
    }

    /// The driver skipped these indices.
    public func skipped(_ range: Range<Int64>) { sink.skipped(range) }

    /// Frames at or after `index` are not recorded (call on STOP, before the driver finishes,
    /// when frames may already be queued past it).
    public func stop(at index: Int64) { sink.stop(at: index) }

    /// Stops the camera, waits for its last frames, and closes the recording. Frames at or after
    /// `stopIndex` are left out, so every camera ends on the same frame.
    @discardableResult
    public func finish(stopIndex: Int64?) throws(MediaError) -> CameraSummary {
        camera.stop()
        camera.drain()
        if let stopIndex { sink.stop(at: stopIndex) }
        return try sink.finish()
    }

    /// The first recording error, if any.
    public var error: MediaError? { sink.error }
}
