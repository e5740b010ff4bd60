import GenlockCore
import GenlockHAL
import GenlockNode
import GenlockTesting
import Testing

/// The flash runner against a simulated line, a virtual clock pair and a manual timer: every
/// instant is exact, so the tests can assert where each edge landed on the realtime timeline.
@Suite struct FlashRunnerTests {
    let clock = VirtualClockPair()

    /// A runner for `plan` on this clock, with a timer whose wake-ups come `wakeLatency` late.
    func make(_ plan: FlashPlan, wakeLatency: TimeSpan = .zero)
        -> (FlashRunner<VirtualClockPair, ManualDeadlineTimer>, ManualDeadlineTimer, SimulatedGPIOLine, RunnerReports)
    {
        let clock = self.clock
        let timer = ManualDeadlineTimer(clock: clock, wakeLatency: wakeLatency)
        let line = SimulatedGPIOLine(name: "sim line 17") { clock.realtimeNow }
        let reports = RunnerReports()
        let runner = FlashRunner(plan: plan, clock: clock, timer: timer, line: line) { reports.append($0) }
        return (runner, timer, line, reports)
    }

    @Test func everyFlashGoesOnAndOffAtItsPlannedInstantsAndIsRecorded() throws {
        let plan = try FlashPlan(firstFlash: clock.realtimeNow + .seconds(1), width: .microseconds(200), period: .milliseconds(100),
                                 count: 5, sweepStep: .microseconds(250), sweepSteps: 3)
        let (runner, _, line, reports) = make(plan, wakeLatency: .microseconds(7))
        runner.start()
        clock.run()
        let expected = (0..<5).flatMap { k in
            [SimulatedGPIOLine.Edge(high: true, at: plan.onInstant(k) + .microseconds(7)),
             SimulatedGPIOLine.Edge(high: false, at: plan.offInstant(k) + .microseconds(7))]
        }
        #expect(line.edges == expected)
        #expect(reports.records.map(\.index) == [0, 1, 2, 3, 4])
        #expect(reports.records.allSatisfy { $0.onError == .microseconds(7) && $0.plannedOn == plan.onInstant($0.index) })
        #expect(reports.summary == FlashSummary(outcome: .completed, fired: 5, skipped: 0, earlyWakes: 0))
        #expect(!line.isHigh)
    }

    @Test func aBackwardStepAfterArmingIsFollowedAndTheFlashIsNeverEarly() throws {
        let plan = try FlashPlan(firstFlash: clock.realtimeNow + .seconds(1), width: .microseconds(200), period: .seconds(1), count: 2)
        let (runner, _, line, reports) = make(plan)
        runner.start()
        clock.fireNext()  // flash 0 on
        clock.fireNext()  // flash 0 off, flash 1 armed through the pair sampled now
        clock.stepRealtime(by: .milliseconds(-3))
        clock.run()
        // The first wake for flash 1 found realtime 3 ms short, re-armed, and fired on time.
        #expect(line.edges.map(\.at) == [plan.onInstant(0), plan.offInstant(0), plan.onInstant(1), plan.offInstant(1)])
        #expect(reports.summary?.earlyWakes == 1)
        #expect(reports.summary?.fired == 2)
    }

    @Test func aForwardStepSkipsTheFlashesItJumpedOverAndReportsThem() throws {
        let plan = try FlashPlan(firstFlash: clock.realtimeNow + .seconds(1), width: .microseconds(200), period: .seconds(1), count: 6)
        let (runner, _, line, reports) = make(plan)
        runner.start()
        clock.fireNext()
        clock.fireNext()
        // Flash 1 is armed; the step is only seen when it wakes, at realtime on(1) + 1.5 s = on(2) + 0.5 s.
        clock.stepRealtime(by: .milliseconds(1_500))
        clock.run()
        #expect(reports.skips == [1..<3])
        #expect(reports.records.map(\.index) == [0, 3, 4, 5])
        #expect(reports.records.allSatisfy { $0.on == $0.plannedOn })
        #expect(line.edges.count == 8)
        #expect(reports.summary == FlashSummary(outcome: .completed, fired: 4, skipped: 2, earlyWakes: 0))
    }

    @Test func stopWhileLitTurnsTheLineOffAndRecordsTheFlash() throws {
        let plan = try FlashPlan(firstFlash: clock.realtimeNow + .seconds(1), width: .milliseconds(5), period: .seconds(1), count: 3)
        let (runner, timer, line, reports) = make(plan)
        runner.start()
        clock.fireNext()
        #expect(line.isHigh)
        clock.advance(to: clock.monotonicNow() + .milliseconds(1))
        runner.stop()
        #expect(!line.isHigh)
        #expect(timer.armed == nil)
        #expect(reports.records == [FlashRecord(index: 0, plannedOn: plan.onInstant(0), on: plan.onInstant(0),
                                                off: plan.onInstant(0) + .milliseconds(1))])
        #expect(reports.summary?.outcome == .stopped)
    }

    @Test func aLineThatFailsAbortsTheRunWithItsError() throws {
        let plan = try FlashPlan(firstFlash: clock.realtimeNow + .seconds(1), width: .microseconds(200), period: .seconds(1), count: 3)
        let (runner, timer, line, reports) = make(plan)
        runner.start()
        clock.fireNext()
        clock.fireNext()
        let lost = GPIOError.system(operation: "set value", chip: "gpiochip0", line: 17, detail: "No such device")
        line.failFromNowOn(with: lost)
        clock.fireNext()
        #expect(reports.failures == [.line(lost)])
        #expect(reports.summary == FlashSummary(outcome: .aborted, fired: 1, skipped: 0, earlyWakes: 0))
        #expect(timer.armed == nil)
        #expect(clock.fireNext() == false)
        #expect(clock.pendingDeadlines.isEmpty)
    }

    @Test func aLineThatFailsOnTheLastOffEdgeStillEndsTheRun() throws {
        let plan = try FlashPlan(firstFlash: clock.realtimeNow + .seconds(1), width: .microseconds(200), period: .seconds(1), count: 1)
        let (runner, _, line, reports) = make(plan)
        runner.start()
        clock.fireNext()  // on
        let lost = GPIOError.system(operation: "set value", chip: "gpiochip0", line: 17, detail: "No such device")
        line.failFromNowOn(with: lost)
        clock.fireNext()  // off: the edge whose actions also finish the run
        #expect(reports.failures == [.line(lost)])
        #expect(reports.summary?.outcome == .aborted)
    }

    @Test func aLineThatFailsWhileStoppingALitLEDStillEndsTheRun() throws {
        let plan = try FlashPlan(firstFlash: clock.realtimeNow + .seconds(1), width: .microseconds(200), period: .seconds(1), count: 3)
        let (runner, timer, line, reports) = make(plan)
        runner.start()
        clock.fireNext()  // on: the LED is lit
        let lost = GPIOError.system(operation: "set value", chip: "gpiochip0", line: 17, detail: "No such device")
        line.failFromNowOn(with: lost)
        runner.stop()
        #expect(reports.failures == [.line(lost)])
        #expect(reports.summary?.outcome == .aborted)
        #expect(timer.armed == nil)
    }
}
