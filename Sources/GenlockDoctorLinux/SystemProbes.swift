import GenlockDoctor
import GenlockPOSIX
import GenlockPTPLinux
import Glibc

/// Gathers the raw facts the doctor's checks judge: helper programs' output (each bounded by a
/// deadline through ``ProcessRunner``), /proc and /sys, and the process's limits. Judges nothing.
public enum SystemProbes {
    /// `ethtool -T interface`'s output.
    public static func ethtoolTimestamping(interface: String, timeoutNanoseconds: Int64) -> Result<String, ProbeError> {
        run("ethtool", ["-T", interface], timeoutNanoseconds: timeoutNanoseconds, missing: "ethtool not found (apt install ethtool)")
            .flatMap { result in
                guard result.exitStatus == 0 else { return .failure(ProbeError(firstLine(of: result, otherwise: "ethtool -T \(interface) failed"))) }
                return .success(result.standardOutput)
            }
    }

    /// `systemctl is-active UNIT...`'s output, one state per unit; it exits non-zero whenever a unit
    /// is inactive, so only a missing state line counts as failure (no systemd: a container).
    public static func systemdStates(units: [String], timeoutNanoseconds: Int64) -> Result<String, ProbeError> {
        run("systemctl", ["is-active"] + units, timeoutNanoseconds: timeoutNanoseconds, missing: "systemctl not found")
            .flatMap { result in
                let states = result.standardOutput.split(separator: "\n")
                guard states.count == units.count, !states.contains(where: { $0 == "offline" }) else {
                    return .failure(ProbeError(firstLine(of: result, otherwise: "systemctl answered no unit states")))
                }
                return .success(result.standardOutput)
            }
    }

    /// The names (`/proc/PID/comm`) of the running processes.
    public static func processNames() -> [String] {
        directoryEntries("/proc").filter { $0.allSatisfy(\.isNumber) }.compactMap { pid in
            readSmallFile("/proc/\(pid)/comm").map { $0.trimmingSuffix("\n") }
        }
    }

    /// Each CPU's cpufreq governor, keyed by CPU name; empty without cpufreq.
    public static func cpuGovernors() -> [String: String] {
        let base = "/sys/devices/system/cpu"
        var governors: [String: String] = [:]
        for cpu in directoryEntries(base) where cpu.hasPrefix("cpu") && cpu.count > 3 && cpu.dropFirst(3).allSatisfy(\.isNumber) {
            if let text = readSmallFile("\(base)/\(cpu)/cpufreq/scaling_governor") { governors[cpu] = text.trimmingSuffix("\n") }
        }
        return governors
    }

    /// RLIMIT_RTPRIO and RLIMIT_MEMLOCK (soft) and whether the process runs as root.
    public static func realtimeLimits() -> Result<RealtimeLimitsCheck.Limits, ProbeError> {
        var priority = rlimit()
        var memory = rlimit()
        // glibc's RLIMIT_* names are macros over the enum __rlimit_resource, which is what Swift sees.
        guard getrlimit(__rlimit_resource_t(__RLIMIT_RTPRIO.rawValue), &priority) == 0,
            getrlimit(__rlimit_resource_t(__RLIMIT_MEMLOCK.rawValue), &memory) == 0
        else { return .failure(ProbeError("getrlimit: \(String(cString: strerror(errno)))")) }
        // RLIM_INFINITY is ((rlim_t) -1), a literal Swift cannot import for the unsigned type.
        func value(_ limit: rlim_t) -> UInt64? { limit == rlim_t.max ? nil : UInt64(limit) }
        return .success(.init(realtimePriority: value(priority.rlim_cur), lockedMemoryBytes: value(memory.rlim_cur), isRoot: geteuid() == 0))
    }

    private static func run(
        _ tool: String, _ arguments: [String], timeoutNanoseconds: Int64, missing: String
    ) -> Result<ProcessResult, ProbeError> {
        guard ProcessRunner.locate(tool) != nil else { return .failure(ProbeError(missing)) }
        do {
            let result = try ProcessRunner.run(tool, arguments, timeoutNanoseconds: timeoutNanoseconds)
            if result.timedOut { return .failure(ProbeError("\(tool) did not finish within \(timeoutNanoseconds / 1_000_000) ms")) }
            return .success(result)
        } catch {
            return .failure(ProbeError(error.description))
        }
    }

    private static func firstLine(of result: ProcessResult, otherwise: String) -> String {
        (result.standardError + "\n" + result.standardOutput).split(separator: "\n").first.map(String.init) ?? otherwise
    }

    /// The names in a directory, without `.` and `..`; empty when it cannot be read.
    static func directoryEntries(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// A small text file (a /proc or /sys attribute), nil when it cannot be read.
    static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        guard let n = try? FileIO.read(fd, into: &buffer, path: path) else { return nil }
        return String(decoding: buffer[0..<n], as: UTF8.self)
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
