import GenlockCore
import GenlockPTP
import GenlockPTPLinux
import Glibc
import Testing

/// Against real linuxptp: two network namespaces joined by a veth pair, ptp4l in each (L2,
/// software time stamps), read through our own pmc client. ptp4l never adjusts this machine's
/// clock: it runs without CAP_SYS_TIME, and free-running where the test does not need a lock.
@Suite(
    "real ptp4l in network namespaces",
    .serialized,
    .enabled(if: NetnsSupport.available, "needs root and network namespaces (reason printed as SKIPPED ...)")
)
struct RealPTP4LTests {
    /// CAP_SYS_TIME's bit in a capability set.
    static let capSysTime: UInt64 = 1 << 25

    /// Polls `read` every 200 ms for up to `seconds`, until `done` holds; returns the last value.
    static func poll<T>(seconds: Int64, _ read: () -> T, until done: (T) -> Bool) -> (T, Bool) {
        let deadline = TestIO.now() + seconds * 1_000_000_000
        var value = read()
        while !done(value) {
            if TestIO.now() >= deadline { return (value, false) }
            TestIO.sleep(milliseconds: 200)
            value = read()
        }
        return (value, true)
    }

    @Test("free-running grandmaster and slaveOnly node: real port states, offset, grandmaster identity, then 'not running'")
    func freeRunningRig() throws {
        let rig = try NetnsRig()
        defer { rig.tearDown() }
        let gmPID = try rig.startPTP4L(.grandmaster, freeRunning: true)
        let nodePID = try rig.startPTP4L(.node, freeRunning: true)
        let gmClient = PMCClient(socketPath: rig.socket(.grandmaster), timeout: .seconds(5))
        let nodeClient = PMCClient(socketPath: rig.socket(.node), timeout: .seconds(5))

        // A free-running node never locks its servo, so UNCALIBRATED is as far as it gets: the
        // master is chosen and offsets are measured.
        let (snapshots, settled) = Self.poll(seconds: 30, {
            (try? gmClient.snapshot(), try? nodeClient.snapshot())
        }, until: { gm, node in
            gm?.primaryPort?.state == .master && node?.primaryPort?.state == .uncalibrated
                && node?.offsetFromMasterNanoseconds != nil && node?.grandmasterPresent == true
        })
        guard settled, let gm = snapshots.0, let node = snapshots.1 else {
            Issue.record("""
                rig did not settle in 30 s: gm \(String(describing: snapshots.0?.primaryPort)), node \(String(describing: snapshots.1?.primaryPort))
                gm log:\n\(TestIO.read(rig.log(.grandmaster)))\nnode log:\n\(TestIO.read(rig.log(.node)))
                """)
            return
        }

        #expect(gm.isGrandmaster)
        #expect(gm.stepsRemoved == 0)
        #expect(gm.priority1 == 10)
        #expect(node.slaveOnly == true)
        #expect(!node.isGrandmaster)
        #expect(node.stepsRemoved == 1)
        #expect(node.clockIdentity != nil && node.clockIdentity != gm.clockIdentity)
        #expect(node.grandmasterIdentity == gm.clockIdentity)
        #expect(node.meanPathDelayNanoseconds != nil)

        // The gate: the grandmaster is locked; the free-running node is not, and says why.
        var gmGate = LockGate(maxOffset: .milliseconds(1), requiredSamples: 1)
        #expect(gmGate.observe(gm.observation()) == .locked)
        var nodeGate = LockGate(maxOffset: .milliseconds(1), requiredSamples: 1)
        #expect(nodeGate.observe(node.observation()) == .waiting(.portState(.uncalibrated)))

        // The node's real log tells the same story. A free-running ptp4l prints its first
        // offset line only after its frequency estimate (about a second of samples).
        let (summary, logged) = Self.poll(seconds: 15, {
            var summary = PTPLogSummary()
            for line in TestIO.read(rig.log(.node)).split(separator: "\n") { summary.read(line) }
            return summary
        }, until: { $0.lastMasterOffsetNanoseconds != nil })
        #expect(logged, "no offset line in the node log:\n\(TestIO.read(rig.log(.node)))")
        #expect(summary.portState == .uncalibrated)
        #expect(summary.bestMaster == gm.clockIdentity)

        // A live daemon asked in another domain ignores the request: "did not answer", bounded.
        do {
            _ = try PMCClient(socketPath: rig.socket(.node), domain: 5, timeout: .seconds(5)).snapshot()
            Issue.record("ptp4l answered a management request for another domain")
        } catch {
            guard case .noAnswer(let path, _) = error else {
                Issue.record("expected noAnswer, got \(error)")
                return
            }
            #expect(path == rig.socket(.node))
        }

        // Stop both daemons: the same sockets now say "not running".
        // Both exit on SIGTERM: spawned children get an empty signal mask (a ptp4l that
        // inherited a blocked SIGTERM from a test thread would need SIGKILL).
        #expect(rig.stop(gmPID))
        #expect(rig.stop(nodePID))
        for client in [gmClient, nodeClient] {
            do {
                _ = try client.snapshot()
                Issue.record("a stopped ptp4l answered at \(client.socketPath)")
            } catch {
                #expect(error.description.hasPrefix("ptp4l not running at \(client.socketPath) ("))
            }
        }
        let status = PTPStatusReader(pmc: nodeClient).status(maxOffset: .microseconds(1))
        #expect(!status.locked)
        #expect(status.reason?.hasPrefix("ptp4l not running at \(rig.socket(.node))") == true)
    }

    @Test("a servo that may not touch the clock reaches SLAVE and the gate opens; every adjustment was refused")
    func slaveLocks() throws {
        let rig = try NetnsRig()
        defer { rig.tearDown() }
        try rig.startPTP4L(.grandmaster, freeRunning: true)
        // Not free-running: the PI servo runs and the port can become SLAVE. Its adjustments of
        // CLOCK_REALTIME (shared with this machine) fail with EPERM: no CAP_SYS_TIME.
        let nodePID = try rig.startPTP4L(.node, freeRunning: false)
        let gmClient = PMCClient(socketPath: rig.socket(.grandmaster), timeout: .seconds(5))
        let nodeReader = PTPStatusReader(pmc: PMCClient(socketPath: rig.socket(.node), timeout: .seconds(5)))

        // Both clocks are this machine's CLOCK_REALTIME, so the true offset is 0 and what ptp4l
        // measures is software time stamp noise; 1 ms is a correctness limit, not a timing claim.
        let waiter = LockWaiter(reader: nodeReader, maxOffset: .milliseconds(1), requiredSamples: 3, interval: .milliseconds(200))
        var seen: [PortState] = []
        let outcome = waiter.wait(timeout: .seconds(30)) { status in
            if let state = status.portState, seen.last != state { seen.append(state) }
        }
        guard case .locked(let status) = outcome else {
            Issue.record("node did not lock in 30 s: \(outcome)\nnode log:\n\(TestIO.read(rig.log(.node)))")
            return
        }
        #expect(status.portState == .slave)
        #expect(status.offsetNanoseconds != nil)
        #expect(!status.isGrandmaster)
        let gm = try gmClient.snapshot()
        #expect(status.grandmasterIdentity == gm.clockIdentity)
        // States are seen in order: never SLAVE before UNCALIBRATED/LISTENING.
        #expect(seen.last == .slave)
        #expect(seen.filter { $0 == .slave }.count == 1)
        // A gate kept across readings, as the camera node keeps it: locked only at the third good
        // reading in a row, settling before; a reading that fails starts the count again.
        var gate = LockGate(maxOffset: .milliseconds(1), requiredSamples: 3)
        #expect(nodeReader.status(judgedBy: &gate).locked == false)
        #expect(nodeReader.status(judgedBy: &gate).locked == false)
        #expect(gate.consecutiveGood == 2)
        let missing = PTPStatusReader(pmc: PMCClient(socketPath: rig.directory + "/no-such-socket", timeout: .seconds(1)))
        #expect(missing.status(judgedBy: &gate).locked == false)
        #expect(gate.consecutiveGood == 0)
        for _ in 0..<2 { #expect(nodeReader.status(judgedBy: &gate).locked == false) }
        let third = nodeReader.status(judgedBy: &gate)
        #expect(third.locked && third.portState == .slave, "\(third)")

        // The safety net held: ptp4l ran without CAP_SYS_TIME and its adjustments were refused.
        let bounding = NetnsRig.capabilityBoundingSet(of: nodePID)
        #expect(bounding != nil && bounding! & Self.capSysTime == 0)
        #expect(TestIO.read(rig.log(.node)).contains("Operation not permitted"))

        // The same through the CLI, as the node's systemd unit runs it.
        if let genlock = GenlockBinary.path {
            let wait = try ProcessRunner.run(
                genlock, ["ptp", "wait", "--uds", rig.socket(.node), "--max-offset", "1ms", "--samples", "2", "--timeout", "20s"],
                timeoutNanoseconds: 30_000_000_000)
            #expect(wait.exitStatus == 0, "\(wait.standardError)")
            #expect(wait.standardOutput.hasPrefix("locked: port SLAVE, offset "))
            let json = try ProcessRunner.run(genlock, ["ptp", "status", "--uds", rig.socket(.node), "--max-offset", "1ms", "--json"], timeoutNanoseconds: 30_000_000_000)
            #expect(json.exitStatus == 0)
            #expect(json.standardOutput.contains(#""portState":"SLAVE""#))
            #expect(json.standardOutput.contains(#""grandmasterIdentity":"\#(gm.clockIdentity!)""#))
        }

        // The real log, read the way a log-only node would be read.
        var summary = PTPLogSummary()
        for line in TestIO.read(rig.log(.node)).split(separator: "\n") { summary.read(line) }
        #expect(summary.portState == .slave)
        #expect(summary.lastServoState == PTPLogLine.servoLocked)
    }

    @Test("a test that fails midway still removes its daemons, namespaces and files")
    func cleanupOnFailure() throws {
        struct Midway: Error {}
        var made: (namespaces: [String], directory: String, pid: pid_t)?
        do {
            let rig = try NetnsRig()
            defer { rig.tearDown() }
            let pid = try rig.startPTP4L(.grandmaster, freeRunning: true)
            made = ([rig.namespace(.grandmaster), rig.namespace(.node)], rig.directory, pid)
            #expect(TestIO.isRunning(pid))
            throw Midway()
        } catch is Midway {}
        let (namespaces, directory, pid) = try #require(made)
        let listed = try TestIO.run("ip", ["netns", "list"]).standardOutput
        for name in namespaces { #expect(!listed.contains(name)) }
        #expect(kill(pid, 0) != 0)  // reaped: the pid no longer exists
        #expect(ManagementSocketProbe.probe(directory) == .missing)
    }

    @Test("real ptp4l accepts the generated configuration (fails only at hardware time stamping on a veth)")
    func generatedConfigParses() throws {
        let rig = try NetnsRig()
        defer { rig.tearDown() }
        for role in PTPConfigRequest.Role.allCases {
            let request = PTPConfigRequest(role: role, interface: rig.interface(.node), transport: .l2, managementSocket: rig.socket(.node))
            let conf = try PTPConfigGenerator.files(for: request)[0].contents
            let path = rig.directory + "/\(role).conf"
            try Files.writeAtomically(conf, to: path)
            let result = try ProcessRunner.run(
                "ip",
                ["netns", "exec", rig.namespace(.node), "setpriv", "--bounding-set=-sys_time", "--inh-caps=-sys_time", "--",
                 "ptp4l", "-f", path, "-m"],
                timeoutNanoseconds: 10_000_000_000)
            let output = result.standardOutput + result.standardError
            #expect(!result.timedOut)
            #expect(result.exitStatus != 0)  // a veth has no hardware time stamps
            #expect(!output.contains("failed to parse configuration file"), "\(role): \(output)")
            #expect(!output.contains("unknown option"), "\(role): \(output)")
            #expect(output.contains("does not support requested timestamping mode"), "\(role): \(output)")
        }
    }
}
