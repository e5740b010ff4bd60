import Glibc

/// A pthread mutex with a condition variable whose timed waits use CLOCK_MONOTONIC (so a realtime
/// step cannot stretch or shorten them).
final class ConditionLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        precondition(pthread_mutex_init(mutex, nil) == 0)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        precondition(pthread_cond_init(condition, &attr) == 0)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }
    func broadcast() { pthread_cond_broadcast(condition) }

    /// Waits for a broadcast (spurious wake-ups possible: callers loop on their predicate).
    func wait() { pthread_cond_wait(condition, mutex) }

    /// Waits for a broadcast or until `timeoutNs` passed on the monotonic clock.
    func wait(timeoutNs: Int64) {
        var ts = Syscalls.timespecOf(ns: Syscalls.now(CLOCK_MONOTONIC) + timeoutNs)
        pthread_cond_timedwait(condition, mutex, &ts)
    }

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}
