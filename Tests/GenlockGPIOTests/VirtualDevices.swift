import GenlockCore
import GenlockHAL
import Synchronization

/// A clock pair in virtual time: monotonic advances only when the test says so, and realtime is
/// monotonic plus an offset the test can step.
final class VirtualClockPair: ClockPair {
    private let state = Mutex<(monotonic: Int64, offset: Int64)>((1_000_000_000, 1_800_000_000_000_000_000 - 1_000_000_000))

    func sample() -> ClockSample {
        state.withLock { s in
            ClockSample(realtime: RealtimeInstant(nanosecondsSinceEpoch: s.monotonic + s.offset),
                        monotonic: MonotonicInstant(nanoseconds: s.monotonic))
        }
    }
    func monotonicNow() -> MonotonicInstant { state.withLock { MonotonicInstant(nanoseconds: $0.monotonic) } }
    var realtimeNow: RealtimeInstant { sample().realtime }

    /// Moves monotonic forward to `instant` (never back).
    func advance(to instant: MonotonicInstant) { state.withLock { $0.monotonic = max($0.monotonic, instant.nanoseconds) } }
    /// Steps realtime by `delta` (what a PTP servo or an operator does).
    func stepRealtime(by delta: TimeSpan) { state.withLock { $0.offset += delta.nanoseconds } }
}

/// A deadline timer that fires only when the test calls ``fire(latency:)``: it advances the
/// clock to the armed deadline plus `latency` and runs the handler on the caller's thread.
final class VirtualDeadlineTimer: DeadlineTimer {
    private let clock: VirtualClockPair
    private let armed = Mutex<(deadline: MonotonicInstant, handler: @Sendable (TimerFiring) -> Void)?>(nil)

    init(clock: VirtualClockPair) { self.clock = clock }

    func arm(at deadline: MonotonicInstant, _ handler: @escaping @Sendable (TimerFiring) -> Void) throws(DeadlineTimerError) {
        armed.withLock { $0 = (deadline, handler) }
    }
    func cancel() { armed.withLock { $0 = nil } }
    func shutdown() { cancel() }

    /// The armed deadline, if any.
    var deadline: MonotonicInstant? { armed.withLock { $0?.deadline } }

    /// Fires the armed deadline `latency` late; false when nothing is armed.
    @discardableResult
    func fire(latency: TimeSpan = .zero) -> Bool {
        guard let target = armed.withLock({ a in defer { a = nil }; return a }) else { return false }
        clock.advance(to: target.deadline + latency)
        target.handler(TimerFiring(deadline: target.deadline, wokeAt: clock.monotonicNow()))
        return true
    }
}

/// Collects a runner's reports.
final class RunnerReports: Sendable {
    private let items = Mutex<[FlashRunner<VirtualClockPair, VirtualDeadlineTimer>.Report]>([])
    func append(_ r: FlashRunner<VirtualClockPair, VirtualDeadlineTimer>.Report) { items.withLock { $0.append(r) } }

    var records: [FlashRecord] { items.withLock { $0.compactMap { if case .flash(let r) = $0 { r } else { nil } } } }
    var skips: [Range<Int>] { items.withLock { $0.compactMap { if case .skip(let r) = $0 { r } else { nil } } } }
    var failures: [FlashRunnerFailure] { items.withLock { $0.compactMap { if case .failed(let f) = $0 { f } else { nil } } } }
    var summary: FlashSummary? { items.withLock { $0.lazy.compactMap { if case .finish(let s) = $0 { s } else { nil } }.first } }
}
