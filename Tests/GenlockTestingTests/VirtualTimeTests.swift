import GenlockCore
import GenlockHAL
import GenlockTesting
import Synchronization
import Testing

/// Firings in the order they happened.
private final class Firings: Sendable {
    private let items = Mutex<[(label: String, firing: TimerFiring)]>([])
    func handler(_ label: String) -> @Sendable (TimerFiring) -> Void {
        { firing in self.items.withLock { $0.append((label, firing)) } }
    }
    var labels: [String] { items.withLock { $0.map(\.label) } }
    var firings: [TimerFiring] { items.withLock { $0.map(\.firing) } }
}

private let start = MonotonicInstant(nanoseconds: 1_000_000_000)

/// The shared doubles keep the DeadlineTimer contract the real timers keep (DeadlineTimerTests),
/// and time in them moves only as the test says.
@Suite("Virtual time: VirtualClockPair and ManualDeadlineTimer")
struct VirtualTimeTests {
    @Test func realtimeIsMonotonicPlusAnOffsetThatOnlyAStepChanges() {
        let clock = VirtualClockPair(monotonic: start, realtime: RealtimeInstant(nanosecondsSinceEpoch: 5_000_000_000))
        #expect(clock.sample() == ClockSample(realtime: RealtimeInstant(nanosecondsSinceEpoch: 5_000_000_000), monotonic: start))
        clock.stepRealtime(by: .milliseconds(-3))
        #expect(clock.monotonicNow() == start)
        #expect(clock.realtimeNow == RealtimeInstant(nanosecondsSinceEpoch: 4_997_000_000))
        clock.advance(by: .seconds(1))
        #expect(clock.sample() == ClockSample(realtime: RealtimeInstant(nanosecondsSinceEpoch: 5_997_000_000), monotonic: start + .seconds(1)))
    }

    @Test func aDeadlineFiresOnlyWhenTimeReachesItsWakeUpWithTheLatencyAsWakeError() throws {
        let clock = VirtualClockPair(monotonic: start)
        let timer = ManualDeadlineTimer(clock: clock, wakeLatency: .microseconds(7))
        let firings = Firings()
        try timer.arm(at: start + .milliseconds(10), firings.handler("a"))
        clock.advance(to: start + .milliseconds(10))
        #expect(firings.labels.isEmpty, "the wake-up is 7 µs after the deadline")
        #expect(timer.armed?.deadline == start + .milliseconds(10))
        clock.advance(by: .microseconds(7))
        #expect(firings.firings == [TimerFiring(deadline: start + .milliseconds(10), wokeAt: start + .milliseconds(10) + .microseconds(7))])
        #expect(firings.firings.first?.wakeError == .microseconds(7))
        #expect(timer.armed == nil)
        #expect(clock.pendingDeadlines.isEmpty)
    }

    @Test func wakeUpsFireInTimeOrderAndTiesInArmingOrderWithTimeStandingAtEach() throws {
        let clock = VirtualClockPair(monotonic: start)
        let (a, b, c) = (ManualDeadlineTimer(clock: clock), ManualDeadlineTimer(clock: clock), ManualDeadlineTimer(clock: clock))
        let firings = Firings()
        try c.arm(at: start + .milliseconds(2), firings.handler("c"))
        try b.arm(at: start + .milliseconds(1), firings.handler("b"))
        try a.arm(at: start + .milliseconds(1), firings.handler("a"))
        #expect(clock.pendingDeadlines == [start + .milliseconds(1), start + .milliseconds(1), start + .milliseconds(2)])
        clock.run()
        #expect(firings.labels == ["b", "a", "c"])
        #expect(firings.firings.map(\.wokeAt) == [start + .milliseconds(1), start + .milliseconds(1), start + .milliseconds(2)])
        #expect(clock.monotonicNow() == start + .milliseconds(2))
    }

    @Test func aHandlerMayRearmAndAdvanceFiresEveryWakeUpUpToTheTargetOnly() throws {
        let clock = VirtualClockPair(monotonic: start)
        let timer = ManualDeadlineTimer(clock: clock)
        let firings = Firings()
        let record = firings.handler("tick")
        @Sendable func tick(_ firing: TimerFiring) {
            record(firing)
            try? timer.arm(at: firing.deadline + .milliseconds(10), tick)
        }
        try timer.arm(at: start + .milliseconds(10), tick)
        clock.advance(by: .milliseconds(35))
        #expect(firings.firings.map(\.deadline) == [10, 20, 30].map { start + .milliseconds($0) })
        #expect(clock.monotonicNow() == start + .milliseconds(35))
        #expect(clock.pendingDeadlines == [start + .milliseconds(40)])
    }

    @Test func armingReplacesAndAPastDeadlineFiresAtTheNextMoveEvenByZero() throws {
        let clock = VirtualClockPair(monotonic: start)
        let timer = ManualDeadlineTimer(clock: clock)
        let firings = Firings()
        try timer.arm(at: start + .seconds(1), firings.handler("replaced"))
        try timer.arm(at: start - .seconds(1), firings.handler("past"))
        #expect(clock.pendingDeadlines == [start - .seconds(1)])
        #expect(firings.labels.isEmpty, "nothing fires until the test moves the clock")
        clock.advance(by: .zero)
        #expect(firings.firings == [TimerFiring(deadline: start - .seconds(1), wokeAt: start)])
        #expect(clock.monotonicNow() == start)
    }

    @Test func aCancelledDeadlineNeverFiresAndAShutDownTimerRefusesToArm() throws {
        let clock = VirtualClockPair(monotonic: start)
        let timer = ManualDeadlineTimer(clock: clock)
        let firings = Firings()
        try timer.arm(at: start + .milliseconds(1), firings.handler("cancelled"))
        timer.cancel()
        #expect(clock.fireNext() == false)
        try timer.arm(at: start + .milliseconds(2), firings.handler("shut down"))
        timer.shutdown()
        #expect(throws: DeadlineTimerError.shutDown) { try timer.arm(at: start + .milliseconds(3), firings.handler("refused")) }
        clock.advance(by: .seconds(1))
        #expect(firings.labels.isEmpty)
        #expect(clock.pendingDeadlines.isEmpty)
    }
}
