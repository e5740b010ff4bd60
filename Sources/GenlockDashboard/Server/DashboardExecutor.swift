import Dispatch

/// Where the dashboard's tasks run: a serial dispatch queue of its own, as a task executor
/// preference. Swift's shared cooperative pool has one thread per core; in a process whose other
/// work blocks those threads (a test run, a busy host), the dashboard would otherwise stall with
/// them. The queue is serial: the dashboard is light, and never competes with itself.
final class DashboardExecutor: TaskExecutor, @unchecked Sendable {
    private let queue: DispatchQueue

    init(label: String) { queue = DispatchQueue(label: label) }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
