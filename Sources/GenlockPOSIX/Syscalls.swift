import CGenlockLinux
import GenlockCore
import Glibc
import SystemPackage

/// Every system call the POSIX backend makes, each wrapped once: typed arguments, `Errno` errors,
/// and EINTR retried explicitly where a retry is correct (never for clock_nanosleep, whose
/// interruption is how a sleeping timer thread is woken).
enum Syscalls {
    /// Retries `body` while it fails with EINTR; returns its result or throws its errno.
    @inline(__always)
    static func retryingEINTR(_ body: () -> Int32) throws(Errno) -> Int32 {
        while true {
            let rc = body()
            if rc != -1 { return rc }
            let e = Errno(rawValue: errno)
            if e != .interrupted { throw e }
        }
    }

    /// clock_gettime; cannot fail for the clocks used here (a failure is a programming error).
    @inline(__always)
    static func now(_ clock: clockid_t) -> Int64 {
        var ts = timespec()
        let rc = clock_gettime(clock, &ts)
        precondition(rc == 0, "clock_gettime(\(clock)) failed: \(Errno(rawValue: errno))")
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// The kernel's frequency adjustment of the realtime and monotonic clocks (adjtimex with no
    /// mode bits: a read that needs no privilege and changes nothing).
    static func clockAdjustment() -> Result<ClockAdjustment, Errno> {
        var freq = 0, tick = 0
        let rc = genlock_read_clock_adjustment(&freq, &tick)
        guard rc == 0 else { return .failure(Errno(rawValue: rc)) }
        return .success(ClockAdjustment(freq: Int64(freq), tickMicroseconds: Int64(tick), ticksPerSecond: Int64(sysconf(Int32(_SC_CLK_TCK)))))
    }

    static func timespecOf(ns: Int64) -> Glibc.timespec {
        // Floor division so that negative instants (never expected) still give a valid timespec.
        var sec = ns / 1_000_000_000
        var nsec = ns % 1_000_000_000
        if nsec < 0 { sec -= 1; nsec += 1_000_000_000 }
        return Glibc.timespec(tv_sec: Int(sec), tv_nsec: Int(nsec))
    }

    /// Sleeps until CLOCK_MONOTONIC reaches `deadline`. Returns false when interrupted by a signal.
    static func sleepUntilMonotonic(_ deadline: MonotonicInstant) throws(Errno) -> Bool {
        var ts = timespecOf(ns: deadline.nanoseconds)
        // clock_nanosleep returns the error number directly rather than through errno.
        let rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nil)
        if rc == 0 { return true }
        if rc == EINTR { return false }
        throw Errno(rawValue: rc)
    }

    static func timerfdCreate() throws(Errno) -> FileDescriptor {
        let fd = try retryingEINTR { timerfd_create(CLOCK_MONOTONIC, Int32(TFD_CLOEXEC | TFD_NONBLOCK)) }
        return FileDescriptor(rawValue: fd)
    }

    /// Arms `fd` for absolute monotonic `deadline`, or disarms it when nil.
    static func timerfdSet(_ fd: FileDescriptor, _ deadline: MonotonicInstant?) throws(Errno) {
        var spec = itimerspec()
        if let deadline {
            // A zero it_value disarms; an instant at or before 0 is already past, so use 1 ns.
            spec.it_value = timespecOf(ns: max(deadline.nanoseconds, 1))
        }
        _ = try retryingEINTR { timerfd_settime(fd.rawValue, Int32(TFD_TIMER_ABSTIME), &spec, nil) }
    }

    static func eventfdCreate() throws(Errno) -> FileDescriptor {
        let fd = try retryingEINTR { eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK)) }
        return FileDescriptor(rawValue: fd)
    }

    /// Reads the 8-byte counter of a timerfd or eventfd.
    static func readCounter(_ fd: FileDescriptor) throws(Errno) -> UInt64 {
        var value: UInt64 = 0
        _ = try retryingEINTR { Int32(Glibc.read(fd.rawValue, &value, 8)) }
        return value
    }

    static func writeCounter(_ fd: FileDescriptor, _ value: UInt64) throws(Errno) {
        var v = value
        _ = try retryingEINTR { Int32(Glibc.write(fd.rawValue, &v, 8)) }
    }

    /// Waits until one of `fds` is readable; returns the readable flags in order.
    static func pollReadable(_ fds: [FileDescriptor]) throws(Errno) -> [Bool] {
        var pfds = fds.map { pollfd(fd: $0.rawValue, events: Int16(POLLIN), revents: 0) }
        _ = try retryingEINTR { poll(&pfds, nfds_t(pfds.count), -1) }
        return pfds.map { $0.revents & Int16(POLLIN | POLLERR | POLLHUP) != 0 }
    }

    /// Gives `from` the name `to` only when `to` does not exist: renameat2(RENAME_NOREPLACE),
    /// one atomic step, so nothing created at `to` meanwhile is ever replaced (EEXIST instead).
    /// A file system without it (EINVAL: some network ones) gets link then unlink, which never
    /// replaces either; a crash between them leaves both names, never a lost file.
    static func renameNoReplace(_ from: String, _ to: String) throws(Errno) {
        let rc = genlock_rename_noreplace(from, to)
        if rc == 0 { return }
        guard rc == EINVAL else { throw Errno(rawValue: rc) }
        guard link(from, to) == 0 else { throw Errno(rawValue: errno) }
        _ = unlink(from)
    }

    static func close(_ fd: FileDescriptor) {
        // close is not retried on EINTR on Linux: the descriptor is released either way.
        _ = Glibc.close(fd.rawValue)
    }

    static func setFIFOPriority(_ priority: Int32) throws(Errno) {
        var param = sched_param(sched_priority: priority)
        let rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &param)
        if rc != 0 { throw Errno(rawValue: rc) }
    }

    static func pinCurrentThread(to cpu: Int32) throws(Errno) {
        let rc = genlock_pin_current_thread(cpu)
        if rc != 0 { throw Errno(rawValue: rc) }
    }

    static func lockAllMemory() throws(Errno) {
        _ = try retryingEINTR { mlockall(Int32(MCL_CURRENT | MCL_FUTURE)) }
    }

    /// A signal set holding `signals`.
    static func signalSet(_ signals: [Int32]) -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for number in signals { sigaddset(&set, number) }
        return set
    }

    /// Blocks `signals` in the calling thread (and so in every thread it starts afterwards).
    static func blockSignals(_ signals: [Int32]) {
        var set = signalSet(signals)
        // pthread_sigmask returns the error number; with a valid set and SIG_BLOCK it cannot fail.
        let rc = pthread_sigmask(SIG_BLOCK, &set, nil)
        precondition(rc == 0, "pthread_sigmask failed: \(Errno(rawValue: rc))")
    }

    /// Waits until one of `signals` (blocked in every thread) is pending and takes it. sigwait
    /// is not interrupted by other signals (EINTR is not among its errors), so no retry.
    static func waitForSignal(_ signals: [Int32]) -> Int32 {
        var set = signalSet(signals)
        var number: Int32 = 0
        let rc = sigwait(&set, &number)
        precondition(rc == 0, "sigwait failed: \(Errno(rawValue: rc))")
        return number
    }
}

// MARK: Realtime step notification (TFD_TIMER_CANCEL_ON_SET)

extension Syscalls {
    /// What one non-blocking read of a timerfd found.
    enum TimerfdRead: Equatable {
        /// The timer expired this many times.
        case expired(UInt64)
        /// Armed with `TFD_TIMER_CANCEL_ON_SET` and its clock was set or stepped since (ECANCELED).
        case canceled
        /// Nothing yet (EAGAIN).
        case nothing
    }

    /// A non-blocking timerfd on CLOCK_REALTIME armed (absolute, `TFD_TIMER_CANCEL_ON_SET`) for the
    /// farthest instant the kernel keeps, so it never expires and only a step of realtime makes it
    /// readable: the kernel's notice that CLOCK_REALTIME changed discontinuously.
    static func realtimeStepTimerfd() throws(Errno) -> FileDescriptor {
        let fd = FileDescriptor(rawValue: try retryingEINTR { timerfd_create(CLOCK_REALTIME, Int32(TFD_CLOEXEC | TFD_NONBLOCK)) })
        do {
            try armCancelOnSet(fd)
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    /// (Re-)arms a realtime step timerfd: absolute, cancel-on-set, at the end of time (the kernel
    /// clamps any later instant to its maximum, so this never fires on its own).
    static func armCancelOnSet(_ fd: FileDescriptor) throws(Errno) {
        var spec = itimerspec()
        spec.it_value = Glibc.timespec(tv_sec: Int(Int64.max / 1_000_000_000), tv_nsec: 0)
        _ = try retryingEINTR { timerfd_settime(fd.rawValue, Int32(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET), &spec, nil) }
    }

    /// Reads a non-blocking timerfd once.
    static func readTimerfd(_ fd: FileDescriptor) throws(Errno) -> TimerfdRead {
        do {
            return .expired(try readCounter(fd))
        } catch {
            switch error {
            case .canceled: return .canceled
            case .wouldBlock: return .nothing
            default: throw error
            }
        }
    }
}
