import Dispatch
import GenlockCore
import GenlockHAL
import GenlockNode
import GenlockPOSIX
import Synchronization
import Testing

/// The runner on this machine's real clocks and timer threads (as `genlock hil flash
/// --simulated` runs it): order and completeness are asserted, never how many microseconds late.
@Suite("Flash runner on POSIX timers", .serialized)
struct FlashRunnerPOSIXTests {
    @Test(arguments: DeadlineTimerKind.allCases)
    func aShortPlanRunsInOrderAndNeverEarly(kind: DeadlineTimerKind) throws {
        let clock = PosixClockPair()
        let timer = AnyDeadlineTimer(try kind.make())
        defer { timer.shutdown() }
        let line = SimulatedGPIOLine { PosixClockPair.realtimeNow() }
        let plan = try FlashPlan(firstFlash: clock.sample().realtime + .milliseconds(100), width: .milliseconds(2),
                                 period: .milliseconds(20), count: 5)
        let records = Mutex<[FlashRecord]>([])
        let summary = Mutex<FlashSummary?>(nil)
        let done = DispatchSemaphore(value: 0)
        // A tolerance far beyond any preemption here, so a loaded machine fires late rather than skips.
        let runner = FlashRunner(plan: plan, clock: clock, timer: timer, line: line,
                                 configuration: .init(lateTolerance: .seconds(5))) { report in
            switch report {
            case .flash(let r): records.withLock { $0.append(r) }
            case .finish(let s): summary.withLock { $0 = s }; done.signal()
            case .skip, .failed: break
            }
        }
        runner.start()
        #expect(done.wait(timeout: .now() + .seconds(30)) == .success)
        #expect(summary.withLock { $0 }?.outcome == .completed)
        #expect(summary.withLock { $0 }?.fired == 5)
        let fired = records.withLock { $0 }
        #expect(fired.map(\.index) == [0, 1, 2, 3, 4])
        for r in fired {
            #expect(r.plannedOn == plan.onInstant(r.index))
            #expect(r.on >= r.plannedOn, "flash \(r.index) went on before its instant")
            #expect(r.off >= plan.offInstant(r.index), "flash \(r.index) went off before its instant")
        }
        let edges = line.edges
        #expect(edges.map(\.high) == Array(repeating: [true, false], count: 5).flatMap { $0 })
        #expect(edges.map(\.at) == edges.map(\.at).sorted())
        #expect(!line.isHigh)
    }
}
