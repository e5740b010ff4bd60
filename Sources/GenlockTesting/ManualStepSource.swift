import GenlockHAL
import Synchronization

/// A ``RealtimeStepSource`` a test drives: ``step()`` delivers the notice at once, on the caller's
/// thread, as the kernel's cancel-on-set timerfd would after a `clock_settime`. Pair it with
/// ``VirtualClockPair/stepRealtime(by:)`` (step the clock, then call ``step()``), or give it to a
/// real timer backend to exercise its step path without touching this machine's clock.
public final class ManualStepSource: RealtimeStepSource {
    private struct State {
        var onStep: (@Sendable () -> Void)?
        var isShutDown = false
    }
    private let state = Mutex(State())

    public init() {}

    public func start(_ onStep: @escaping @Sendable () -> Void) throws(DeadlineTimerError) {
        try state.withLock { s throws(DeadlineTimerError) in
            guard !s.isShutDown else { throw .shutDown }
            guard s.onStep == nil else { throw .system(operation: "manual step source", detail: "already started") }
            s.onStep = onStep
        }
    }

    public func shutdown() { state.withLock { $0 = State(onStep: nil, isShutDown: true) } }

    /// Whether a subscriber is listening (started and not shut down).
    public var isStarted: Bool { state.withLock { $0.onStep != nil } }

    /// Delivers one step notice; false when nobody listens.
    @discardableResult
    public func step() -> Bool {
        guard let handler = state.withLock({ $0.onStep }) else { return false }
        handler()
        return true
    }
}
