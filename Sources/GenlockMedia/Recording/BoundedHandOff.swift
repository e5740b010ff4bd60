import Dispatch
import Synchronization

/// Work handed from a capture thread to a serial queue without ever waiting: at most
/// `maximumPending` items wait at once; past that an item is refused at once (the caller drops
/// it, e.g. releases a camera buffer and writes a `dropped` row), so a slow encoder can never
/// stall the camera or the timer. Everything, accepted or refused, runs on the queue in the order
/// handed over, so the rows that follow stay in index order.
///
/// The one rule for both hand-offs to the recorder: the synthetic camera's renderer and a real
/// camera's frames on their way to the encoder.
final class BoundedHandOff: Sendable {
    let queue: DispatchQueue
    private let maximumPending: Int
    private let pending = Atomic<Int>(0)

    init(label: String, maximumPending: Int) {
        queue = DispatchQueue(label: label, qos: .userInitiated)
        self.maximumPending = maximumPending
    }

    /// Runs `work` on the queue when fewer than `maximumPending` items wait; otherwise runs
    /// `refused` on the caller's thread at once and then `afterRefusal` on the queue (in order
    /// with the accepted work). Returns whether `work` was accepted.
    @discardableResult
    func submit(
        _ work: @escaping @Sendable () -> Void, refused: () -> Void = {}, afterRefusal: @escaping @Sendable () -> Void
    ) -> Bool {
        guard pending.add(1, ordering: .acquiringAndReleasing).newValue <= maximumPending else {
            pending.subtract(1, ordering: .acquiringAndReleasing)
            refused()
            queue.async(execute: afterRefusal)
            return false
        }
        queue.async { [self] in
            defer { pending.subtract(1, ordering: .acquiringAndReleasing) }
            work()
        }
        return true
    }

    /// Runs `work` on the queue after everything handed over so far (not counted against the bound).
    func enqueue(_ work: @escaping @Sendable () -> Void) { queue.async(execute: work) }

    /// Waits until everything handed over so far has run.
    func drain() { queue.sync {} }
}
