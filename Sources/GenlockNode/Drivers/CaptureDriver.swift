import GenlockCore
import GenlockHAL
import Synchronization

/// Runs a ``CaptureScheduler`` against real (or simulated) devices: it samples the clock pair,
/// arms the deadline timer, and hands each capture to `onCapture`.
///
/// The scheduler is pure; this adapter is all the I/O. Events may arrive from the timer's thread
/// (deadlines) and from any other thread (start, stop), so the scheduler sits behind a mutex, and
/// callbacks run outside it.
///
/// The per-frame path (``handle(_:)`` and what it calls) is inlinable, so a host in another module
/// (the simulator, `genlock camera`) gets a copy specialised for its clock and timer. Unspecialised,
/// every frame looked up the generic metadata of `CaptureDriver<Clock, Timer>`, called the clock
/// and timer through witness tables, and allocated a context for the timer's handler (a closure
/// in generic code captures its type parameters as well as `self`).
public final class CaptureDriver<Clock: ClockPair, Timer: DeadlineTimer>: Sendable {
    /// What the driver reports.
    public enum Report: Sendable {
        case capture(CaptureRequest)
        case skip(Range<Int64>)
        case armFailed(DeadlineTimerError)
        case finish(CaptureSummary)
    }

    @usableFromInline let clock: Clock
    @usableFromInline let timer: Timer
    @usableFromInline let scheduler: Mutex<CaptureScheduler>
    @usableFromInline let onReport: @Sendable (Report) -> Void

    /// A driver over `clock` and `timer`; `onReport` runs on the timer's context for captures.
    public init(
        clock: Clock, timer: Timer, configuration: CaptureScheduler.Configuration = .init(),
        onReport: @escaping @Sendable (Report) -> Void
    ) {
        self.clock = clock
        self.timer = timer
        self.scheduler = Mutex(CaptureScheduler(configuration: configuration))
        self.onReport = onReport
    }

    /// Begins the schedule.
    @inlinable public func start(_ plan: StartPlan) {
        let sample = clock.sample()
        feed(.start(plan, sample))
    }

    /// Captures only frames before `stopIndex`.
    @inlinable public func stop(at stopIndex: Int64) {
        feed(.stop(stopIndex: stopIndex))
    }

    /// Ends the run where it stands (the node's rule for a deadline the timer could not arm).
    @inlinable public func abort() {
        feed(.abort)
    }

    /// The scheduler's state (for status reports).
    public var state: CaptureScheduler.State { scheduler.withLock { $0.state } }

    @inlinable func feed(_ event: CaptureScheduler.Event) {
        let actions = scheduler.withLock { $0.handle(event) }
        perform(actions, wakeError: .zero)
    }

    /// The armed deadline fired (the timer calls this; a host in virtual time may too).
    @inlinable public func handle(_ firing: TimerFiring) {
        // Sample the pair on wake-up: this is the "fresh mapping" every deadline is judged by.
        let sample = clock.sample()
        switch firing.cause {
        case .deadline:
            let actions = scheduler.withLock { $0.handle(.deadlineReached(deadline: firing.deadline, sample)) }
            perform(actions, wakeError: firing.wakeError)
        case .realtimeStep:
            // The armed deadline came from a mapping the step made stale: judge the frame anew. A
            // frame captured now has no armed deadline of its own to be late against; its wake
            // error is against Tn mapped through the fresh sample.
            let actions = scheduler.withLock { $0.handle(.realtimeStepped(deadline: firing.deadline, sample)) }
            perform(actions, wakeError: nil, wokeAt: firing.wokeAt)
        }
    }

    /// `wakeError` nil: measure each capture's against its `Tn` mapped through its wake sample.
    @inlinable func perform(_ actions: CaptureScheduler.Actions, wakeError: TimeSpan?, wokeAt: MonotonicInstant? = nil) {
        for action in actions {
            switch action {
            case .armDeadline(let d):
                do {
                    // The handler captures nothing but `self` (the firing names its deadline, which the
                    // scheduler matches), so its context is `self` itself: no allocation per frame. A strong
                    // capture: the timer drops the handler once it fires or is cancelled, so the cycle
                    // lasts only while a deadline is armed, and a weak reference would cost a
                    // side-table allocation per frame.
                    try timer.arm(at: d.deadline) { [self] firing in handle(firing) }
                } catch {
                    onReport(.armFailed(error))
                }
            case .capture(let c):
                let error = wakeError ?? ((wokeAt ?? c.wake.monotonic) - c.wake.monotonic(at: c.scheduled))
                onReport(.capture(CaptureRequest(index: c.index, scheduled: c.scheduled, wake: c.wake, wakeError: error)))
            case .skip(let range):
                onReport(.skip(range))
            case .cancelDeadline:
                timer.cancel()
            case .finish(let summary):
                onReport(.finish(summary))
            }
        }
    }
}
