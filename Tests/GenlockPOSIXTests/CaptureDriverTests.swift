import GenlockCore
import GenlockHAL
import Synchronization
import Testing

/// A clock pair that reads whatever the test set: realtime and monotonic advance together.
private final class ManualClockPair: ClockPair {
    private let now = Mutex(ClockSample(
        realtime: RealtimeInstant(nanosecondsSinceEpoch: 1_000_000_000), monotonic: MonotonicInstant(nanoseconds: 5_000_000_000)))

    func advance(by span: TimeSpan) {
        now.withLock { $0 = ClockSample(realtime: $0.realtime + span, monotonic: $0.monotonic + span) }
    }
    func sample() -> ClockSample { now.withLock { $0 } }
    func monotonicNow() -> MonotonicInstant { now.withLock { $0.monotonic } }
}

/// A deadline timer that only records what was armed; the test fires it by hand.
private final class ManualTimer: DeadlineTimer {
    struct Armed {
        var deadline: MonotonicInstant
        var handler: @Sendable (TimerFiring) -> Void
    }
    private let current = Mutex<Armed?>(nil)

    var armed: Armed? { current.withLock { $0 } }
    func arm(at deadline: MonotonicInstant, _ handler: @escaping @Sendable (TimerFiring) -> Void) throws(DeadlineTimerError) {
        current.withLock { $0 = Armed(deadline: deadline, handler: handler) }
    }
    func cancel() { current.withLock { $0 = nil } }
    func shutdown() { cancel() }
}

@Suite("CaptureDriver with a manual timer")
struct CaptureDriverTests {
    // The driver reads the armed frame back from the scheduler when the timer fires, so a firing
    // must be matched to the deadline armed now: a late firing of a superseded deadline (a timer
    // racing a re-arm) must not be taken for the current frame.
    @Test("a firing for a deadline that is no longer armed is ignored")
    func staleFiringIsIgnored() throws {
        let clock = ManualClockPair()
        let timer = ManualTimer()
        let captured = Mutex<[Int64]>([])
        let driver = CaptureDriver(clock: clock, timer: timer, configuration: .init(joinMargin: .zero)) { report in
            if case .capture(let request) = report { captured.withLock { $0.append(request.index) } }
        }
        let t0 = clock.sample().realtime + .seconds(1)
        driver.start(StartPlan(schedule: FrameSchedule(start: t0, rate: try FrameRate(parsing: "10"))))

        let frame0 = try #require(timer.armed)
        clock.advance(by: .seconds(1))  // realtime reaches T0
        frame0.handler(TimerFiring(deadline: frame0.deadline, wokeAt: clock.monotonicNow()))
        let frame1 = try #require(timer.armed)
        #expect(frame1.deadline > frame0.deadline)

        clock.advance(by: .milliseconds(100))  // realtime reaches T1
        frame0.handler(TimerFiring(deadline: frame0.deadline, wokeAt: clock.monotonicNow()))
        #expect(captured.withLock { $0 } == [0])
        frame1.handler(TimerFiring(deadline: frame1.deadline, wokeAt: clock.monotonicNow()))
        #expect(captured.withLock { $0 } == [0, 1])
    }
}
