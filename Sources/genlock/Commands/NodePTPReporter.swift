import Dispatch
import GenlockControl
import GenlockCore
import GenlockPTP
import GenlockPTPLinux
import Synchronization

/// The camera node's PTP state for HELLO and STATUS, read from ptp4l's management socket in the
/// background (each read bounded by pmc's timeout), so sending STATUS never waits on it. It is
/// judged as `genlock ptp wait` judges: locked once ``LockGate/settlingReadings`` readings in a
/// row, ``LockGate/settlingInterval`` apart, were within the limit, so the coordinator's START gate
/// sees 2 s of agreement, not one lucky reading.
final class NodePTPReporter: @unchecked Sendable {  // `timer` is set up once in init and only resumed/cancelled.
    private let reader: PTPStatusReader
    private let gate: Mutex<LockGate>
    private let latest = Mutex<PTPReport>(.unknown)
    private let timer: DispatchSourceTimer

    init(socketPath: String, maxOffset: TimeSpan) {
        reader = PTPStatusReader(pmc: PMCClient(socketPath: socketPath, timeout: .seconds(1)))
        gate = Mutex(LockGate(maxOffset: maxOffset, requiredSamples: LockGate.settlingReadings))
        timer = DispatchSource.makeTimerSource(queue: .global())
    }

    /// The latest report.
    var report: PTPReport { latest.withLock { $0 } }

    /// Reads once now (HELLO needs a value), then every ``LockGate/settlingInterval``.
    func start() {
        refresh()
        let interval = DispatchTimeInterval.nanoseconds(Int(LockGate.settlingInterval.nanoseconds))
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [self] in refresh() }
        timer.resume()
    }

    func stop() { timer.cancel() }

    private func refresh() {
        let status = gate.withLock { reader.status(judgedBy: &$0) }
        let report = PTPReport(
            locked: status.locked, offsetNs: status.offsetNanoseconds,
            portState: status.portState?.rawValue ?? (status.reason.map { String($0.prefix(32)) } ?? "unknown"))
        latest.withLock { $0 = report }
    }
}
