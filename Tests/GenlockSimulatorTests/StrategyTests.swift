import GenlockCore
import Testing
@testable import GenlockSimulator

/// The field failure as a regression: a forward realtime step of 20 ms at true 2.503 s on node 0
/// (ideal clocks otherwise, so realtime = epoch + true time). T0 is at true 1.5 s and the rate is
/// 120 fps, so frame 121 (Tn at 2.508333 s) and frame 122 (2.516667 s) lie inside the
/// jumped-over interval (2.503 s, 2.523 s]; frame 123 (2.525 s) does not.
@Suite("Strategies under a realtime step")
struct StrategyTests {
    let stepAt: Int64 = 2_503_000_000
    let step: Int64 = 20_000_000

    @Test("naive waits forever for a skipped value; the watchdog names node, index and instant")
    func naiveDeadlocks() throws {
        let report = Simulation(scenario: try idealWithStep(atNs: stepAt, stepNs: step), strategy: .naive).run()
        #expect(!report.passed)
        let deadlock = try #require(report.deadlocks.first)
        #expect(report.deadlocks.count == 1)
        #expect(deadlock.node == 0)
        #expect(deadlock.index == 121)
        #expect(deadlock.scheduledNs == Simulation.epochNs + 1_500_000_000 + 1_008_333_333)
        // Reported only after the watchdog timeout (1 s) has passed since Tn was due.
        #expect(deadlock.detectedAtTrueNs >= stepAt + 1_000_000_000 - 20_000_000)
    }

    @Test("genlock (the real CaptureScheduler) skips exactly the jumped-over frames and never deadlocks")
    func genlockSurvives() throws {
        let (report, frames, _) = runCollecting(try idealWithStep(atNs: stepAt, stepNs: step), strategy: .genlock)
        #expect(report.deadlocks.isEmpty)
        #expect(report.passed, "\(report.invariantViolations)")
        #expect(report.perNode[0].skippedFrames == 2)
        let indices = frames[0].map(\.index)
        #expect(!indices.contains(121) && !indices.contains(122))
        #expect(indices.contains(120) && indices.contains(123))
        // Every other node recorded every frame.
        for n in 1..<report.nodes { #expect(frames[n].map(\.index) == Array(0..<report.stopIndex)) }
    }

    @Test("realtime-timer fires the jumped-over deadlines at once: stale frames under the wrong instant")
    func realtimeTimerCapturesStaleFrames() throws {
        let report = Simulation(scenario: try idealWithStep(atNs: stepAt, stepNs: step), strategy: .realtimeTimer).run()
        #expect(report.deadlocks.isEmpty)
        // Frame 121 fires at realtime 2.523 s, past T122: captured under the wrong instant. (Frame
        // 122, fired in the same instant, happens to be inside its own period.)
        #expect(report.invariantViolationCount >= 1)
        #expect(report.invariantViolations.contains { $0.contains("node 0: frame 121 captured when realtime read") })
    }

    @Test("monotonic keeps the old mapping until it re-anchors: frames land 20 ms off their Tn")
    func monotonicMisplacesFrames() throws {
        let report = Simulation(scenario: try idealWithStep(atNs: stepAt, stepNs: step), strategy: .monotonic).run()
        #expect(report.deadlocks.isEmpty)
        #expect(report.invariantViolationCount > 0)
        #expect(report.invariantViolations.allSatisfy { $0.contains("node 0") })
    }

    @Test("the step-storm scenario deadlocks naive and not genlock", arguments: [StrategyKind.naive, .genlock])
    func stepStorm(strategy: StrategyKind) throws {
        let report = Simulation(scenario: try Shipped.scenario("step-storm"), strategy: strategy).run()
        if strategy == .naive {
            #expect(!report.deadlocks.isEmpty)
        } else {
            #expect(report.deadlocks.isEmpty)
            #expect(report.passed, "\(report.invariantViolations)")
        }
    }
}
