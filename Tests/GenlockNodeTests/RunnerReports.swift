import GenlockCore
import GenlockHAL
import GenlockNode
import GenlockTesting
import Synchronization

/// Collects a flash runner's reports.
final class RunnerReports: Sendable {
    private let items = Mutex<[FlashRunner<VirtualClockPair, ManualDeadlineTimer>.Report]>([])
    func append(_ r: FlashRunner<VirtualClockPair, ManualDeadlineTimer>.Report) { items.withLock { $0.append(r) } }

    var records: [FlashRecord] { items.withLock { $0.compactMap { if case .flash(let r) = $0 { r } else { nil } } } }
    var skips: [Range<Int>] { items.withLock { $0.compactMap { if case .skip(let r) = $0 { r } else { nil } } } }
    var failures: [FlashRunnerFailure] { items.withLock { $0.compactMap { if case .failed(let f) = $0 { f } else { nil } } } }
    var summary: FlashSummary? { items.withLock { $0.lazy.compactMap { if case .finish(let s) = $0 { s } else { nil } }.first } }
}
