/// The check that nothing but phc2sys disciplines CLOCK_REALTIME: two servos on one clock fight,
/// and NTP's steps and slews land in the middle of a recording.
public enum TimeServiceCheck {
    /// A time service that may discipline the system clock: its systemd unit and its process name
    /// as `/proc/PID/comm` shows it (at most 15 characters, so `systemd-timesyncd` is cut).
    public struct Service: Hashable, Sendable {
        public var unit: String
        public var process: String
    }

    /// The services asked about, in the order their units are given to `systemctl is-active`.
    public static let services = [
        Service(unit: "chrony", process: "chronyd"),
        Service(unit: "systemd-timesyncd", process: "systemd-timesyn"),
        Service(unit: "ntp", process: "ntpd"),
        Service(unit: "ntpsec", process: "ntpd"),
        Service(unit: "openntpd", process: "openntpd"),
    ]

    /// The check `time-services`.
    ///
    /// `systemctl` is `systemctl is-active UNIT...`'s output, one state per unit in the order of
    /// ``services`` (it exits non-zero when any unit is not active, which is no error here), or why
    /// systemctl could not be asked (no systemd in a container). `processes` are the running
    /// processes' names. On the grandmaster (`isGrandmaster`, from ptp4l) a time service is
    /// welcome: there phc2sys runs the other way (`-r -r`), making the NIC clock follow
    /// CLOCK_REALTIME, which NTP or GPS may steer.
    public static func check(systemctl: Result<String, ProbeError>, processes: [String], isGrandmaster: Bool = false) -> CheckResult {
        let name = "time-services"
        var active: [String] = []
        // A process already accounted for by its unit is not named twice.
        var named: Set<String> = []
        var note = ""
        switch systemctl {
        case .success(let output):
            let states = output.split(separator: "\n").map { $0.trimmingWhitespace() }
            for (service, state) in zip(services, states) where ["active", "activating", "reloading"].contains(state) {
                active.append("\(service.unit) (systemd: \(state))")
                named.insert(service.process)
            }
        case .failure(let error):
            note = " (systemd not asked: \(error); judged from the process list)"
        }
        let running = Set(processes)
        for service in services where running.contains(service.process) && !named.contains(service.process) {
            active.append("\(service.process) (running)")
            named.insert(service.process)
        }
        if isGrandmaster && !active.isEmpty {
            return CheckResult(
                check: name, status: .pass,
                detail: "this node is the grandmaster: \(active.joined(separator: ", ")) may steer CLOCK_REALTIME, which the NIC clock follows\(note)")
        }
        guard active.isEmpty else {
            let units = services.map(\.unit).joined(separator: " ")
            return .fail(
                name, "also disciplining CLOCK_REALTIME besides phc2sys: \(active.joined(separator: ", "))\(note)",
                fix: "sudo systemctl disable --now \(units) (phc2sys alone must steer the system clock)")
        }
        return CheckResult(check: name, status: .pass, detail: "none of \(services.map(\.unit).joined(separator: ", ")) is active\(note)")
    }
}
