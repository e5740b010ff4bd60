/// The check that the node may use what its timing path asks for: a SCHED_FIFO timer thread
/// (`--rt-priority`) and locked memory (`--mlock`, mlockall).
public enum RealtimeLimitsCheck {
    /// The process's limits as getrlimit gives them (soft limits; nil means unlimited).
    public struct Limits: Hashable, Sendable {
        /// RLIMIT_RTPRIO: the highest SCHED_FIFO priority an unprivileged process may take (0: none).
        public var realtimePriority: UInt64?
        /// RLIMIT_MEMLOCK in bytes.
        public var lockedMemoryBytes: UInt64?
        /// Effective user id 0: root ignores both limits (with CAP_SYS_NICE and CAP_IPC_LOCK).
        public var isRoot: Bool

        public init(realtimePriority: UInt64?, lockedMemoryBytes: UInt64?, isRoot: Bool) {
            self.realtimePriority = realtimePriority
            self.lockedMemoryBytes = lockedMemoryBytes
            self.isRoot = isRoot
        }
    }

    /// The check `realtime-limits`.
    public static func check(_ limits: Result<Limits, ProbeError>) -> CheckResult {
        let name = "realtime-limits"
        let fix = "run the node as root, or give its user `rtprio 95` and `memlock unlimited` in /etc/security/limits.d/genlock.conf "
            + "(LimitRTPRIO=95 and LimitMEMLOCK=infinity in a systemd unit)"
        let found: Limits
        switch limits {
        case .failure(let error): return .fail(name, "cannot read the limits: \(error)", fix: fix)
        case .success(let value): found = value
        }
        if found.isRoot {
            return CheckResult(check: name, status: .pass, detail: "running as root: SCHED_FIFO and mlockall allowed")
        }
        let priority = found.realtimePriority.map { "RLIMIT_RTPRIO \($0)" } ?? "RLIMIT_RTPRIO unlimited"
        let memory = found.lockedMemoryBytes.map { "RLIMIT_MEMLOCK \(ByteCountFormat.text($0))" } ?? "RLIMIT_MEMLOCK unlimited"
        var problems: [String] = []
        if found.realtimePriority == 0 { problems.append("\(priority): no SCHED_FIFO thread (--rt-priority) allowed") }
        // mlockall(MCL_FUTURE) locks every later allocation too, so any finite limit fails sooner or later.
        if found.lockedMemoryBytes != nil { problems.append("\(memory): --mlock (mlockall) would fail") }
        guard problems.isEmpty else { return .fail(name, problems.joined(separator: "; "), fix: fix) }
        let highest = found.realtimePriority.map { "--rt-priority up to \(min($0, 99))" } ?? "--rt-priority up to 99"
        return CheckResult(check: name, status: .pass, detail: "\(priority), \(memory): \(highest) and --mlock allowed")
    }
}
