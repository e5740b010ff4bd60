import GenlockCore
import GenlockHAL
import Glibc
import Synchronization
import SystemPackage

/// The kernel's notice that CLOCK_REALTIME was set or stepped: a timerfd on CLOCK_REALTIME armed
/// with `TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET` for the end of time. It never expires; when
/// realtime changes discontinuously (`clock_settime`, `ADJ_SETOFFSET` from ptp4l or phc2sys, but
/// not a slew) it becomes readable and its read fails with ECANCELED. A watcher thread polls it
/// (beside an eventfd used only for shutdown), re-arms it and calls the subscriber.
///
/// The watcher runs with the same ``TimerThreadOptions`` as the timer it feeds, so a step is seen
/// with the latency of one more real-time wake-up.
public final class CancelOnSetStepSource: RealtimeStepSource {
    private let shared: Shared
    private let options: TimerThreadOptions
    /// The watcher thread, once ``start(_:)`` has started it.
    private let thread = Mutex<TimerThread?>(nil)

    /// Creates and arms the descriptor (so a step from now on is remembered even before ``start(_:)``).
    public init(options: TimerThreadOptions = .init()) throws(DeadlineTimerError) {
        let stepFD: FileDescriptor
        let wakeFD: FileDescriptor
        do {
            stepFD = try Syscalls.realtimeStepTimerfd()
        } catch {
            throw .system(operation: "timerfd_create(CLOCK_REALTIME) + timerfd_settime(TFD_TIMER_CANCEL_ON_SET)", detail: "\(error)")
        }
        do {
            wakeFD = try Syscalls.eventfdCreate()
        } catch {
            Syscalls.close(stepFD)
            throw .system(operation: "eventfd", detail: "\(error)")
        }
        shared = Shared(stepFD: stepFD, wakeFD: wakeFD)
        self.options = options
    }

    deinit { shutdown() }

    public func start(_ onStep: @escaping @Sendable () -> Void) throws(DeadlineTimerError) {
        try shared.subscribe(onStep)
        let shared = self.shared
        let started = try TimerThread.start(name: "genlock-steps", options: options) { shared.run() }
        thread.withLock { $0 = started }
    }

    public func shutdown() {
        guard shared.beginShutdown() else { return }
        if let t = thread.withLock({ $0 }), !t.isCurrent { t.join() }
    }

    /// Reads the descriptor once without waiting: true when realtime was stepped since it was
    /// armed (and re-arms it), false when not. This is the kernel boundary a test can cross on a
    /// machine whose clock must not be stepped: the descriptor exists, is armed and reads "no step".
    public func stepSinceArmed() throws(DeadlineTimerError) -> Bool {
        try shared.readOnce()
    }

    private final class Shared: @unchecked Sendable {
        let stepFD: FileDescriptor
        let wakeFD: FileDescriptor
        // Protected by `lock`.
        let lock = ConditionLock()
        var onStep: (@Sendable () -> Void)?
        var isShutDown = false

        init(stepFD: FileDescriptor, wakeFD: FileDescriptor) {
            self.stepFD = stepFD
            self.wakeFD = wakeFD
        }

        deinit {
            Syscalls.close(stepFD)
            Syscalls.close(wakeFD)
        }

        func subscribe(_ handler: @escaping @Sendable () -> Void) throws(DeadlineTimerError) {
            lock.lock()
            defer { lock.unlock() }
            guard !isShutDown else { throw .shutDown }
            guard onStep == nil else {
                throw .system(operation: "realtime step source", detail: "already started (one subscriber per source)")
            }
            onStep = handler
        }

        func readOnce() throws(DeadlineTimerError) -> Bool {
            do {
                switch try Syscalls.readTimerfd(stepFD) {
                case .canceled:
                    try Syscalls.armCancelOnSet(stepFD)
                    return true
                case .expired, .nothing:
                    // It cannot expire (armed for the end of time); either way no step happened.
                    return false
                }
            } catch {
                throw .system(operation: "read(realtime step timerfd)", detail: "\(error)")
            }
        }

        func run() {
            while true {
                guard let ready = try? Syscalls.pollReadable([stepFD, wakeFD]) else { return }
                if ready[1] {
                    _ = try? Syscalls.readCounter(wakeFD)
                    if lock.withLock({ isShutDown }) { return }
                }
                guard ready[0] else { continue }
                // A failed read or re-arm would leave the descriptor readable forever (a busy loop):
                // stop watching instead; the timer then behaves as one without a step source.
                guard let stepped = try? readOnce() else { return }
                guard stepped else { continue }
                let handler = lock.withLock { isShutDown ? nil : onStep }
                guard let handler else { return }
                handler()
            }
        }

        func beginShutdown() -> Bool {
            let first = lock.withLock { () -> Bool in
                guard !isShutDown else { return false }
                isShutDown = true
                onStep = nil
                return true
            }
            if first { try? Syscalls.writeCounter(wakeFD, 1) }
            return first
        }
    }
}
