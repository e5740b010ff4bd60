import GenlockCore
import GenlockHAL
import GenlockNode
import GenlockTesting
import Synchronization
import Testing

@Suite("CaptureDriver in virtual time")
struct CaptureDriverTests {
    // The driver reads the armed frame back from the scheduler when the timer fires, so a firing
    // must be matched to the deadline armed now: a late firing of a superseded deadline (a timer
    // racing a re-arm) must not be taken for the current frame.
    @Test("a firing for a deadline that is no longer armed is ignored")
    func staleFiringIsIgnored() throws {
        let clock = VirtualClockPair(monotonic: MonotonicInstant(nanoseconds: 5_000_000_000),
                                     realtime: RealtimeInstant(nanosecondsSinceEpoch: 1_000_000_000))
        // Every wake-up a microsecond late, so the clock can stand at T1 with frame 1's firing still to come.
        let timer = ManualDeadlineTimer(clock: clock, wakeLatency: .microseconds(1))
        let captured = Mutex<[Int64]>([])
        let driver = CaptureDriver(clock: clock, timer: timer, configuration: .init(joinMargin: .zero)) { report in
            if case .capture(let request) = report { captured.withLock { $0.append(request.index) } }
        }
        let t0 = clock.realtimeNow + .seconds(1)
        driver.start(StartPlan(schedule: FrameSchedule(start: t0, rate: try FrameRate(parsing: "10"))))

        let frame0 = try #require(timer.armed)
        clock.advance(by: .seconds(1) + .microseconds(1))  // realtime passes T0: frame 0 fires
        let frame1 = try #require(timer.armed)
        #expect(frame1.deadline > frame0.deadline)

        clock.advance(to: frame1.deadline)  // realtime reaches T1
        frame0.handler(TimerFiring(deadline: frame0.deadline, wokeAt: clock.monotonicNow()))
        #expect(captured.withLock { $0 } == [0])
        clock.advance(by: .microseconds(1))  // frame 1's own firing
        #expect(captured.withLock { $0 } == [0, 1])
    }
}
