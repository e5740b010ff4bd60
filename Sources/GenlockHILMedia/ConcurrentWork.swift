import Dispatch
import Synchronization

/// Runs independent jobs on a few threads of their own and returns their results in job order,
/// so that the outcome never depends on which thread finished first.
enum ConcurrentWork {
    /// `body(i)` for `i` in `0..<count` in index order, on at most `width` threads, each taking
    /// the next index when it is free. After a job fails no further job starts (those running
    /// finish): every index below a started one was started too, so the first failure in index
    /// order is the one a serial loop would have stopped at.
    static func map<T: Sendable, Failure: Error>(
        _ count: Int, width: Int, _ body: @escaping @Sendable (Int) -> Result<T, Failure>
    ) throws(Failure) -> [T] {
        let shared = Shared<T, Failure>(count: count)
        let group = DispatchGroup()
        for worker in 0..<max(1, min(width, count)) {
            DispatchQueue(label: "genlock.hil.analyze.\(worker)", qos: .userInitiated).async(group: group) {
                while !shared.failed.load(ordering: .relaxed) {
                    let index = shared.next.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard index < count else { return }
                    let outcome = body(index)
                    if case .failure = outcome { shared.failed.store(true, ordering: .relaxed) }
                    shared.results.withLock { $0[index] = outcome }
                }
            }
        }
        group.wait()
        var values: [T] = []
        for outcome in shared.results.withLock({ $0 }) {
            // A job not started lies after a failed one, which is met first.
            guard let outcome else { preconditionFailure("a job never ran although none before it failed") }
            values.append(try outcome.get())
        }
        return values
    }

    private final class Shared<T: Sendable, Failure: Error>: Sendable {
        let next = Atomic<Int>(0)
        let failed = Atomic<Bool>(false)
        let results: Mutex<[Result<T, Failure>?]>
        init(count: Int) { results = Mutex(Array(repeating: nil, count: count)) }
    }
}
