import CGenlockLinux
import GenlockHAL
import Glibc
import SystemPackage

/// How a timer thread should run: real-time priority, CPU pinning, locked memory.
public struct TimerThreadOptions: Hashable, Sendable {
    /// SCHED_FIFO priority (1–99), or nil for the default scheduler.
    public var fifoPriority: Int32?
    /// The CPU to pin the thread to, or nil to let the kernel choose.
    public var cpu: Int32?
    /// Lock all current and future pages of the process in memory (mlockall), so a page fault
    /// never delays a wake-up.
    public var lockMemory: Bool

    public init(fifoPriority: Int32? = nil, cpu: Int32? = nil, lockMemory: Bool = false) {
        self.fifoPriority = fifoPriority
        self.cpu = cpu
        self.lockMemory = lockMemory
    }
}

/// A dedicated pthread for a deadline timer, started with ``TimerThreadOptions`` applied from
/// inside the thread. Setup failures are reported to the starter as clear errors.
final class TimerThread: @unchecked Sendable {
    let id: pthread_t

    private final class Startup: @unchecked Sendable {
        let options: TimerThreadOptions
        let name: String
        let body: @Sendable () -> Void
        let lock = ConditionLock()
        var result: DeadlineTimerError?? = .none  // .none: pending; .some(nil): ok
        init(name: String, options: TimerThreadOptions, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.options = options
            self.body = body
        }
    }

    private init(id: pthread_t) { self.id = id }

    /// Starts a thread that applies `options` and then runs `body`.
    static func start(
        name: String, options: TimerThreadOptions, body: @escaping @Sendable () -> Void
    ) throws(DeadlineTimerError) -> TimerThread {
        if options.lockMemory {
            do { try Syscalls.lockAllMemory() } catch {
                throw .system(
                    operation: "mlockall (--mlock)",
                    detail: "\(error)\(error == .notPermitted || error == .noMemory ? " (needs CAP_IPC_LOCK or a large enough RLIMIT_MEMLOCK)" : "")")
            }
        }
        let startup = Startup(name: name, options: options, body: body)
        let box = Unmanaged.passRetained(startup).toOpaque()
        var tid = pthread_t()
        let rc = pthread_create(&tid, nil, { raw in
            let startup = Unmanaged<Startup>.fromOpaque(raw!).takeRetainedValue()
            genlock_name_current_thread(startup.name)
            let outcome = TimerThread.applyOptions(startup.options)
            startup.lock.withLock {
                startup.result = .some(outcome)
                startup.lock.broadcast()
            }
            if outcome == nil { startup.body() }
            return nil
        }, box)
        guard rc == 0 else {
            Unmanaged<Startup>.fromOpaque(box).release()
            throw .system(operation: "pthread_create", detail: "\(Errno(rawValue: rc))")
        }
        let outcome: DeadlineTimerError? = startup.lock.withLock {
            while case .none = startup.result { startup.lock.wait() }
            return startup.result!
        }
        if let outcome {
            pthread_join(tid, nil)
            throw outcome
        }
        return TimerThread(id: tid)
    }

    /// Applies `options` to the calling thread; returns the first failure.
    private static func applyOptions(_ options: TimerThreadOptions) -> DeadlineTimerError? {
        // Without this, a thread on the default scheduler may be woken up to 50 µs (the default
        // timer slack) after its clock_nanosleep deadline, so that the kernel can batch wake-ups.
        // SCHED_FIFO threads get no slack anyway. Best effort: a failure (seccomp) only costs
        // precision, so it does not stop the timer.
        _ = genlock_set_timer_slack_ns(1)
        if let cpu = options.cpu {
            do { try Syscalls.pinCurrentThread(to: cpu) } catch {
                let allowed = genlock_allowed_cpu_count()
                return .system(operation: "pin timer thread to CPU \(cpu) (--cpu)",
                               detail: "\(error) (this process may run on \(allowed) CPUs)")
            }
        }
        if let priority = options.fifoPriority {
            do { try Syscalls.setFIFOPriority(priority) } catch {
                let hint = error == .notPermitted
                    ? " (needs root, CAP_SYS_NICE or an rtprio limit)" : " (valid priorities are 1–99)"
                return .system(operation: "SCHED_FIFO priority \(priority) (--rt-priority)", detail: "\(error)\(hint)")
            }
        }
        return nil
    }

    /// Whether the caller is this thread.
    var isCurrent: Bool { pthread_equal(pthread_self(), id) != 0 }

    func join() { pthread_join(id, nil) }

    /// Sends the wake-up signal (see ``WakeSignal``).
    func interrupt() { pthread_kill(id, WakeSignal.number) }
}

/// The signal that interrupts a sleeping nanosleep timer thread. Its handler does nothing: the
/// point is that clock_nanosleep returns EINTR (it is never restarted, whatever SA_RESTART says).
enum WakeSignal {
    static let number = SIGUSR2

    private static let installed: Bool = {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        return sigaction(number, &action, nil) == 0
    }()

    /// Unblocks the signal in the calling thread. Threads inherit their creator's signal mask, and
    /// libdispatch worker threads block nearly everything, so a timer thread started from one
    /// would otherwise never see the wake-up.
    static func unblockInCurrentThread() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, number)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// Installs the no-op handler once per process.
    static func install() throws(DeadlineTimerError) {
        guard installed else {
            throw .system(operation: "sigaction(SIGUSR2)", detail: "\(Errno(rawValue: errno))")
        }
    }
}
