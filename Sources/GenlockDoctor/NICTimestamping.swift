/// What `ethtool -T IFACE` says an interface can time-stamp.
///
/// Reads both ethtool layouts: the bare capability names of ethtool 6.x (`\thardware-transmit`)
/// and the older `hardware-transmit     (SOF_TIMESTAMPING_TX_HARDWARE)`; the clock index line is
/// `PTP Hardware Clock: 0` (or `none`), called `Hardware timestamp provider index: 0` by newer ethtool.
public struct NICTimestamping: Hashable, Sendable {
    /// The capability names listed under `Capabilities:` (`hardware-transmit`, `software-receive`).
    public var capabilities: Set<String>
    /// The PTP hardware clock index (`/dev/ptpN`), nil when ethtool says `none` or names none.
    public var phcIndex: Int?

    /// What ptp4l's hardware time stamping (`time_stamping hardware`) needs from the interface.
    public static let requiredCapabilities = ["hardware-transmit", "hardware-receive", "hardware-raw-clock"]

    public init(capabilities: Set<String>, phcIndex: Int?) {
        self.capabilities = capabilities
        self.phcIndex = phcIndex
    }

    /// Parses ethtool's output; nil when it has no `Capabilities:` section (not ethtool -T output).
    public init?(ethtoolOutput text: String) {
        var capabilities: Set<String> = []
        var phcIndex: Int?
        var inCapabilities = false
        var sawCapabilities = false
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingWhitespace()
            let indented = raw.first == "\t" || raw.first == " "
            if !indented {
                inCapabilities = line == "Capabilities:"
                if inCapabilities { sawCapabilities = true }
                for prefix in ["PTP Hardware Clock:", "Hardware timestamp provider index:"] where line.hasPrefix(prefix) {
                    phcIndex = Int(line.dropFirst(prefix.count).trimmingWhitespace())
                }
                continue
            }
            if inCapabilities, let name = line.split(separator: " ").first { capabilities.insert(String(name)) }
        }
        guard sawCapabilities else { return nil }
        self.init(capabilities: capabilities, phcIndex: phcIndex)
    }

    /// The check `nic-timestamping` of `interface` from ethtool's output (or why it could not run).
    public static func check(interface: String, ethtool: Result<String, ProbeError>) -> CheckResult {
        let name = "nic-timestamping"
        let text: String
        switch ethtool {
        case .failure(let error):
            return .fail(name, "cannot read the time stamping of \(interface): \(error)", fix: "give the PTP interface with --iface (ip link lists them); ethtool must be installed")
        case .success(let output): text = output
        }
        guard let found = NICTimestamping(ethtoolOutput: text) else {
            let first = text.split(separator: "\n").first.map(String.init) ?? "no output"
            return .fail(name, "ethtool -T \(interface) printed no capabilities (\(first))", fix: "check the interface name with `ip link`")
        }
        let missing = requiredCapabilities.filter { !found.capabilities.contains($0) }
        let clock = found.phcIndex.map { "PTP hardware clock \($0) (/dev/ptp\($0))" } ?? "no PTP hardware clock"
        guard missing.isEmpty, found.phcIndex != nil else {
            let lacking = missing.isEmpty ? "" : "lacks \(missing.joined(separator: ", ")); "
            return .fail(
                name, "\(interface) \(lacking)\(clock): ptp4l cannot use hardware time stamps",
                fix: "run PTP on a NIC with hardware time stamping (the Pi 5's eth0); software time stamps are tens of µs off")
        }
        return CheckResult(check: name, status: .pass, detail: "\(interface): \(requiredCapabilities.joined(separator: ", ")), \(clock)")
    }
}
