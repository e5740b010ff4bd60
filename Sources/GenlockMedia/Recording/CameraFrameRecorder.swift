import Dispatch
import GenlockCore
import GenlockHAL
import Synchronization

/// Everything between a ``PhaseLockDriver`` and its files, for a camera that delivers mapped
/// frames (``CameraFrame``): each numbered frame is copied off the camera's buffer, released, and
/// encoded through a ``RecordingSink`` into a ``CameraRecorder``; the driver's skips become
/// `skipped` rows.
///
/// ``record(_:)`` never waits for the encoder: frames are handed to a serial queue, as
/// ``SyntheticCamera`` renders on its own. When more than `maximumPending` frames are waiting (the
/// encoder cannot keep up) a new frame is released at once and its index becomes a `dropped` row,
/// so the camera gets its buffers back and the sidecar still accounts for every index.
///
/// A node wires it as:
/// ```swift
/// let frames = CameraFrameRecorder(recorder: recorder, schedule: schedule, exposure: exposure) { error in /* stop */ }
/// let driver = PhaseLockDriver(camera: camera, clock: clock, configuration: configuration) { report in
///     switch report {
///     case .frame(let f): frames.record(f)
///     case .skip(let range): frames.skipped(range)
///     case .finish(let summary): try frames.finish(stopIndex: summary.stopIndex)
///     default: break
///     }
/// }
/// ```
public final class CameraFrameRecorder: Sendable {
    public let sink: RecordingSink
    private let exposure: TimeSpan?
    private let handOff: BoundedHandOff

    /// Records into `recorder`; `exposure` is the fixed exposure the camera was set to (nil:
    /// unknown), written on every frame's row. `onError` runs once, on the first recording
    /// failure (typically: stop the schedule); frames after it are released unrecorded.
    public init(
        recorder: CameraRecorder, schedule: FrameSchedule, exposure: TimeSpan?, maximumPending: Int = 2,
        onError: @escaping @Sendable (MediaError) -> Void
    ) {
        sink = RecordingSink(recorder: recorder, schedule: schedule, onError: onError)
        self.exposure = exposure
        handOff = BoundedHandOff(label: "genlock.record.\(recorder.camera)", maximumPending: maximumPending)
    }

    /// Hands `locked`'s frame to the encoder, or releases it as dropped when too many wait; the
    /// frame is released exactly once either way. Frames must come in increasing index order.
    /// The row's realtime instant is the camera's own wall-clock stamp when it has one (see
    /// ``CameraFrame/wallClock``), else the driver's mapping.
    public func record(_ locked: PhaseLockedFrame) {
        record(locked.frame, as: FrameRecord(
            index: locked.index, scheduled: locked.scheduled, sensorMonotonic: locked.sensorTimestamp,
            sensorRealtime: locked.frame.wallClock ?? locked.sensorRealtime, exposure: exposure))
    }

    /// Hands `frame` to the encoder with its sidecar row `record` (its exposure filled in when
    /// unknown), or releases it as dropped when too many wait; the frame is released exactly
    /// once either way. Frames must come in increasing index order.
    public func record(_ frame: CameraFrame, as record: FrameRecord) {
        var record = record
        if record.exposure == nil { record.exposure = exposure }
        let row = record
        let width = sink.recorder.configuration.width, height = sink.recorder.configuration.height
        let layout = sink.recorder.configuration.layout
        handOff.submit(
            { [sink] in
                // One copy, so the buffer goes back to the camera before the (slower) encoding.
                let planes = frame.planes.map { VideoFrame.Plane(bytes: Array($0.bytes), stride: $0.strideBytes) }
                frame.release()
                sink.receive(.frame(VideoFrame(width: width, height: height, layout: layout, planes: planes), row))
            },
            refused: { frame.release() },
            afterRefusal: { [sink] in
                var dropped = row
                dropped.flags.insert(.dropped)
                sink.receive(.dropped(dropped))
            })
    }

    /// A requested frame that will not be in the video (the camera failed or cancelled it, or
    /// refused the request): a `dropped` row, in index order with the frames.
    public func dropped(_ record: FrameRecord) {
        var row = record
        row.flags.insert(.dropped)
        let dropped = row
        // Through the queue, so the sink still sees indices in order.
        handOff.enqueue { [sink] in sink.receive(.dropped(dropped)) }
    }

    /// The driver found no frame for these indices.
    public func skipped(_ range: Range<Int64>) { sink.skipped(range) }

    /// Waits for the frames handed over so far, then closes the recording. Frames at or after
    /// `stopIndex` are left out, so every camera ends on the same frame.
    @discardableResult
    public func finish(stopIndex: Int64?) throws(MediaError) -> CameraSummary {
        handOff.drain()
        if let stopIndex { sink.stop(at: stopIndex) }
        return try sink.finish()
    }

    /// The first recording error, if any.
    public var error: MediaError? { sink.error }
}
