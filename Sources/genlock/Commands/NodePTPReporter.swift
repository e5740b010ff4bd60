import Dispatch
import GenlockControl
import GenlockCore
import GenlockPTP
import GenlockPTPLinux
import Synchronization

/// The camera node's PTP state for HELLO and STATUS, read from ptp4l's management socket in the
/// background (every 2 s, each read bounded by pmc's timeout), so sending STATUS never waits on it.
final class NodePTPReporter: @unchecked Sendable {  // `timer` is set up once in init and only resumed/cancelled.
    private let reader: PTPStatusReader
    private let maxOffset: TimeSpan
    private let latest = Mutex<PTPReport>(.unknown)
    private let timer: DispatchSourceTimer

    init(socketPath: String, maxOffset: TimeSpan) {
        reader = PTPStatusReader(pmc: PMCClient(socketPath: socketPath, timeout: .seconds(1)))
        self.maxOffset = maxOffset
        timer = DispatchSource.makeTimerSource(queue: .global())
    }

    /// The latest report.
    var report: PTPReport { latest.withLock { $0 } }

    /// Reads once now (HELLO needs a value), then every 2 s.
    func start() {
        refresh()
        timer.schedule(deadline: .now() + .seconds(2), repeating: .seconds(2))
        timer.setEventHandler { [self] in refresh() }
        timer.resume()
    }

    func stop() { timer.cancel() }

    private func refresh() {
        let status = reader.status(maxOffset: maxOffset)
        let report = PTPReport(
            locked: status.locked, offsetNs: status.offsetNanoseconds,
            portState: status.portState?.rawValue ?? (status.reason.map { String($0.prefix(32)) } ?? "unknown"))
        latest.withLock { $0 = report }
    }
}
