import GenlockCore
import GenlockHAL
import Synchronization

/// A node's clocks in virtual time, and the test clock that drives every ``ManualDeadlineTimer``
/// made on it.
///
/// Monotonic time stands still until the test moves it (``advance(by:)``, ``advance(to:)``,
/// ``run()``, ``fireNext()``); realtime is monotonic plus an offset that only
/// ``stepRealtime(by:)`` changes, as ptp4l's servo or an operator steps CLOCK_REALTIME. Reads are
/// exact: a sample's realtime and monotonic are the same instant, with no uncertainty.
///
/// Moving time fires the timers' wake-ups it reaches, one at a time, in the order of their wake-up
/// instants (ties in the order they were armed), with monotonic time standing at each one's
/// instant while its handler runs. Handlers run on the caller's thread, outside any lock, so a
/// handler may arm, cancel, sample or even move the clock itself.
public final class VirtualClockPair: ClockPair {
    /// One armed deadline waiting for time to reach its wake-up.
    struct WakeUp {
        var timer: Int
        var deadline: MonotonicInstant
        /// When the handler runs: the deadline (or the instant it was armed, if already past) plus
        /// the timer's wake latency.
        var at: MonotonicInstant
        var handler: @Sendable (TimerFiring) -> Void
    }

    private struct State {
        var monotonic: MonotonicInstant
        var realtimeOffset: TimeSpan
        /// Sorted by ``WakeUp/at``, equal instants in arming order: the next to fire is first.
        var wakeUps: [WakeUp] = []
        var nextTimer = 0
        var shutDownTimers: Set<Int> = []
    }

    private let state: Mutex<State>

    /// A clock pair whose monotonic clock reads `monotonic` and whose realtime clock reads
    /// `realtime` at that instant.
    public init(
        monotonic: MonotonicInstant = MonotonicInstant(nanoseconds: 1_000_000_000),
        realtime: RealtimeInstant = RealtimeInstant(nanosecondsSinceEpoch: 1_800_000_000_000_000_000)
    ) {
        state = Mutex(State(monotonic: monotonic, realtimeOffset: TimeSpan(nanoseconds: realtime.nanosecondsSinceEpoch - monotonic.nanoseconds)))
    }

    // MARK: Reading

    public func sample() -> ClockSample {
        state.withLock { s in
            ClockSample(realtime: RealtimeInstant(nanosecondsSinceEpoch: s.monotonic.nanoseconds + s.realtimeOffset.nanoseconds),
                        monotonic: s.monotonic)
        }
    }

    public func monotonicNow() -> MonotonicInstant { state.withLock { $0.monotonic } }

    /// The realtime clock now.
    public var realtimeNow: RealtimeInstant { sample().realtime }

    // MARK: Moving time

    /// Steps realtime by `delta` (either sign); monotonic does not move and nothing fires.
    public func stepRealtime(by delta: TimeSpan) {
        state.withLock { $0.realtimeOffset = $0.realtimeOffset + delta }
    }

    /// Moves monotonic time forward by `span`, firing every wake-up it reaches on the way.
    public func advance(by span: TimeSpan) {
        precondition(span >= .zero, "virtual time never goes back")
        advance(to: monotonicNow() + span)
    }

    /// Moves monotonic time forward to `target`, firing every wake-up at or before it on the way.
    /// A `target` already past leaves time where it is (it never goes back) but still fires what is
    /// due now.
    public func advance(to target: MonotonicInstant) {
        while fireNext(notAfter: target) {}
        state.withLock { $0.monotonic = max($0.monotonic, target) }
    }

    /// Fires wake-ups until none is pending, moving time to each in turn. A consumer that re-arms
    /// forever (a schedule with no stop) never lets it return: give it ``advance(to:)`` instead.
    public func run() {
        while fireNext() {}
    }

    /// Moves time to the next wake-up and fires it; false (and time unmoved) when none is pending.
    @discardableResult
    public func fireNext() -> Bool { fireNext(notAfter: nil) }

    /// The deadlines still waiting for time to reach them, in the order they would fire. Empty
    /// once every armed deadline has fired or been cancelled.
    public var pendingDeadlines: [MonotonicInstant] { state.withLock { $0.wakeUps.map(\.deadline) } }

    private func fireNext(notAfter limit: MonotonicInstant?) -> Bool {
        let due: WakeUp? = state.withLock { s in
            guard let next = s.wakeUps.first, limit.map({ next.at <= $0 }) ?? true else { return nil }
            s.wakeUps.removeFirst()
            s.monotonic = max(s.monotonic, next.at)
            return next
        }
        guard let due else { return false }
        due.handler(TimerFiring(deadline: due.deadline, wokeAt: due.at))
        return true
    }

    // MARK: The timers' side

    /// A new timer's identity on this clock.
    func registerTimer() -> Int {
        state.withLock { s in
            defer { s.nextTimer += 1 }
            return s.nextTimer
        }
    }

    /// Replaces `timer`'s wake-up (if any) with one for `deadline`, `latency` after it (or after now,
    /// for a deadline already past).
    func arm(
        _ timer: Int, at deadline: MonotonicInstant, latency: TimeSpan, _ handler: @escaping @Sendable (TimerFiring) -> Void
    ) throws(DeadlineTimerError) {
        try state.withLock { s throws(DeadlineTimerError) in
            guard !s.shutDownTimers.contains(timer) else { throw .shutDown }
            s.wakeUps.removeAll { $0.timer == timer }
            let wakeUp = WakeUp(timer: timer, deadline: deadline, at: max(deadline, s.monotonic) + latency, handler: handler)
            // After every wake-up due at the same instant or earlier: ties fire in arming order.
            let position = s.wakeUps.firstIndex { $0.at > wakeUp.at } ?? s.wakeUps.endIndex
            s.wakeUps.insert(wakeUp, at: position)
        }
    }

    /// `timer`'s pending wake-up, if any.
    func wakeUp(of timer: Int) -> WakeUp? { state.withLock { $0.wakeUps.first { $0.timer == timer } } }

    /// Removes and returns `timer`'s pending wake-up (a step notice disarms it).
    func takeWakeUp(of timer: Int) -> WakeUp? {
        state.withLock { s in
            guard let i = s.wakeUps.firstIndex(where: { $0.timer == timer }) else { return nil }
            return s.wakeUps.remove(at: i)
        }
    }

    /// Removes `timer`'s pending wake-up; with `shutDown`, refuses every later arming of it too.
    func cancel(_ timer: Int, shutDown: Bool) {
        state.withLock { s in
            s.wakeUps.removeAll { $0.timer == timer }
            if shutDown { s.shutDownTimers.insert(timer) }
        }
    }
}
