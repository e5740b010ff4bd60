import GenlockCore
import GenlockPTP

/// The PTP checks: ptp4l locked (judged by the start gate's own ``LockGate``), and phc2sys making
/// CLOCK_REALTIME follow the NIC clock.
public enum PTPChecks {
    /// The check `ptp4l` from one pmc snapshot (or why ptp4l could not be read), judged as
    /// `genlock ptp status` judges it: port SLAVE (or grandmaster) and |offset| below `maxOffset`.
    /// `processRunning` (a ptp4l in the process list) turns "start it" into "find its socket".
    public static func ptp4l(_ snapshot: Result<PTP4LSnapshot, ProbeError>, processRunning: Bool = false, maxOffset: TimeSpan) -> CheckResult {
        let name = "ptp4l"
        let read: PTP4LSnapshot
        switch snapshot {
        case .failure(let error) where processRunning:
            return .fail(name, "\(error) although a ptp4l process runs", fix: "give that ptp4l's uds_address with --uds (ptp4l -m prints its configuration)")
        case .failure(let error):
            return .fail(name, error.description, fix: "start ptp4l with hardware time stamping (genlock ptp config writes the unit) and give its socket with --uds")
        case .success(let value): read = value
        }
        // The system clock is the phc2sys check's business: judged here without it.
        var gate = LockGate(maxOffset: maxOffset, requiredSamples: 1)
        let verdict = gate.observe(read.observation())
        let status = read.status(verdict: verdict)
        // textLines ends with its own "locked: ..." line; the verdict says that here.
        let found = status.textLines(source: "ptp4l").dropLast().joined(separator: "; ")
        guard let reason = verdict.reason else { return CheckResult(check: name, status: .pass, detail: found + "; locked") }
        return .fail(name, "\(found); not locked: \(reason)", fix: "check the grandmaster and the link, then wait for the lock (genlock ptp wait --max-offset \(maxOffset))")
    }

    /// The check `phc2sys`: the daemon runs and CLOCK_REALTIME is within `maxOffset` of the
    /// NIC clock of `interface` (`systemOffset`: realtime minus PHC, UTC-corrected, as
    /// `genlock ptp status --iface` measures it, or why it could not be measured).
    public static func phc2sys(
        running: Bool, interface: String, systemOffset: Result<Int64, ProbeError>, maxOffset: TimeSpan
    ) -> CheckResult {
        let name = "phc2sys"
        let fix = "run phc2sys -a -r (genlock ptp config writes genlock-phc2sys.service) so CLOCK_REALTIME follows the NIC clock"
        let process = running ? "phc2sys running" : "phc2sys not running"
        let offset: Int64
        switch systemOffset {
        case .failure(let error): return .fail(name, "\(process); system clock vs NIC clock of \(interface) unknown: \(error)", fix: fix)
        case .success(let value): offset = value
        }
        let found = "\(process); system clock - NIC clock of \(interface): \(TimeSpanFormat.text(offset))"
        guard running else { return .fail(name, found, fix: fix) }
        let limit = maxOffset.nanoseconds
        guard offset.magnitude < limit.magnitude else {
            let reason = LockGate.Reason.systemOffsetTooLarge(offsetNanoseconds: offset, maxNanoseconds: limit)
            return .fail(name, "\(found): \(reason)", fix: "let phc2sys settle, and make sure no other time service steers the clock")
        }
        return CheckResult(check: name, status: .pass, detail: found + " (below \(maxOffset))")
    }
}
