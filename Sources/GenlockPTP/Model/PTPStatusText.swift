import GenlockCore

extension PTPStatus {
    /// The status as a few lines for people (`genlock ptp status`); `source` names where it
    /// came from (`ptp4l at /var/run/ptp4l`, `log ptp4l.log`).
    public func textLines(source: String) -> [String] {
        var lines: [String] = []
        var head = "\(source):"
        if let portState { head += " port \(portState)" } else { head += " no port state" }
        if isGrandmaster {
            head += ", this node is the grandmaster"
        } else if let grandmasterIdentity {
            head += ", grandmaster \(grandmasterIdentity)"
            if let grandmasterPresent { head += grandmasterPresent ? " (present)" : " (not present)" }
        }
        if let stepsRemoved { head += ", \(stepsRemoved) step\(stepsRemoved == 1 ? "" : "s") removed" }
        lines.append(head)
        if let clockIdentity { lines.append("clock identity: \(clockIdentity)") }
        var offsets: [String] = []
        if let offsetNanoseconds { offsets.append("offset from master \(TimeSpanFormat.text(offsetNanoseconds))") }
        if let meanPathDelayNanoseconds { offsets.append("mean path delay \(TimeSpanFormat.text(meanPathDelayNanoseconds))") }
        if !offsets.isEmpty { lines.append(offsets.joined(separator: ", ")) }
        if let systemOffsetNanoseconds {
            lines.append("system clock - NIC clock: \(TimeSpanFormat.text(systemOffsetNanoseconds))")
        }
        lines.append(locked ? "locked: yes" : "locked: no (\(reason ?? "unknown"))")
        return lines
    }
}
