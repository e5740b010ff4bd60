/// The check of the CPU frequency governor: a governor that lowers the clock when idle makes
/// wake-ups (timers, frame handling) slower and less even.
public enum CPUGovernorCheck {
    /// The check `cpu-governor` from each CPU's `scaling_governor` text, keyed by CPU name
    /// (`cpu0`); empty when no CPU has cpufreq (a VM, a container without /sys).
    public static func check(governors: [String: String]) -> CheckResult {
        let name = "cpu-governor"
        guard !governors.isEmpty else {
            return CheckResult(
                check: name, status: .warn,
                detail: "no /sys/devices/system/cpu/cpu*/cpufreq/scaling_governor here: the governor is unknown (no cpufreq on this machine)")
        }
        let cpus = governors.keys.sorted { cpuNumber($0) < cpuNumber($1) }
        var byGovernor: [String: [String]] = [:]
        for cpu in cpus { byGovernor[governors[cpu]!.trimmingWhitespace(), default: []].append(cpu) }
        let slow = byGovernor.filter { $0.key != "performance" }
        guard slow.isEmpty else {
            let found = slow.keys.sorted().map { "\($0) on \(byGovernor[$0]!.joined(separator: ","))" }.joined(separator: "; ")
            return CheckResult(
                check: name, status: .warn,
                detail: "governor \(found), not performance: the clock scales down when idle; fix: "
                    + "echo performance | sudo tee /sys/devices/system/cpu/cpu*/cpufreq/scaling_governor")
        }
        return CheckResult(check: name, status: .pass, detail: "performance on \(cpus.count) CPU\(cpus.count == 1 ? "" : "s")")
    }

    /// `cpu12` → 12, so CPUs sort as numbers, not text.
    private static func cpuNumber(_ cpu: String) -> Int { Int(cpu.drop { !$0.isNumber }) ?? Int.max }
}
