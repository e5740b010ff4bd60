import GenlockCore
import Testing
@testable import GenlockSimulator

/// The simulator's control plane is the real protocol code: `CoordinatorEndpoint` and
/// `NodeEndpoint`, with their bytes carried over simulated TCP connections. These runs check what
/// that code did, from the coordinator's own log and the nodes' recordings.
@Suite("Control protocol in the simulator")
struct ControlPlaneTests {
    private func lines(_ report: SimulationReport, _ text: String) -> [CoordinatorLogLine] {
        report.coordinatorLog.filter { $0.text.contains(text) }
    }

    private func joinIndex(_ report: SimulationReport, reading: Int64) throws -> Int64 {
        let schedule = FrameSchedule(start: RealtimeInstant(nanosecondsSinceEpoch: report.t0Ns), rate: try FrameRate(parsing: report.rate))
        return try schedule.firstIndex(after: RealtimeInstant(nanosecondsSinceEpoch: reading), margin: .nanoseconds(report.joinMarginNs))
    }

    @Test("message-loss: START survives a fifth of segments lost; a broken connection reconnects and rejoins the session")
    func messageLoss() throws {
        let scenario = try Shipped.scenario("message-loss")
        let (report, frames, _) = runCollecting(scenario)
        #expect(report.passed, "\(report.invariantViolations)")
        #expect(report.messagesLost > 0)
        #expect(lines(report, "START:").count == 1)
        #expect(lines(report, "STOP: stop index \(report.stopIndex)").count == 1)
        // Node 3: cut off from 0.5 s (its STATUS, twice a second, and START cannot get through),
        // dropped after the connection timeout, back once the partition lifted, and given the
        // same session on its new connection.
        let dropped = try #require(lines(report, "node3 disconnected").first)
        #expect(dropped.trueNs >= 500_000_000 + scenario.network.connectionTimeoutNs)
        let connects = lines(report, "node3 connected")
        try #require(connects.count == 2)
        #expect(connects[1].trueNs >= 3_500_000_000, "it cannot reconnect before the partition lifts")
        let node3 = report.perNode[3]
        #expect(node3.startReadingsNs.count == 1)
        let join = try joinIndex(report, reading: try #require(node3.startReadingsNs.first))
        #expect(join > 0)
        try #require(join < report.stopIndex, "node 3 is back before the stop index")
        #expect(frames[3].map(\.index) == Array(join..<report.stopIndex))
        // STOP reached everyone through the losses: every node ends on the same frame.
        for n in 0..<3 { #expect(frames[n].map(\.index) == Array(0..<report.stopIndex)) }
        // Every node's STATUS (finished) got through too, and the coordinator ended the session.
        let stop = try #require(lines(report, "STOP:").first)
        let finished = try #require(report.coordinatorFinishedNs)
        #expect(finished > stop.trueNs)
        #expect(lines(report, "session finished at stop index \(report.stopIndex)").count == 1)
    }

    @Test("a node that deadlocked never reports its run finished, so the coordinator does not end the session")
    func deadlockedNodeKeepsTheSessionOpen() throws {
        let (report, _, _) = runCollecting(try Shipped.scenario("step-storm"), strategy: .naive)
        #expect(!report.deadlocks.isEmpty)
        #expect(report.coordinatorFinishedNs == nil)
        #expect(lines(report, "session finished").isEmpty)
        let genlock = Simulation(scenario: try Shipped.scenario("step-storm")).run()
        #expect(genlock.coordinatorFinishedNs != nil)
    }

    @Test("late-joiner: the connection outlives the partition, START arrives by retransmission, and the coordinator names the late node")
    func lateJoinerIsReported() throws {
        let (report, _, _) = runCollecting(try Shipped.scenario("late-joiner"))
        #expect(lines(report, "late: no ACK of START before T0 from node3").count == 1)
        #expect(lines(report, "node3 connected").count == 1)
        // No connection was lost during the recording (each node's process exits once its run
        // is over, after STOP).
        let stop = try #require(lines(report, "STOP:").first)
        #expect(lines(report, "disconnected").allSatisfy { $0.trueNs > stop.trueNs })
    }

    @Test("coordinator-hang: every node stops on one index after its coordinator timeout; a silent camera is closed as idle")
    func coordinatorHang() throws {
        let scenario = try Shipped.scenario("coordinator-hang")
        let (report, frames, sim) = runCollecting(scenario)
        #expect(report.passed, "\(report.invariantViolations)")
        let last = Set(frames.map { $0.last?.index })
        #expect(last.count == 1, "every node ends on one frame: \(last)")
        let end = try #require(last.first ?? nil)
        #expect(end + 1 < report.stopIndex, "they stopped on their own: no STOP came")
        // The index is the last HEARTBEAT's (sent at 14.0 s, the coordinator's tick before the hang)
        // plus the 30 s timeout plus the 1 s grace.
        let schedule = FrameSchedule(start: RealtimeInstant(nanosecondsSinceEpoch: report.t0Ns), rate: try FrameRate(parsing: report.rate))
        let heartbeat = RealtimeInstant(nanosecondsSinceEpoch: Simulation.epochNs + 14_000_000_000)
        #expect(end + 1 == (try schedule.firstIndex(atOrAfter: heartbeat + .seconds(31))))
        for node in sim.nodes {
            #expect(node.stats.lifecycleLog.contains { $0.hasPrefix("no authenticated frame from the coordinator for 30 s: stopping at index \(end + 1)") })
        }
        // The silent camera: connected, never reporting, closed as idle, back again.
        #expect(lines(report, "node3 (node3) sent nothing for 10 s; closing its connection").count >= 1)
        #expect(lines(report, "node3 connected").count >= 2)
        #expect(report.coordinatorFinishedNs == nil, "the hung coordinator never ends the session")
    }

    @Test("crash-restart: the coordinator sees the crashed process go and the new one say HELLO; the restarted node gets the same session")
    func crashRestartReconnects() throws {
        let scenario = try Shipped.scenario("crash-restart")
        let (report, _, _) = runCollecting(scenario)
        #expect(report.passed, "\(report.invariantViolations)")
        let gone = try #require(lines(report, "node2 disconnected").first)
        #expect(gone.trueNs >= 4_500_000_000)
        let back = lines(report, "node2 connected").map(\.trueNs)
        try #require(back.count == 2)
        #expect(back[1] >= 6_000_000_000, "the process is down for 1.5 s")
        // One START line: the rejoin reuses the session rather than starting a new one.
        #expect(lines(report, "START:").count == 1)
        #expect(report.perNode[2].startReadingsNs.count == 2)
    }

    @Test("the control plane is part of the deterministic trace: loss and reconnects replay bit for bit")
    func deterministic() throws {
        let scenario = try Shipped.scenario("message-loss")
        let a = Simulation(scenario: scenario).run()
        let b = Simulation(scenario: scenario).run()
        #expect(a.traceHash == b.traceHash)
        #expect(a.coordinatorLog == b.coordinatorLog)
        let c = Simulation(scenario: scenario, seed: 2).run()
        #expect(c.traceHash != a.traceHash)
    }
}
