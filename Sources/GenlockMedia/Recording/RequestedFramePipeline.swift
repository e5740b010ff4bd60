import GenlockCore
import GenlockHAL
import Synchronization

/// Request-timed capture on any capture source (a libcamera sensor, the synthetic camera):
/// everything between a node's ``CaptureDriver`` and its files.
///
/// The sensor free-runs; each capture request, queued at its `Tn`, is filled by the next sensor
/// frame. Completions come in through ``handle(_:)`` (``run()`` pumps the camera's stream into
/// it; tests push them directly): a frame goes to the
/// ``CameraFrameRecorder`` (or is released at once when nothing records) with its sidecar row,
/// whose realtime instant is the camera's wall-clock stamp when it has one, else the sensor
/// timestamp mapped through the clock pair the node sampled when it woke for the frame. A request
/// the camera refuses, fails or cancels at stop becomes a `dropped` row, so the sidecar accounts
/// for every index.
///
/// A node wires it as:
/// ```swift
/// let pipeline = RequestedFramePipeline(camera: camera, recorder: frames) { problem in log.warning(problem) }
/// Task { await pipeline.run(); pumped.signal() }
/// let driver = CaptureDriver(clock: clock, timer: timer) { report in
///     switch report {
///     case .capture(let request): pipeline.capture(request)
///     case .skip(let range): pipeline.skipped(range)
///     case .finish(let summary): /* then */ camera.stop(); pumped.wait(); try pipeline.finish(stopIndex: summary.stopIndex)
///     case .armFailed: break
///     }
/// }
/// ```
public final class RequestedFramePipeline<Source: CaptureSource>: Sendable {
    /// Frames delivered, requests that came to nothing (refused, failed or cancelled).
    public struct Counts: Hashable, Sendable {
        public var frames: Int64 = 0
        public var dropped: Int64 = 0
    }

    public let camera: Source
    public let recorder: CameraFrameRecorder?
    private let onProblem: @Sendable (String) -> Void
    /// Requests queued and not yet completed, in index order (a handful: the camera's buffers bound
    /// it), and the counts. Rows are handed to the recorder under this lock, so they reach it in
    /// index order although captures come from the timer's thread and completions from the pump.
    private let state = Mutex(State())

    private struct State {
        /// A refused request stays here, marked, until every request before it completed: its
        /// `dropped` row must not overtake their frames.
        var inFlight: [(request: CaptureRequest, refused: Bool)] = []
        var counts = Counts()
    }

    /// Queues on `camera` and records its frames into `recorder` (nil: frames are released
    /// unrecorded). `onProblem` hears of refused and failed requests.
    public init(camera: Source, recorder: CameraFrameRecorder?, onProblem: @escaping @Sendable (String) -> Void) {
        self.camera = camera
        self.recorder = recorder
        self.onProblem = onProblem
    }

    /// Hands every completion of the camera's stream to ``handle(_:)``; returns when the stream
    /// ends (after the camera stopped).
    public func run() async {
        for await completion in camera.completions { handle(completion) }
    }

    /// Queues frame `request.index` on the camera (on the timer's thread: no waiting here).
    public func capture(_ request: CaptureRequest) {
        state.withLock { $0.inFlight.append((request, false)) }
        do {
            try camera.queue(request)
        } catch {
            onProblem("frame \(request.index) not queued: \(error)")
            state.withLock { s in
                if let i = s.inFlight.firstIndex(where: { $0.request.index == request.index }) { s.inFlight[i].refused = true }
                flushRefused(&s)
            }
        }
    }

    /// The driver skipped these indices.
    public func skipped(_ range: Range<Int64>) { recorder?.skipped(range) }

    /// Frames at or after `index` are not recorded (call on STOP: requests queued before it may
    /// reach past it).
    public func stop(at index: Int64) { recorder?.sink.stop(at: index) }

    /// Frames, drops so far.
    public var progress: Counts { state.withLock { $0.counts } }

    /// Requests queued and not yet completed. The last request of a run is queued at the last
    /// `Tn` and filled by the next sensor frame: stopping the camera before it completes would
    /// cancel it, so the node waits for this to reach 0 (bounded) before it stops the camera.
    public var requestsInFlight: Int { state.withLock { $0.inFlight.count } }

    /// Closes the recording (nil without one), once the camera stopped and its last completion was
    /// handled. Frames at or after `stopIndex` are left out.
    @discardableResult
    public func finish(stopIndex: Int64?) throws(MediaError) -> CameraSummary? {
        try recorder?.finish(stopIndex: stopIndex)
    }

    /// One completion from the camera (on the pump's task; in request order).
    public func handle(_ completion: CameraCompletion) {
        let index: Int64
        switch completion {
        case .frame(let frame): index = frame.index
        case .cancelled(let i), .failed(let i, _): index = i
        }
        if case .failed(_, let reason) = completion { onProblem("frame \(index): \(reason)") }
        let stray: Bool = state.withLock { s in
            guard let i = s.inFlight.firstIndex(where: { $0.request.index == index && !$0.refused }) else { return true }
            let request = s.inFlight.remove(at: i).request
            if case .frame(let frame) = completion {
                s.counts.frames += 1
                if let recorder {
                    recorder.record(frame, as: FrameRecord(
                        index: request.index, scheduled: request.scheduled, sensorMonotonic: frame.sensorTimestamp,
                        sensorRealtime: frame.wallClock ?? frame.sensorTimestamp.map { request.wake.realtime(at: $0) },
                        wakeError: request.wakeError, realtimeLateness: request.wake.realtime - request.scheduled))
                } else {
                    frame.release()
                }
            } else {
                drop(request, &s)
            }
            flushRefused(&s)
            return false
        }
        guard stray else { return }
        // Every completion answers a request this pipeline queued; anything else is not ours to number.
        if case .frame(let frame) = completion {
            frame.release()
            onProblem("the camera delivered frame \(index), which was not requested")
        }
    }

    /// Rows for the refused requests at the front: nothing queued before them is still awaited.
    private func flushRefused(_ s: inout State) {
        while let first = s.inFlight.first, first.refused {
            s.inFlight.removeFirst()
            drop(first.request, &s)
        }
    }

    private func drop(_ request: CaptureRequest, _ s: inout State) {
        s.counts.dropped += 1
        recorder?.dropped(FrameRecord(
            index: request.index, scheduled: request.scheduled, wakeError: request.wakeError,
            realtimeLateness: request.wake.realtime - request.scheduled))
    }
}
