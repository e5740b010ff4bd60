import GenlockCore
import GenlockHAL

/// A ``DeadlineTimer`` in virtual time: it fires only when the test moves its ``VirtualClockPair``
/// to the wake-up, on the thread that moves it.
///
/// It keeps the protocol's contract: one deadline at a time (arming replaces it), a deadline
/// already past fires at the next move of the clock (even by zero), a cancelled deadline never
/// fires, and after ``shutdown()`` arming throws ``DeadlineTimerError/shutDown``.
///
/// Every wake-up comes ``wakeLatency`` after its deadline, so a test can check how a consumer
/// measures wake errors, or stand the clock at a deadline with its firing still to come.
public final class ManualDeadlineTimer: DeadlineTimer {
    /// The armed deadline and the handler that will run when it fires.
    public struct Armed: Sendable {
        /// The absolute monotonic deadline.
        public var deadline: MonotonicInstant
        /// The handler the consumer gave. A test may keep it and call it after the deadline fired
        /// or was replaced, to stage a late wake-up racing a re-arm (as a timer thread can).
        public var handler: @Sendable (TimerFiring) -> Void
    }

    /// How late after its deadline every wake-up comes.
    public let wakeLatency: TimeSpan
    private let clock: VirtualClockPair
    private let identity: Int

    /// A timer that fires as `clock` moves, each wake-up `wakeLatency` after its deadline. With
    /// `stepSource`, each step notice fires the armed deadline at once (on the notifying thread)
    /// with cause ``TimerFiring/Cause/realtimeStep``, as the POSIX timers do on their thread.
    public init(clock: VirtualClockPair, wakeLatency: TimeSpan = .zero, stepSource: (any RealtimeStepSource)? = nil) {
        precondition(wakeLatency >= .zero, "a timer never wakes before its deadline")
        self.clock = clock
        self.wakeLatency = wakeLatency
        let identity = clock.registerTimer()
        self.identity = identity
        // A source that cannot start leaves the timer step-unaware, which a test then sees.
        try? stepSource?.start { [clock] in
            guard let woken = clock.takeWakeUp(of: identity) else { return }
            woken.handler(TimerFiring(deadline: woken.deadline, wokeAt: clock.monotonicNow(), cause: .realtimeStep))
        }
    }

    public func arm(at deadline: MonotonicInstant, _ handler: @escaping @Sendable (TimerFiring) -> Void) throws(DeadlineTimerError) {
        try clock.arm(identity, at: deadline, latency: wakeLatency, handler)
    }

    public func cancel() { clock.cancel(identity, shutDown: false) }

    public func shutdown() { clock.cancel(identity, shutDown: true) }

    /// The deadline armed now (nil when none is: never armed, fired, cancelled or shut down).
    public var armed: Armed? {
        clock.wakeUp(of: identity).map { Armed(deadline: $0.deadline, handler: $0.handler) }
    }
}
