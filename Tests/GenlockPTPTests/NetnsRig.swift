import GenlockPTPLinux
import Glibc

/// Whether this machine lets a test create network namespaces (root, iproute2, linuxptp).
enum NetnsSupport {
    /// nil when the real-linuxptp tests can run; otherwise why not (printed once, and the
    /// tests are reported as skipped).
    static let unavailableReason: String? = {
        let reason = probe()
        if let reason { print("SKIPPED real-linuxptp tests (counted as skipped): \(reason)") }
        return reason
    }()

    static var available: Bool { unavailableReason == nil }

    private static func probe() -> String? {
        guard geteuid() == 0 else {
            return "not root (euid \(geteuid())): creating network namespaces needs root"
        }
        for tool in ["ip", "ptp4l", "pmc", "setpriv"] where ProcessRunner.locate(tool) == nil {
            return "\(tool) not found (install iproute2, linuxptp, util-linux)"
        }
        let name = "genlock-probe-\(getpid())"
        do {
            try TestIO.run("ip", ["netns", "add", name])
            try TestIO.run("ip", ["netns", "delete", name])
        } catch {
            return "cannot create a network namespace here: \(error)"
        }
        return nil
    }
}

/// Two network namespaces joined by a veth pair, each side to run one ptp4l. Everything it
/// made is removed by `tearDown()` (call it in a `defer`), daemons first.
final class NetnsRig {
    enum Side { case grandmaster, node }

    let tag: String
    let directory: String
    private(set) var daemons: [pid_t] = []
    private var namespaces: [String] = []

    init() throws {
        // Unique per process and rig, short enough for 15-character interface names.
        tag = "\(getpid() % 1_000_000)\(String(UInt16.random(in: 0..<4096), radix: 16))"
        directory = TestIO.temporaryDirectory()
        do {
            for side in [Side.grandmaster, .node] {
                try TestIO.run("ip", ["netns", "add", namespace(side)])
                namespaces.append(namespace(side))
            }
            try TestIO.run("ip", ["link", "add", interface(.grandmaster), "type", "veth", "peer", "name", interface(.node)])
            for side in [Side.grandmaster, .node] {
                try TestIO.run("ip", ["link", "set", interface(side), "netns", namespace(side)])
                try TestIO.run("ip", ["-n", namespace(side), "link", "set", "lo", "up"])
                try TestIO.run("ip", ["-n", namespace(side), "link", "set", interface(side), "up"])
            }
        } catch {
            tearDown()
            throw error
        }
    }

    func namespace(_ side: Side) -> String { "genlock-\(tag)-\(side == .grandmaster ? "gm" : "node")" }
    func interface(_ side: Side) -> String { "gl\(tag)\(side == .grandmaster ? "g" : "n")" }
    func socket(_ side: Side) -> String { directory + "/\(side == .grandmaster ? "gm" : "node").sock" }
    func log(_ side: Side) -> String { directory + "/\(side == .grandmaster ? "gm" : "node").log" }

    /// A ptp4l configuration for this rig: L2, software time stamps, per-sample log lines.
    /// `freeRunning` keeps ptp4l from ever adjusting a clock (the namespaces share this
    /// machine's CLOCK_REALTIME).
    func config(_ side: Side, freeRunning: Bool) -> String {
        var lines = [
            "[global]",
            "network_transport L2",
            "time_stamping software",
            "uds_address \(socket(side))",
            "free_running \(freeRunning ? 1 : 0)",
            // Fast announce/sync so the rig settles in seconds, and one log line per sample.
            "logAnnounceInterval -2",
            "announceReceiptTimeout 2",
            "logSyncInterval -3",
            "summary_interval -3",
        ]
        switch side {
        case .grandmaster: lines += ["priority1 10"]
        case .node: lines += ["slaveOnly 1"]
        }
        if !freeRunning {
            // Let the PI servo lock after two samples instead of ~37 s (software-stamp gains),
            // and never try to step.
            lines += ["pi_proportional_const 0.7", "pi_integral_const 0.3", "first_step_threshold 0.0", "step_threshold 0.0"]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Starts ptp4l on `side`. The process runs under `setpriv` without CAP_SYS_TIME in its
    /// bounding set, so the kernel refuses every clock adjustment even where free_running is 0.
    @discardableResult
    func startPTP4L(_ side: Side, freeRunning: Bool) throws -> pid_t {
        let configPath = directory + "/\(side == .grandmaster ? "gm" : "node").conf"
        try Files.writeAtomically(config(side, freeRunning: freeRunning), to: configPath)
        let pid = try TestIO.spawnDaemon(
            ["ip", "netns", "exec", namespace(side),
             "setpriv", "--bounding-set=-sys_time", "--inh-caps=-sys_time", "--",
             "ptp4l", "-f", configPath, "-i", interface(side), "-m"],
            logPath: log(side))
        daemons.append(pid)
        return pid
    }

    /// Stops one daemon; true when it exited on SIGTERM (false: it had to be killed).
    @discardableResult
    func stop(_ pid: pid_t) -> Bool {
        defer { daemons.removeAll { $0 == pid } }
        return TestIO.stop(pid)
    }

    /// Stops the daemons, deletes the namespaces (which removes the veth pair) and the files.
    func tearDown() {
        for pid in daemons { TestIO.stop(pid) }
        daemons = []
        for name in namespaces { _ = try? TestIO.run("ip", ["netns", "delete", name]) }
        namespaces = []
        TestIO.removeTree(directory)
    }

    /// The process's capability bounding set from /proc (hex), to prove CAP_SYS_TIME is gone.
    static func capabilityBoundingSet(of pid: pid_t) -> UInt64? {
        let text = TestIO.read("/proc/\(pid)/status")
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("CapBnd:") }) else { return nil }
        return UInt64(line.dropFirst("CapBnd:".count).drop(while: { $0 == " " || $0 == "\t" }), radix: 16)
    }
}
