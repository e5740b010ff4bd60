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
/// sees 2 s of agreement, not one lucky reading. Each reading runs `pmc`, so once locked the node
/// reads every ``lockedInterval`` only; the first bad reading unlocks it and the quick readings resume.
final class NodePTPReporter: @unchecked Sendable {  // `timer` is set up once in init and only resumed/cancelled/rescheduled by its own handler.
    /// How often a locked node checks it still is.
    static let lockedInterval = TimeSpan.seconds(2)

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

    /// Reads once now (HELLO needs a value), then every ``LockGate/settlingInterval`` until locked.
    func start() {
        schedule(locked: refresh().now)
        timer.setEventHandler { [self] in
            let (was, now) = refresh()
            if was != now { schedule(locked: now) }
        }
        timer.resume()
    }

    func stop() { timer.cancel() }

    private func schedule(locked: Bool) {
        let span = locked ? Self.lockedInterval : LockGate.settlingInterval
        let interval = DispatchTimeInterval.nanoseconds(Int(span.nanoseconds))
        timer.schedule(deadline: .now() + interval, repeating: interval)
    }

    /// Reads and judges once; whether the node counted as locked before and does now.
    private func refresh() -> (was: Bool, now: Bool) {
        let (was, status) = gate.withLock { g in (g.isLocked, reader.status(judgedBy: &g)) }
        let report = PTPReport(
            locked: status.locked, offsetNs: status.offsetNanoseconds,
            portState: status.portState?.rawValue ?? (status.reason.map { String($0.prefix(32)) } ?? "unknown"))
        latest.withLock { $0 = report }
        return (was, status.locked)
    }
}
