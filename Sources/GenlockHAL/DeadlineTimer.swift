import GenlockCore

/// One firing of a ``DeadlineTimer``.
public struct TimerFiring: Hashable, Sendable {
    /// The absolute monotonic deadline that was armed.
    public var deadline: MonotonicInstant
    /// The monotonic clock when the waiting thread resumed.
    public var wokeAt: MonotonicInstant
    /// How late the wake-up was (monotonic now minus deadline); never negative for a correct timer.
    public var wakeError: TimeSpan { wokeAt - deadline }

    public init(deadline: MonotonicInstant, wokeAt: MonotonicInstant) {
        self.deadline = deadline
        self.wokeAt = wokeAt
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
/// A deadline already in the past fires at once.
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
