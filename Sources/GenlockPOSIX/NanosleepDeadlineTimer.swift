import GenlockCore
import GenlockHAL
import Glibc

/// A deadline timer on a dedicated thread sleeping in
/// `clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME)`: the lowest-overhead wait Linux offers,
/// and the one cyclictest measures.
///
/// Re-arming to an earlier deadline, and shutdown, interrupt the sleep with ``WakeSignal``;
/// cancelling does not need to (the thread wakes at the old deadline, finds nothing, and sleeps on).
///
/// With a ``RealtimeStepSource`` (on Linux, ``CancelOnSetStepSource``: a watcher thread on a
/// cancel-on-set timerfd), a realtime step while a deadline is armed interrupts the sleep the same
/// way and fires the handler on the timer thread with cause ``TimerFiring/Cause/realtimeStep``.
public final class NanosleepDeadlineTimer: DeadlineTimer {
    private let shared: Shared
    private let thread: TimerThread
    private let stepSource: (any RealtimeStepSource)?

    /// Starts the timer thread with `options` applied; subscribes to `stepSource` when given.
    public init(options: TimerThreadOptions = .init(), stepSource: (any RealtimeStepSource)? = nil) throws(DeadlineTimerError) {
        try WakeSignal.install()
        let shared = Shared()
        self.shared = shared
        let thread = try TimerThread.start(name: "genlock-nsleep", options: options) { shared.run() }
        self.thread = thread
        self.stepSource = stepSource
        do {
            try stepSource?.start { shared.realtimeStepped(thread) }
        } catch {
            shutdown()
            throw error
        }
    }

    deinit { shutdown() }

    public func arm(at deadline: MonotonicInstant, _ handler: @escaping @Sendable (TimerFiring) -> Void) throws(DeadlineTimerError) {
        try shared.arm(deadline, handler, thread)
    }

    public func cancel() { shared.cancel() }

    public func shutdown() {
        guard shared.beginShutdown(thread) else { return }
        stepSource?.shutdown()
        if !thread.isCurrent { thread.join() }
    }

    private final class Shared: @unchecked Sendable {
        struct Armed {
            var deadline: MonotonicInstant
            var handler: @Sendable (TimerFiring) -> Void
            var generation: UInt64
        }
        // Everything below is protected by `lock`.
        let lock = ConditionLock()
        var armed: Armed?
        var generation: UInt64 = 0
        var sleepingUntil: MonotonicInstant?
        var sleepEpoch: UInt64 = 0
        var isShutDown = false
        var exited = false
        /// A realtime step noticed and not yet delivered; one noticed while nothing is armed waits
        /// for the next arm (see ``TimerfdDeadlineTimer``: that deadline may predate the step).
        var stepPending = false

        func run() {
            WakeSignal.unblockInCurrentThread()
            lock.lock()
            while !isShutDown {
                guard let target = armed else {
                    lock.wait()
                    continue
                }
                if stepPending {
                    stepPending = false
                    armed = nil
                    lock.unlock()
                    let wokeAt = MonotonicInstant(nanoseconds: Syscalls.now(CLOCK_MONOTONIC))
                    target.handler(TimerFiring(deadline: target.deadline, wokeAt: wokeAt, cause: .realtimeStep))
                    lock.lock()
                    continue
                }
                sleepingUntil = target.deadline
                sleepEpoch &+= 1
                lock.unlock()
                // A failure other than EINTR cannot happen with a valid timespec; treat it as a wake-up
                // and let the deadline check below decide.
                let completed = (try? Syscalls.sleepUntilMonotonic(target.deadline)) ?? true
                let wokeAt = MonotonicInstant(nanoseconds: Syscalls.now(CLOCK_MONOTONIC))
                lock.lock()
                sleepingUntil = nil
                lock.broadcast()
                guard completed, let current = armed, current.generation == target.generation,
                    wokeAt >= current.deadline
                else { continue }
                armed = nil
                lock.unlock()
                target.handler(TimerFiring(deadline: target.deadline, wokeAt: wokeAt))
                lock.lock()
            }
            exited = true
            lock.broadcast()
            lock.unlock()
        }

        func arm(_ deadline: MonotonicInstant, _ handler: @escaping @Sendable (TimerFiring) -> Void, _ thread: TimerThread) throws(DeadlineTimerError) {
            lock.lock()
            defer { lock.unlock() }
            guard !isShutDown else { throw .shutDown }
            generation &+= 1
            armed = Armed(deadline: deadline, handler: handler, generation: generation)
            lock.broadcast()
            if let sleeping = sleepingUntil, deadline < sleeping {
                interruptLocked(thread)
            }
        }

        /// The step source's notice (on its context): remember it and, if the thread sleeps on an
        /// armed deadline, interrupt it so that it delivers the step.
        func realtimeStepped(_ thread: TimerThread) {
            lock.lock()
            defer { lock.unlock() }
            guard !isShutDown else { return }
            stepPending = true
            lock.broadcast()
            if sleepingUntil != nil, armed != nil, !thread.isCurrent { interruptLocked(thread) }
        }

        func cancel() {
            lock.withLock {
                generation &+= 1
                armed = nil
            }
        }

        /// Marks the timer shut down and wakes the thread; false when already shut down.
        func beginShutdown(_ thread: TimerThread) -> Bool {
            lock.lock()
            defer { lock.unlock() }
            guard !isShutDown else { return false }
            isShutDown = true
            armed = nil
            lock.broadcast()
            if sleepingUntil != nil, !thread.isCurrent { interruptLocked(thread) }
            return true
        }

        /// Signals the sleeping thread until it has woken. Repeats because a signal that lands between
        /// the thread's unlock and its entry into clock_nanosleep is lost; the next one is not.
        private func interruptLocked(_ thread: TimerThread) {
            let epoch = sleepEpoch
            while sleepingUntil != nil, sleepEpoch == epoch, !exited {
                thread.interrupt()
                lock.wait(timeoutNs: 200_000)
            }
        }
    }
}
