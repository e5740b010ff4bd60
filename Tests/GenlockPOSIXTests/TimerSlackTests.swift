import CGenlockLinux
import Dispatch
import GenlockCore
import GenlockHAL
import GenlockPOSIX
import Testing

@Suite("Timer thread slack")
struct TimerSlackTests {
    @Test("each timer kind's thread runs with 1 ns timer slack", arguments: DeadlineTimerKind.allCases)
    func slackIsOneNanosecond(kind: DeadlineTimerKind) throws {
        let timer = try kind.make()
        defer { timer.shutdown() }
        let box = SlackBox()
        try timer.arm(at: PosixClockPair().monotonicNow()) { _ in
            box.slackNs = genlock_timer_slack_ns()
            box.fired.signal()
        }
        box.fired.wait()
        #expect(box.slackNs == 1)
        // The setting is per thread: the caller keeps its own (the process default).
        #expect(genlock_timer_slack_ns() != 1)
    }
}

/// Written by the timer thread before `fired` is signalled, read after the wait.
private final class SlackBox: @unchecked Sendable {
    var slackNs = -1
    let fired = DispatchSemaphore(value: 0)
}
