import GenlockCore
import Testing
@testable import GenlockSimulator

/// Issue 14's goal in the simulator: a realtime step landing while a deadline is armed. The kernel
/// model cancels the armed cancel-on-set timer; the real `CaptureDriver` re-judges the frame.
@Suite("Realtime steps while armed: step-aware vs unaware timer")
struct StepAwarenessTests {
    /// `ideal` (perfect clocks, 120 fps, T0 at true 1.5 s) with one step on node 0 at true 2.503 s,
    /// 5.33 ms before frame 121 (Tn at true 2.508333 s).
    func run(stepNs: Int64, aware: Bool) throws -> SimulationReport {
        var s = try idealWithStep(atNs: 2_503_000_000, stepNs: stepNs)
        s.strategies.stepAware = aware
        return Simulation(scenario: s).run()
    }

    @Test("+5 ms: with the notice frame 121 is captured at its Tn; without, 5 ms late (at the stale instant)")
    func plusFive() throws {
        let aware = try run(stepNs: 5_000_000, aware: true)
        let unaware = try run(stepNs: 5_000_000, aware: false)
        #expect(aware.passed && unaware.passed, "\(aware.invariantViolations) \(unaware.invariantViolations)")
        let a = try #require(aware.perNode[0].steps.first)
        let u = try #require(unaware.perNode[0].steps.first)
        #expect(aware.perNode[0].steps.count == 1 && unaware.perNode[0].steps.count == 1)
        #expect(a.byNs == 5_000_000 && a.nextIndex == 121 && a.skipped == 0)
        #expect(u.nextIndex == 121 && u.skipped == 0)
        let awareLate = try #require(a.nextLatenessNs)
        let unawareLate = try #require(u.nextLatenessNs)
        // Aware: one timer wake-up after Tn, no more than the node's worst wake-up.
        let worstWake = try #require(aware.perNode[0].wakeErrorNs).max
        #expect(awareLate >= 0 && awareLate <= worstWake + 1_000)
        // Unaware: the step itself plus a wake-up.
        #expect(unawareLate >= 5_000_000 && unawareLate < 5_000_000 + 1_000_000)
    }

    @Test("+50 ms: with the notice the frames jumped over are skipped and the next is on its Tn; without, the next is late")
    func plusFifty() throws {
        let aware = try run(stepNs: 50_000_000, aware: true)
        let unaware = try run(stepNs: 50_000_000, aware: false)
        #expect(aware.passed && unaware.passed, "\(aware.invariantViolations) \(unaware.invariantViolations)")
        let a = try #require(aware.perNode[0].steps.first)
        let u = try #require(unaware.perNode[0].steps.first)
        // Realtime lands at true 2.553 s: frames 121…126 (Tn ≤ 2.55 s) are gone, 127 (2.558333 s) is next.
        #expect(a.nextIndex == 127 && a.skipped == 6)
        let worstWake = try #require(aware.perNode[0].wakeErrorNs).max
        #expect(try #require(a.nextLatenessNs) <= worstWake + 1_000)
        // Unaware, the stale deadline of 121 fires at realtime 2.558333 s: frame 127, exactly on a
        // frame boundary at 120 fps (50 ms = 6 periods), so only a few µs late here; at 30 fps the
        // same step leaves it 16.7 ms late (steps-while-armed.yaml).
        #expect(u.nextIndex == 127)
    }

    @Test("a backward step while armed: nothing early either way, and the notice re-arms at once")
    func backward() throws {
        for aware in [true, false] {
            let r = try run(stepNs: -30_000_000, aware: aware)
            #expect(r.passed, "\(r.invariantViolations)")
            let s = try #require(r.perNode[0].steps.first)
            #expect(s.nextIndex == 121)
            #expect(try #require(s.nextLatenessNs) >= 0)
        }
    }

    @Test("steps-while-armed: every forward step's next frame within 20 µs when aware; unaware, the +5 ms ones ≥ 5 ms late")
    func shippedScenario() throws {
        var scenario = try Shipped.scenario("steps-while-armed")
        let aware = Simulation(scenario: scenario).run()
        scenario.strategies.stepAware = false
        let unaware = Simulation(scenario: scenario).run()
        #expect(aware.passed && unaware.passed, "\(aware.invariantViolations) \(unaware.invariantViolations)")
        let forwardAware = aware.allSteps.filter { $0.step.byNs > 0 }.compactMap(\.step.nextLatenessNs)
        #expect(forwardAware.count == 32)
        #expect(forwardAware.allSatisfy { $0 >= 0 && $0 <= 20_000 }, "\(forwardAware)")
        let fiveUnaware = unaware.allSteps.filter { $0.step.byNs == 5_000_000 }.compactMap(\.step.nextLatenessNs)
        #expect(fiveUnaware.count == 16)
        #expect(fiveUnaware.allSatisfy { $0 >= 5_000_000 })
    }
}
