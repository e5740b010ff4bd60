import Dispatch
import GenlockCore
import GenlockHAL
import GenlockPOSIX
import GenlockTesting
import Synchronization
import Testing

/// The step path of both POSIX timers, through an injected step source (this machine's clock is
/// never stepped), and the real cancel-on-set timerfd up to the kernel boundary.
@Suite("Realtime step notice", .serialized)
struct StepSourceTests {
    private final class Firings: Sendable {
        private let items = Mutex<[TimerFiring]>([])
        private let signal = DispatchSemaphore(value: 0)
        var handler: @Sendable (TimerFiring) -> Void {
            { firing in
                self.items.withLock { $0.append(firing) }
                self.signal.signal()
            }
        }
        /// Waits for one more firing, at most 10 s (a bound against a hang, not a timing figure).
        func next() -> Bool { signal.wait(timeout: .now() + .seconds(10)) == .success }
        var all: [TimerFiring] { items.withLock { $0 } }
    }

    private let clock = PosixClockPair()

    @Test("a step while armed fires the armed deadline early, on the timer thread, with cause realtimeStep", arguments: DeadlineTimerKind.allCases)
    func stepWhileArmedFires(kind: DeadlineTimerKind) throws {
        let steps = ManualStepSource()
        let timer = try kind.make(stepSource: steps)
        defer { timer.shutdown() }
        #expect(steps.isStarted)
        let firings = Firings()
        // An hour away: only the step can fire it within the test's bound.
        let deadline = clock.monotonicNow() + .seconds(3600)
        try timer.arm(at: deadline, firings.handler)
        // The thread may not be in its wait yet; a notice delivered before is kept, not lost.
        steps.step()
        #expect(firings.next())
        let f = try #require(firings.all.first)
        #expect(f.cause == .realtimeStep)
        #expect(f.deadline == deadline)
        #expect(f.wokeAt < deadline)
        // The deadline was disarmed: re-arming a near one fires normally, once.
        let near = clock.monotonicNow() + .milliseconds(5)
        try timer.arm(at: near, firings.handler)
        #expect(firings.next())
        #expect(firings.all.count == 2)
        #expect(firings.all.last?.cause == .deadline)
        #expect(firings.all.last.map { $0.wokeAt >= near } == true)
    }

    @Test("a step noticed while nothing is armed is delivered at the next arm (its mapping may predate the step)", arguments: DeadlineTimerKind.allCases)
    func stepWhileIdleIsKept(kind: DeadlineTimerKind) throws {
        let steps = ManualStepSource()
        let timer = try kind.make(stepSource: steps)
        defer { timer.shutdown() }
        steps.step()
        let firings = Firings()
        let deadline = clock.monotonicNow() + .seconds(3600)
        try timer.arm(at: deadline, firings.handler)
        #expect(firings.next())
        #expect(firings.all.map(\.cause) == [.realtimeStep])
    }

    @Test("shutting the timer down shuts its step source down", arguments: DeadlineTimerKind.allCases)
    func shutdownStopsSource(kind: DeadlineTimerKind) throws {
        let steps = ManualStepSource()
        let timer = try kind.make(stepSource: steps)
        timer.shutdown()
        #expect(!steps.isStarted)
        #expect(steps.step() == false)
    }

    @Test("the kernel's cancel-on-set timerfd: created, armed on CLOCK_REALTIME, reads 'no step'; its watcher starts and stops")
    func realCancelOnSetTimerfd() throws {
        let source = try CancelOnSetStepSource()
        // No step has happened since it was armed (this machine's clock is never stepped here):
        // the read fails with EAGAIN, not ECANCELED, and the timer has not expired.
        #expect(try source.stepSinceArmed() == false)
        let notices = Mutex(0)
        try source.start { notices.withLock { $0 += 1 } }
        #expect(throws: DeadlineTimerError.self) { try source.start {} }
        source.shutdown()
        source.shutdown()
        #expect(notices.withLock { $0 } == 0)
    }

    @Test("a step-aware timer over the real source still fires for its deadline", arguments: DeadlineTimerKind.allCases)
    func stepAwareTimerFires(kind: DeadlineTimerKind) throws {
        let timer = try kind.makeStepAware()
        defer { timer.shutdown() }
        let firings = Firings()
        let deadline = clock.monotonicNow() + .milliseconds(10)
        try timer.arm(at: deadline, firings.handler)
        #expect(firings.next())
        let f = try #require(firings.all.first)
        #expect(f.cause == .deadline)
        #expect(f.wokeAt >= deadline)
    }
}
