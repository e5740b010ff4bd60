import Dispatch
import GenlockCore
import GenlockHAL
import GenlockPOSIX
import Logging
import Synchronization

/// Collects one run's reports: logs each frame, keeps wake errors, and signals the end.
final class NodeRun: Sendable {
    private let name: String
    private let log: Logger
    private let wakeErrors = Mutex<[Int64]>([])
    private let finished = DispatchSemaphore(value: 0)
    private let summary = Mutex<CaptureSummary?>(nil)
    /// Frames captured, skipped, and the last index, for STATUS while running.
    let progress = Mutex<(captured: Int64, skipped: Int64, last: Int64?)>((0, 0, nil))

    init(name: String, log: Logger) {
        self.name = name
        self.log = log
    }

    func handle(_ report: CaptureDriver<PosixClockPair, AnyDeadlineTimer>.Report) {
        switch report {
        case .capture(let request):
            wakeErrors.withLock { $0.append(request.wakeError.nanoseconds) }
            progress.withLock { $0.captured += 1; $0.last = request.index }
            log.info("frame \(request.index) Capture request queued",
                     metadata: [ClassicLogHandler.realtimeKey: "\(request.wake.realtime.nanosecondsSinceEpoch)"])
        case .skip(let range):
            progress.withLock { $0.skipped += Int64(range.count) }
            log.warning("frames \(range.lowerBound)..<\(range.upperBound) skipped: their deadlines passed")
        case .armFailed(let error):
            log.error("arming the deadline timer failed: \(error)")
        case .finish(let s):
            summary.withLock { $0 = s }
            finished.signal()
        }
    }

    func waitForFinish() -> CaptureSummary {
        finished.wait()
        return summary.withLock { $0! }
    }

    func printSummary(_ s: CaptureSummary) {
        let errors = wakeErrors.withLock { $0 }
        let range = s.joinedAt.map { first in "\(first)...\(s.lastIndex.map(String.init) ?? "-")" } ?? "-"
        var line = "summary [\(name)]: frames \(s.captured), skipped \(s.skipped), indices \(range)"
        if let p = Percentiles(errors) {
            line += ", wake error p50 \(TimeSpanFormat.text(p.p50)) p99 \(TimeSpanFormat.text(p.p99)) max \(TimeSpanFormat.text(p.max))"
        }
        Console.out(line)
    }
}
