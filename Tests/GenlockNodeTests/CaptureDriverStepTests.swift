import GenlockCore
import GenlockHAL
import GenlockNode
import GenlockTesting
import Synchronization
import Testing

/// The goal in virtual time: +5 ms and +50 ms realtime steps while frame 0's deadline is
/// armed, 30 fps. With a step source the next frame is captured at its Tn (lateness = the timer's
/// wake latency); without one, at the stale monotonic instant (late by the step, modulo the period).
@Suite("CaptureDriver: realtime steps while armed")
struct CaptureDriverStepTests {
    struct Run {
        var captures: [CaptureRequest]
        var skipped: [Range<Int64>]
    }

    /// Starts 30 fps 100 ms ahead, steps realtime by `stepNs` 10 ms before T0 (a notice if
    /// `aware`), and runs until frames 0…4 have passed.
    func run(stepNs: Int64, aware: Bool, latency: TimeSpan = .microseconds(7)) throws -> Run {
        let clock = VirtualClockPair()
        let steps = ManualStepSource()
        let timer = ManualDeadlineTimer(clock: clock, wakeLatency: latency, stepSource: aware ? steps : nil)
        let result = Mutex(Run(captures: [], skipped: []))
        let driver = CaptureDriver(clock: clock, timer: timer, configuration: .init(joinMargin: .zero)) { report in
            switch report {
            case .capture(let r): result.withLock { $0.captures.append(r) }
            case .skip(let range): result.withLock { $0.skipped.append(range) }
            default: break
            }
        }
        let t0 = clock.realtimeNow + .milliseconds(100)
        driver.start(StartPlan(schedule: FrameSchedule(start: t0, rate: try FrameRate(parsing: "30")), stopIndex: 5))
        clock.advance(by: .milliseconds(90))
        clock.stepRealtime(by: TimeSpan(nanoseconds: stepNs))
        #expect(steps.step() == aware)
        clock.advance(by: .milliseconds(300))
        return result.withLock { $0 }
    }

    @Test("+5 ms while armed: frame 0 at T0 plus the wake latency with the notice, 5 ms late without", arguments: [true, false])
    func plusFiveMs(aware: Bool) throws {
        let r = try run(stepNs: 5_000_000, aware: aware)
        let first = try #require(r.captures.first)
        #expect(first.index == 0)
        let lateness = first.wake.realtime - first.scheduled
        #expect(lateness == (aware ? .microseconds(7) : .milliseconds(5) + .microseconds(7)))
        #expect(r.captures.map(\.index) == [0, 1, 2, 3, 4])
        // Every later frame is on its Tn in both cases: the next deadline is mapped afresh.
        for c in r.captures.dropFirst() { #expect(c.wake.realtime - c.scheduled == .microseconds(7)) }
    }

    @Test("+50 ms while armed: frames jumped over are skipped and the next is at its Tn; without the notice frame 1 is 16.7 ms late")
    func plusFiftyMs() throws {
        let aware = try run(stepNs: 50_000_000, aware: true)
        // Realtime lands at T0 + 40 ms: frames 0 and 1 are gone, frame 2 (T0 + 66.7 ms) is caught.
        #expect(aware.skipped == [0..<2])
        let next = try #require(aware.captures.first)
        #expect(next.index == 2)
        #expect(next.wake.realtime - next.scheduled == .microseconds(7))
        #expect(next.wakeError == .microseconds(7))

        let unaware = try run(stepNs: 50_000_000, aware: false)
        // The stale deadline fires when realtime reads T0 + 50 ms: frame 1 (T0 + 33.3 ms) 16.7 ms late.
        let late = try #require(unaware.captures.first)
        #expect(late.index == 1)
        #expect(late.wake.realtime - late.scheduled == TimeSpan(nanoseconds: 50_000_000 - 33_333_333 + 7_000))
    }

    @Test("a backward step while armed re-arms later: nothing is captured before its Tn")
    func backwardStep() throws {
        let r = try run(stepNs: -30_000_000, aware: true)
        #expect(r.captures.map(\.index) == [0, 1, 2, 3, 4])
        for c in r.captures { #expect(c.wake.realtime >= c.scheduled) }
        #expect(r.captures.first.map { $0.wake.realtime - $0.scheduled } == .microseconds(7))
    }
}
