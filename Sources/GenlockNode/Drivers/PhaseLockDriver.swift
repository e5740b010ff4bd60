import GenlockCore
import GenlockHAL
import Synchronization

/// Runs a ``PhaseLockScheduler`` against a streaming camera: the adapter for phase-locked capture,
/// as ``CaptureDriver`` is for request-timed capture.
///
/// The state machine decides everything (numbering, join, pre-roll, duplicates, skips, stop, the
/// requests in flight, what a refused or failed request costs); the driver samples the clock pair
/// once per event (so a realtime step affects at most the frames around it), feeds the event, and
/// carries out the actions: it queues requests (each carries its request number as its index, the
/// instant it was queued as `scheduled`, and the frame duration the state machine asked for),
/// hands numbered frames to `onReport` (which releases them), releases every other frame, and stops
/// the camera when the run finishes. Frames at or after the stop index are never reported.
///
/// Push-based: ``handle(_:)`` takes one completion at a time, from ``run()`` (which pumps the
/// camera's completions) or from whoever delivers them (the simulator's event queue). Events may
/// come from several threads (completions, STOP, the silence check), so the state machine sits
/// behind a mutex and actions are carried out outside it.
public final class PhaseLockDriver<Clock: ClockPair, Sensor: CaptureSource>: Sendable {
    /// The sensor mode, how to read its timestamps, the join margin and the controller's gains.
    public typealias Configuration = PhaseLockScheduler.Configuration

    /// What the driver reports.
    public enum Report: Sendable {
        /// A numbered frame; the receiver releases ``PhaseLockedFrame/frame``.
        case frame(PhaseLockedFrame)
        /// Indices no frame landed on, reported just before the next numbered frame.
        case skip(Range<Int64>)
        /// The lock changed state (reported on the first frame too, as acquiring).
        case stateChanged(PhaseLock.Status)
        /// A failed request, a frame without a timestamp, a request the camera refused, a camera
        /// that does not follow the frame lengths it is given.
        case problem(String)
        /// A fact about the run the operator should know (at the start); nothing failed.
        case notice(String)
        /// The run ended (once).
        case finish(PhaseLockSummary)
    }

    private let camera: Sensor
    private let clock: Clock
    private let capture: Mutex<PhaseLockScheduler>
    private let onReport: @Sendable (Report) -> Void

    /// A driver for `camera`, which must already be streaming; `onReport` runs on the caller of
    /// ``handle(_:)`` (the task in ``run()``), and on the caller of ``start(_:)``, ``stop(at:)`` or
    /// ``endIfSilent(for:)`` for what those lead to.
    public init(camera: Sensor, clock: Clock, configuration: Configuration, onReport: @escaping @Sendable (Report) -> Void) {
        self.camera = camera
        self.clock = clock
        self.capture = Mutex(PhaseLockScheduler(configuration: configuration))
        self.onReport = onReport
    }

    /// Begins numbering frames for `plan` and queues the first `controlDelayFrames` requests at the
    /// free-running length for the rate.
    public func start(_ plan: StartPlan) {
        let sample = clock.sample()
        perform(capture.withLock { $0.handle(.start(plan, sample)) }, stampingRequestsWith: sample)
    }

    /// Numbers only frames before `stopIndex`; stops at once if the last numbered frame is just before it.
    public func stop(at stopIndex: Int64) {
        perform(capture.withLock { $0.handle(.stop(stopIndex: stopIndex)) }, stampingRequestsWith: nil)
    }

    /// The lock's status (nil before the first frame), for STATUS.
    public var status: PhaseLock.Status? { capture.withLock { $0.status } }

    /// A snapshot of the counts so far.
    public var progress: PhaseLockSummary { capture.withLock { $0.summary } }

    /// Consumes the camera's completions until the stream ends (the driver stops the camera at the
    /// stop index); returns the summary.
    public func run() async -> PhaseLockSummary {
        for await completion in camera.completions {
            handle(completion)
        }
        perform(capture.withLock { $0.handle(.completionsEnded) }, stampingRequestsWith: nil)
        return progress
    }

    /// Takes one of the camera's completions: a frame is numbered (or not) and answered with the
    /// request its control delay calls for; a failed request is counted and replaced; a cancelled
    /// one (the camera's stop) is nothing to count.
    public func handle(_ completion: CameraCompletion) {
        switch completion {
        case .cancelled:
            return
        case .failed(let index, let reason):
            let sample = clock.sample()
            perform(capture.withLock { $0.handle(.requestFailed(request: index, reason: reason, sample)) }, stampingRequestsWith: sample)
        case .frame(let frame):
            // One fresh pair per frame: it maps the timestamp, marks the camera as heard from, and
            // stamps the next request; with it the clocks' adjustment, which the lock feeds forward.
            var sample = clock.sample()
            sample.frequencyAdjustmentPpb = clock.frequencyAdjustmentPpb()
            guard let timestamp = frame.sensorTimestamp else {
                frame.release()
                perform(capture.withLock { $0.handle(.timestampMissing(sequence: frame.sequence, sample)) }, stampingRequestsWith: sample)
                return
            }
            let actions = capture.withLock { $0.handle(.frameCompleted(sequence: frame.sequence, sensorTimestamp: timestamp, sample)) }
            perform(actions, stampingRequestsWith: sample, frame: frame)
        }
    }

    /// Ends the run as ``PhaseLockSummary/Outcome/cameraSilent(_:)`` when the camera has delivered
    /// nothing for `limit` since the start (or its last completion). A streaming sensor completes a
    /// request every frame, so silence means a wedged pipeline or a pulled cable; without this the
    /// node would wait forever. The node calls it periodically (a second or so; a limit of a few
    /// frame periods plus the pipeline's start-up). Returns true when it ended the run.
    @discardableResult
    public func endIfSilent(for limit: TimeSpan) -> Bool {
        let now = clock.monotonicNow()
        let actions = capture.withLock { $0.handle(.silenceCheck(now: now, limit: limit)) }
        perform(actions, stampingRequestsWith: nil)
        return actions.contains { if case .finish = $0 { true } else { false } }
    }

    /// Carries out `actions` in order; requests record `sample` as when they were queued (only a
    /// start, a frame or a failure queues any, and each comes with its sample). `frame` is the
    /// completed frame the actions answer: it is handed on if numbered, released otherwise.
    private func perform(_ actions: PhaseLockScheduler.Actions, stampingRequestsWith sample: ClockSample?, frame: CameraFrame? = nil) {
        var handedOn = false
        for action in actions {
            switch action {
            case .queueRequests(let requests):
                guard let sample else { preconditionFailure("requests answer a start, a frame or a failure, each sampled") }
                for number in requests.numbers { queue(number, frameDuration: requests.frameDuration, sample) }
            case .frame(let numbered):
                guard let frame else { preconditionFailure("only a completed frame is numbered") }
                handedOn = true
                onReport(.frame(PhaseLockedFrame(numbered, frame: frame)))
            case .skip(let range):
                onReport(.skip(range))
            case .stateChanged(let status):
                onReport(.stateChanged(status))
            case .problem(let problem):
                onReport(.problem(problem.description))
            case .notice(let notice):
                onReport(.notice(notice.description))
            case .finish(let summary):
                camera.stop()
                onReport(.finish(summary))
            }
        }
        // Not numbered (the pre-roll, a duplicate, at or after the stop index, after the run): unrecorded.
        if !handedOn { frame?.release() }
    }

    private func queue(_ number: Int64, frameDuration: TimeSpan, _ sample: ClockSample) {
        let request = CaptureRequest(index: number, scheduled: sample.realtime, wake: sample, wakeError: .zero)
        do {
            try camera.queue(request, frameDuration: frameDuration)
        } catch {
            perform(capture.withLock { $0.handle(.requestRefused(request: number, reason: "\(error)")) }, stampingRequestsWith: sample)
        }
    }
}
