import GenlockCore

/// One firing of a ``DeadlineTimer``.
public struct TimerFiring: Hashable, Sendable {
    /// Why the timer fired.
    public enum Cause: Hashable, Sendable {
        /// The monotonic clock reached the deadline.
        case deadline
        /// CLOCK_REALTIME was stepped while the deadline was armed (see ``RealtimeStepSource``);
        /// the deadline is disarmed and may not have been reached.
        case realtimeStep
    }

    /// The absolute monotonic deadline that was armed.
    public var deadline: MonotonicInstant
    /// The monotonic clock when the waiting thread resumed.
    public var wokeAt: MonotonicInstant
    /// Why it fired.
    public var cause: Cause
    /// How late the wake-up was (monotonic now minus deadline); never negative for a correct timer
    /// firing for its deadline. Negative for a ``Cause/realtimeStep`` firing before the deadline.
    public var wakeError: TimeSpan { wokeAt - deadline }

    public init(deadline: MonotonicInstant, wokeAt: MonotonicInstant, cause: Cause = .deadline) {
        self.deadline = deadline
        self.wokeAt = wokeAt
        self.cause = cause
    }
}

/// Errors of deadline timers.
public enum DeadlineTimerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The timer was shut down; nothing can be armed any more.
    case shutDown
    /// A system call failed; `operation` names it and `detail` says why.
    case system(operation: String, detail: String)

    public var description: String {
        switch self {
        case .shutDown: "the deadline timer is shut down"
        case .system(let operation, let detail): "\(operation): \(detail)"
        }
    }
}

/// "Fire at this absolute monotonic instant": one deadline at a time, one-shot.
///
/// Arming replaces any armed deadline. After ``cancel()`` returns, the cancelled deadline never
/// fires. After ``shutdown()`` returns, no handler runs any more and any thread is gone.
/// A deadline already in the past fires at once. A timer given a ``RealtimeStepSource`` also fires
/// when realtime is stepped while a deadline is armed (cause ``TimerFiring/Cause/realtimeStep``),
/// disarming it: the consumer re-samples its clock pair and arms again.
public protocol DeadlineTimer: AnyObject, Sendable {
    /// Arms the timer for `deadline`; `handler` runs on the timer's own context when it fires.
    func arm(at deadline: MonotonicInstant, _ handler: @escaping @Sendable (TimerFiring) -> Void) throws(DeadlineTimerError)
    /// Disarms the timer. Safe from any thread, including from within a handler.
    func cancel()
    /// Stops the timer for good and releases its resources.
    func shutdown()
}

/// A type-erased ``DeadlineTimer``, so generic code (``CaptureDriver``) can hold a timer whose kind
/// is chosen at run time.
public final class AnyDeadlineTimer: DeadlineTimer {
    /// The wrapped timer.
    public let base: any DeadlineTimer

    public init(_ base: any DeadlineTimer) { self.base = base }

    public func arm(at deadline: MonotonicInstant, _ handler: @escaping @Sendable (TimerFiring) -> Void) throws(DeadlineTimerError) {
        try base.arm(at: deadline, handler)
    }
    public func cancel() { base.cancel() }
    public func shutdown() { base.shutdown() }
}
