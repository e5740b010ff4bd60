import GenlockCore
import Testing
@testable import GenlockSimulator

/// The PTP start gate in simulation: nodes judge their servo's samples with the production
/// `LockGate`, report the verdict in STATUS, and the real coordinator holds START until all are locked.
@Suite("PTP start gate in simulation")
struct StartGateTests {
    /// pi5-hw-ptp, phase-locked, shortened.
    private func gated(durationNs: Int64 = 3_000_000_000) throws -> Scenario {
        var s = try Shipped.scenario("pi5-hw-ptp")
        s.schedule.durationNs = durationNs
        s.strategies.capture = .phaseLocked
        return s
    }

    @Test("the coordinator holds START while linuxptp's first frequency estimate settles, and T0 follows the START it sends")
    func holdsStartUntilEveryNodeIsLocked() throws {
        let s = try gated()
        let gate = try #require(s.ptpGate, "pi5-hw-ptp runs with the rig's start gate")
        let (report, _, sim) = runCollecting(s)
        #expect(report.passed, "\(report.invariantViolations)")
        let held = try #require(report.startGateHeldNs)
        #expect(held > 0, "START at start-at: the servos' first estimate leaves offsets beyond \(gate.maxOffsetNs) ns")
        #expect(report.coordinatorLog.contains { $0.text.hasPrefix("holding START: PTP not locked on") })
        // T0 is the coordinator's clock when it sent START, plus the lead.
        let sent = try #require(sim.startSentNs)
        #expect(report.t0Ns == Simulation.epochNs + sent + s.schedule.leadNs)
        #expect(sent == s.schedule.startAtNs + held)
        #expect(report.table().contains("PTP start gate (|offset| < "))
    }

    @Test("a limit no node can meet holds START for the whole run: nothing is recorded, and the run says why")
    func aGateThatNeverOpens() throws {
        var s = try gated()
        s.ptpGate = Scenario.PTPGateModel(maxOffsetNs: 1, requiredSamples: 5)
        let report = Simulation(scenario: s).run()
        #expect(report.startGateHeldNs == nil)
        #expect(report.frames == 0)
        #expect(!report.passed)
        #expect(report.invariantViolations.contains { $0.contains("never received START") })
        #expect(report.table().contains("START never sent: still held at the end of the run"))
    }

    @Test("without a gate the coordinator starts at start-at, as before")
    func ungatedStartsAtStartAt() throws {
        var s = try gated()
        s.ptpGate = nil
        let report = Simulation(scenario: s).run()
        #expect(report.passed, "\(report.invariantViolations)")
        #expect(report.startGateHeldNs == nil)
        #expect(report.t0Ns == Simulation.epochNs + s.schedule.startAtNs + s.schedule.leadNs)
    }

    @Test("a node's report is the production gate's verdict on its servo's measured offsets")
    func nodeReportFollowsLockGate() throws {
        var ptp = SimNodePTP(gate: Scenario.PTPGateModel(maxOffsetNs: 1_000, requiredSamples: 3))
        #expect(ptp.report(servoRunning: true).locked == false)
        ptp.observe(.unlocked, measuredOffsetNs: 100)
        #expect(ptp.report(servoRunning: true).portState == "UNCALIBRATED")
        ptp.observe(.locked, measuredOffsetNs: 200)
        ptp.observe(.locked, measuredOffsetNs: -300)
        #expect(ptp.report(servoRunning: true).locked == false)  // two SLAVE samples of three
        ptp.observe(.locked, measuredOffsetNs: 400)
        let report = ptp.report(servoRunning: true)
        #expect(report.locked && report.portState == "SLAVE" && report.offsetNs == 400)
        ptp.observe(.locked, measuredOffsetNs: 1_000)  // not strictly below the limit: the count starts again
        #expect(ptp.report(servoRunning: true).locked == false)
        let ungated = SimNodePTP(gate: nil)
        #expect(ungated.report(servoRunning: true).locked && !ungated.report(servoRunning: false).locked)
    }
}

/// The goal, shortened: `pi5-hw-ptp` phase-locked at 30 fps with the start gate, 8 cameras.
@Suite("Exposure skew at the line limit")
struct ExposureSkewLimitTests {
    /// The goal is p99 ≤ one line + 2 µs (12 µs here). The capture path's residual is the
    /// line grid plus a little estimation noise (about 9.8 µs p99), and on this rig's unmanaged
    /// switch (2 µs offset noise) the clocks' own spread adds about 3 µs p99: over seeds 1–10 the
    /// skew is 10.8–11.6 µs with the servo gains `genlock ptp config` writes, 11.1–12.0 µs with
    /// linuxptp's (`Benchmarks/phase-lock-seeds.sh`). This shortened run (8 s, seed 1) gives
    /// 10.7 µs, and is pinned to the goal: a controller that lets its estimate's noise or its
    /// frequency's lag through breaks it (the tracker before issue 18's second pass gave 12.4 µs
    /// here), and so does a START gate that opens while the clocks still swing (5 syncs in a row
    /// instead of 2 s gave 12.4 µs). Also: the skew within a line of the clocks' spread, the
    /// residual within a line plus the stamp's jitter, the split adds up.
    @Test("pi5-hw-ptp at 30 fps, phase-locked, gated: the residual within one line, the skew within a line of the clocks; the split adds up")
    func thirtyFpsAtTheLineLimit() throws {
        var s = try Shipped.scenario("pi5-hw-ptp")
        s.schedule.rate = try FrameRate(numerator: 30)
        s.schedule.durationNs = 8_000_000_000
        s.strategies.capture = .phaseLocked
        let report = Simulation(scenario: s, seed: 1).run()
        #expect(report.passed, "\(report.invariantViolations)")
        let lineNs = s.sensor.lineTimePs / 1000
        let skew = try #require(report.exposureSkewNs)
        #expect(skew.p99 <= lineNs + 2_000, "exposure skew \(skew): the goal is one line + 2 µs")
        let locked = try #require(report.skewSplit.first { $0.phase == .locked })
        let e = try #require(locked.exposureNs), c = try #require(locked.clocksNs), r = try #require(locked.residualNs)
        #expect(e.p99 <= lineNs + c.p99, "exposure \(e), clocks \(c)")
        // Frame by frame, the skew is at most the clocks' spread plus the residual's.
        #expect(e.max <= c.max + r.max)
        // The capture path's residual is the line grid: within one line (plus the stamp's jitter).
        #expect(r.p99 <= lineNs + 2 * s.sensor.timestampJitterNs)
        // The perfect controller's floor puts each start within half a line of its clock's Tn, so
        // frame by frame it is within a line of the clocks' spread. (It is not a bound on the skew:
        // here the run lands 0.1 µs under it, the cameras' errors leaning the same way.)
        let f = try #require(locked.floorNs)
        #expect(f.max <= c.max + lineNs + 2, "floor \(f), clocks \(c)")
    }

    @Test("gm-failover, phase-locked: frames after the failover are split out, and the residual stays within a line of the clocks")
    func failoverIsSplitOut() throws {
        var s = try Shipped.scenario("gm-failover")
        s.strategies.capture = .phaseLocked
        s.schedule.durationNs = 6_000_000_000
        let report = Simulation(scenario: s, seed: 1).run()
        #expect(report.passed, "\(report.invariantViolations)")
        #expect(report.pairSkews == nil, "pairs are measured only when asked")
        let after = try #require(report.skewSplit.first { $0.phase == .afterFault }, "\(report.skewSplit)")
        // The goal through a failover: the skew stays within one line on top of the clocks'
        // own spread (the residual alone, frame by frame, is not yet within a line: see the README).
        let e = try #require(after.exposureNs), c = try #require(after.clocksNs)
        #expect(e.p99 <= c.p99 + s.sensor.lineTimePs / 1000, "after the failover: \(after)")
        // The servo slews realtime at up to 500 ppm after the failover; fed forward from each clock
        // pair, that slew is mostly predicted, where a controller learning it from the frames lags
        // it (seed 1, 6 s: residual p99 10.0 µs against 11.2 µs).
        var blind = s
        blind.clock.adjustmentReadable = false
        let reference = Simulation(scenario: blind, seed: 1).run()
        #expect(reference.passed, "\(reference.invariantViolations)")
        let learnt = try #require(reference.skewSplit.first { $0.phase == .afterFault }?.residualNs)
        let fed = try #require(after.residualNs)
        #expect(fed.p99 < learnt.p99, "residual after the failover: \(fed) fed forward, \(learnt) learnt")
    }

    /// The split per pair of cameras, checked against the frames' ground truth: every pair is
    /// there, its frames are the indices both cameras recorded, its largest exposure difference and
    /// its lean are the truth's, and the worst pair is the rig's skew (the spread of an index is
    /// its widest pair), part by part.
    @Test("gm-failover, phase-locked, per pair: each pair's split agrees with the truth, and the widest pairs are the rig's spread")
    func pairsAgreeWithTheTruth() throws {
        var s = try Shipped.scenario("gm-failover")
        s.strategies.capture = .phaseLocked
        s.schedule.durationNs = 6_000_000_000
        let sim = Simulation(scenario: s, seed: 1)
        sim.measurePairs()
        var starts: [Int64: [Int: Int64]] = [:]
        sim.onFrame { starts[$0.index, default: [:]][$0.node] = $0.exposureStartTrueNs }
        let report = sim.run()
        #expect(report.passed, "\(report.invariantViolations)")
        let pairs = try #require(report.pairSkews)
        let n = s.nodes
        #expect(Set(pairs.map(\.cameras)) == Set((0..<n).flatMap { a in ((a + 1)..<n).map { [a, $0] } }))
        for a in 0..<n {
            for b in (a + 1)..<n {
                let rows = pairs.filter { $0.cameras == [a, b] }
                let differences = starts.filter { $0.key < report.stopIndex }.values.compactMap { f -> Int64? in
                    guard let ea = f[a], let eb = f[b] else { return nil }
                    return ea - eb
                }
                #expect(rows.reduce(0) { $0 + $1.frames } == Int64(differences.count), "pair \(a)-\(b)")
                let widest = rows.compactMap { $0.exposureNs?.max }.max()
                #expect(widest == differences.map { abs($0) }.max(), "pair \(a)-\(b)")
                // Each phase's lean is its sum over its frames, truncated: within a ns per frame of the truth's sum.
                let leanSum = rows.reduce(Int64(0)) { $0 + $1.meanExposureDifferenceNs * $1.frames }
                let truthSum = differences.reduce(0, +)
                #expect(abs(leanSum - truthSum) <= Int64(differences.count), "pair \(a)-\(b): lean \(leanSum) against \(truthSum)")
            }
        }
        // An index's spread is its widest pair: the largest of every pair's is the rig's, part by part.
        #expect(pairs.compactMap { $0.exposureNs?.max }.max() == report.exposureSkewNs?.max)
        #expect(pairs.compactMap { $0.clocksNs?.max }.max() == report.skewSplit.compactMap { $0.clocksNs?.max }.max())
        #expect(pairs.compactMap { $0.residualNs?.max }.max() == report.skewSplit.compactMap { $0.residualNs?.max }.max())
    }
}
