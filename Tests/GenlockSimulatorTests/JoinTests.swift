import GenlockCore
import Testing
@testable import GenlockSimulator

@Suite("Joining late and rejoining")
struct JoinTests {
    /// The index a node must start at when START reaches it while its realtime reads `reading`:
    /// the first frame at least the join margin ahead, computed here from the schedule directly.
    private func expectedJoin(_ report: SimulationReport, reading: Int64) throws -> Int64 {
        let schedule = FrameSchedule(start: RealtimeInstant(nanosecondsSinceEpoch: report.t0Ns), rate: try FrameRate(parsing: report.rate))
        return try schedule.firstIndex(after: RealtimeInstant(nanosecondsSinceEpoch: reading), margin: .nanoseconds(report.joinMarginNs))
    }

    @Test("the late joiner catches up on the right index and records every frame from there")
    func lateJoiner() throws {
        let (report, frames, _) = runCollecting(try Shipped.scenario("late-joiner"))
        #expect(report.passed, "\(report.invariantViolations)")
        let late = report.perNode[3]
        let reading = try #require(late.startReadingsNs.first)
        #expect(late.startReadingsNs.count == 1)
        let expected = try expectedJoin(report, reading: reading)
        #expect(expected > 0, "the partition must actually delay START past T0")
        #expect(late.joinedAt == [expected])
        #expect(frames[3].map(\.index) == Array(expected..<report.stopIndex))
        for n in 0..<3 { #expect(frames[n].map(\.index) == Array(0..<report.stopIndex)) }
    }

    @Test("a crashed and restarted node rejoins on the right index, never renumbering")
    func crashRestart() throws {
        let (report, frames, _) = runCollecting(try Shipped.scenario("crash-restart"))
        #expect(report.passed, "\(report.invariantViolations)")
        let node = report.perNode[2]
        #expect(node.startReadingsNs.count == 2)
        #expect(node.joinedAt.count == 2)
        let rejoin = try expectedJoin(report, reading: node.startReadingsNs[1])
        #expect(node.joinedAt[1] == rejoin)
        let indices = frames[2].map(\.index)
        // Before the crash: 0...k without gaps; after: rejoin..<stop without gaps; nothing twice.
        let before = indices.filter { $0 < rejoin }
        let after = indices.filter { $0 >= rejoin }
        let k = try #require(before.last)
        #expect(before == Array(0...k))
        #expect(after == Array(rejoin..<report.stopIndex))
        #expect(k + 1 < rejoin, "the crash must leave a gap")
        #expect(Set(indices).count == indices.count)
        // The rejoined frames are the same instants as everyone else's: frame n means Tn.
        let others = Dictionary(uniqueKeysWithValues: frames[1].map { ($0.index, $0.requestTrueNs) })
        for f in frames[2] where f.index >= rejoin {
            let other = try #require(others[f.index])
            #expect(abs(f.requestTrueNs - other) < 1_000_000)
        }
    }
}
