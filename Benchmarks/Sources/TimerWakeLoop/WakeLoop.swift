import Dispatch
import GenlockCore
import GenlockHAL
import GenlockPOSIX

/// A cyclictest-style periodic loop on a ``DeadlineTimer``: arm the absolute deadline
/// `first + k·interval`, and on each firing record its wake error (monotonic now at wake minus
/// deadline) and arm the next one, from the timer's own thread, as cyclictest's measuring thread
/// does. Deadlines follow the fixed grid even when a wake is late, so lateness is never hidden
/// by re-basing the schedule.
public enum WakeLoop {
    /// Runs `count` wakes `interval` apart on `timer`, the first one `interval` from now, and
    /// returns their wake errors in nanoseconds, in order. Blocks the caller until the last wake.
    public static func run(
        timer: any DeadlineTimer, interval: TimeSpan, count: Int
    ) throws(DeadlineTimerError) -> [Int64] {
        precondition(interval > .zero && count > 0, "WakeLoop needs a positive interval and count")
        let state = State(timer: timer, interval: interval, count: count)
        let first = PosixClockPair().monotonicNow() + interval
        try state.start(at: first)
        // Bounded, so that a timer that never fires fails the run instead of hanging it.
        let budgetNs = interval.nanoseconds.multipliedReportingOverflow(by: Int64(count))
        let waitNs = budgetNs.overflow ? Int64.max / 2 : budgetNs.partialValue + 10_000_000_000
        let waitUs = Int(clamping: waitNs / 1000)
        if state.done.wait(timeout: .now() + .microseconds(waitUs)) == .timedOut {
            timer.shutdown()
            throw .system(operation: "wake loop", detail: "\(count) wakes did not complete within \(TimeSpan(nanoseconds: waitNs))")
        }
        if let failure = state.failure { throw failure }
        return state.wakeErrorsNs
    }

    /// Opens a timer of `kind`, runs ``run(timer:interval:count:)`` and shuts the timer down.
    public static func run(
        kind: DeadlineTimerKind, options: TimerThreadOptions, interval: TimeSpan, count: Int
    ) throws(DeadlineTimerError) -> [Int64] {
        let timer = try kind.make(options: options)
        defer { timer.shutdown() }
        return try run(timer: timer, interval: interval, count: count)
    }

    /// Loop state, touched only by the timer thread between ``start(at:)`` and `done`.
    private final class State: @unchecked Sendable {
        let timer: any DeadlineTimer
        let interval: TimeSpan
        let count: Int
        let done = DispatchSemaphore(value: 0)
        /// Preallocated so that recording a wake never allocates on the timer thread.
        var wakeErrorsNs: [Int64]
        var failure: DeadlineTimerError?
        /// Built once, so that re-arming does not allocate a closure per wake.
        private var handler: (@Sendable (TimerFiring) -> Void)?

        init(timer: any DeadlineTimer, interval: TimeSpan, count: Int) {
            self.timer = timer
            self.interval = interval
            self.count = count
            wakeErrorsNs = []
            wakeErrorsNs.reserveCapacity(count)
        }

        func start(at first: MonotonicInstant) throws(DeadlineTimerError) {
            let handler: @Sendable (TimerFiring) -> Void = { [unowned self] firing in self.fired(firing) }
            self.handler = handler
            try timer.arm(at: first, handler)
        }

        private func fired(_ firing: TimerFiring) {
            wakeErrorsNs.append(firing.wakeError.nanoseconds)
            guard wakeErrorsNs.count < count, let handler else { return finish() }
            do {
                try timer.arm(at: firing.deadline + interval, handler)
            } catch {
                failure = error
                finish()
            }
        }

        private func finish() {
            handler = nil
            done.signal()
        }
    }
}
