import GenlockCore
import GenlockHAL
import Glibc
import SystemPackage

/// A deadline timer on a dedicated thread polling a `timerfd` armed with `TFD_TIMER_ABSTIME` on
/// CLOCK_MONOTONIC, beside an `eventfd` used only to wake it for shutdown.
///
/// A timerfd fits event loops (it is just a readable descriptor), and clock-simulation tools that
/// intercept syscalls support it. Arming and cancelling reprogram the descriptor directly, so no
/// signal is needed.
///
/// With a ``RealtimeStepSource``, a realtime step while a deadline is armed disarms it and fires
/// the handler on the timer thread with cause ``TimerFiring/Cause/realtimeStep`` (the source's
/// notice wakes the poll through the eventfd).
public final class TimerfdDeadlineTimer: DeadlineTimer {
    private let shared: Shared
    private let thread: TimerThread
    private let stepSource: (any RealtimeStepSource)?

    /// Creates the descriptors and starts the timer thread with `options` applied; subscribes to
    /// `stepSource` when given.
    public init(options: TimerThreadOptions = .init(), stepSource: (any RealtimeStepSource)? = nil) throws(DeadlineTimerError) {
        let timerFD: FileDescriptor
        let wakeFD: FileDescriptor
        do {
            timerFD = try Syscalls.timerfdCreate()
        } catch {
            throw .system(operation: "timerfd_create(CLOCK_MONOTONIC)", detail: "\(error)")
        }
        do {
            wakeFD = try Syscalls.eventfdCreate()
        } catch {
            Syscalls.close(timerFD)
            throw .system(operation: "eventfd", detail: "\(error)")
        }
        let shared = Shared(timerFD: timerFD, wakeFD: wakeFD)
        self.shared = shared
        // The descriptors close when `shared` is released by both this object and the thread.
        self.thread = try TimerThread.start(name: "genlock-timerfd", options: options) { shared.run() }
        self.stepSource = stepSource
        do {
            try stepSource?.start { shared.realtimeStepped() }
        } catch {
            shutdown()
            throw error
        }
    }

    deinit { shutdown() }

    public func arm(at deadline: MonotonicInstant, _ handler: @escaping @Sendable (TimerFiring) -> Void) throws(DeadlineTimerError) {
        try shared.arm(deadline, handler)
    }

    public func cancel() { shared.cancel() }

    public func shutdown() {
        guard shared.beginShutdown() else { return }
        stepSource?.shutdown()
        if !thread.isCurrent { thread.join() }
    }

    private final class Shared: @unchecked Sendable {
        struct Armed {
            var deadline: MonotonicInstant
            var handler: @Sendable (TimerFiring) -> Void
        }
        let timerFD: FileDescriptor
        let wakeFD: FileDescriptor
        // Protected by `lock`.
        let lock = ConditionLock()
        var armed: Armed?
        var isShutDown = false
        /// A realtime step was noticed and not yet delivered. One noticed while nothing is armed
        /// stays pending until the next arm: that deadline may come from a mapping sampled before
        /// the step (the handler samples, then arms), so it is fired at once to be re-sampled.
        var stepPending = false

        init(timerFD: FileDescriptor, wakeFD: FileDescriptor) {
            self.timerFD = timerFD
            self.wakeFD = wakeFD
        }

        deinit {
            Syscalls.close(timerFD)
            Syscalls.close(wakeFD)
        }

        func run() {
            while true {
                // Nothing armed: wait on the condition (arm and shutdown signal it) rather than in
                // poll, so an idle timer holds no wake-up source at all.
                let idleEnded = lock.withLock { () -> Bool in
                    while armed == nil, !isShutDown { lock.wait() }
                    return !isShutDown
                }
                guard idleEnded else { return }
                if deliverPendingStep() { continue }
                guard let ready = try? Syscalls.pollReadable([timerFD, wakeFD]) else { return }
                let wokeAt = MonotonicInstant(nanoseconds: Syscalls.now(CLOCK_MONOTONIC))
                if ready[1] {
                    _ = try? Syscalls.readCounter(wakeFD)
                    if lock.withLock({ isShutDown }) { return }
                    if deliverPendingStep() { continue }
                }
                guard ready[0] else { continue }
                // Drain the expiration count. The descriptor may have been re-armed since poll
                // returned; the deadline check below, under the lock, is what decides.
                _ = try? Syscalls.readCounter(timerFD)
                lock.lock()
                guard !isShutDown else { lock.unlock(); return }
                guard let target = armed, wokeAt >= target.deadline else {
                    lock.unlock()
                    continue
                }
                armed = nil
                lock.unlock()
                target.handler(TimerFiring(deadline: target.deadline, wokeAt: wokeAt))
            }
        }

        /// Fires the armed handler for a pending step (on this, the timer thread); false when
        /// there is none or nothing is armed.
        private func deliverPendingStep() -> Bool {
            lock.lock()
            guard stepPending, !isShutDown, let target = armed else { lock.unlock(); return false }
            stepPending = false
            armed = nil
            try? Syscalls.timerfdSet(timerFD, nil)
            lock.unlock()
            let wokeAt = MonotonicInstant(nanoseconds: Syscalls.now(CLOCK_MONOTONIC))
            target.handler(TimerFiring(deadline: target.deadline, wokeAt: wokeAt, cause: .realtimeStep))
            return true
        }

        /// The step source's notice (on its context): remember it and wake the timer thread.
        func realtimeStepped() {
            let wake = lock.withLock { () -> Bool in
                guard !isShutDown else { return false }
                stepPending = true
                return armed != nil
            }
            if wake { try? Syscalls.writeCounter(wakeFD, 1) }
        }

        func arm(_ deadline: MonotonicInstant, _ handler: @escaping @Sendable (TimerFiring) -> Void) throws(DeadlineTimerError) {
            lock.lock()
            defer { lock.unlock() }
            guard !isShutDown else { throw .shutDown }
            do {
                try Syscalls.timerfdSet(timerFD, deadline)
            } catch {
                throw .system(operation: "timerfd_settime(TFD_TIMER_ABSTIME)", detail: "\(error)")
            }
            armed = Armed(deadline: deadline, handler: handler)
            lock.broadcast()
        }

        func cancel() {
            let wasArmed = lock.withLock { () -> Bool in
                defer { armed = nil }
                try? Syscalls.timerfdSet(timerFD, nil)
                return armed != nil
            }
            // Kick the thread out of poll (the disarmed descriptor will never wake it) back to
            // the idle wait. Cancels are rare (a STOP), so the extra write costs nothing per frame.
            if wasArmed { try? Syscalls.writeCounter(wakeFD, 1) }
        }

        func beginShutdown() -> Bool {
            let first = lock.withLock { () -> Bool in
                guard !isShutDown else { return false }
                isShutDown = true
                armed = nil
                lock.broadcast()
                return true
            }
            if first { try? Syscalls.writeCounter(wakeFD, 1) }
            return first
        }
    }
}
