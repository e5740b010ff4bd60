import GenlockCore
import GenlockNode
import Testing

/// The node's lifecycle rules, with no loop, no clock and no process: events in, actions out.
@Suite struct NodeLifecycleTests {
    let plan: StartPlan
    /// A clock reading `offset` after T0 (monotonic runs 1 000 s behind realtime's epoch offset).
    func at(_ offset: TimeSpan) -> ClockSample {
        let realtime = plan.schedule.start + offset
        return ClockSample(realtime: realtime, monotonic: MonotonicInstant(nanoseconds: 1_000_000_000_000 + offset.nanoseconds))
    }

    init() throws {
        plan = StartPlan(schedule: FrameSchedule(start: RealtimeInstant(nanosecondsSinceEpoch: 1_800_000_000_000_000_000), rate: try FrameRate(numerator: 30)))
    }

    static let timeout = TimeSpan.seconds(30)

    func capturing(_ configuration: NodeLifecycle.Configuration = .init(coordinatorTimeout: timeout)) -> NodeLifecycle {
        var node = NodeLifecycle(configuration: configuration)
        #expect(node.handle(.scheduleReceived(plan, at(.seconds(-1)))) == [.beginCapture(plan)])
        return node
    }

    @Test func aCleanRunBeginsStopsClosesReportsAndExitsZero() {
        var node = capturing()
        #expect(node.handle(.stopReceived(90)) == [.stopCapture(at: 90)])
        #expect(node.handle(.captureFinished(stopIndex: 90, failure: nil)) == [.closeRecording(stopIndex: 90)])
        #expect(node.handle(.recordingClosed(failure: nil)) == [.sendStatus(finished: true), .exit(NodeExit(status: 0, reason: nil))])
        #expect(node.phase == .exited(NodeExit(status: 0, reason: nil)))
        #expect(node.handle(.tick(at(.seconds(5)), lastCaptured: nil)).isEmpty)
    }

    @Test func aLocalStopLandsOnTheFirstFrameAtLeastTheJoinMarginAhead() {
        var node = capturing()
        // 10.01 ms after T0 + 30 frames: frame 30 is 0.01 ms behind, 31 is 33.3 − 0.01 ms ahead (≥ 5 ms).
        let sample = at(TimeSpan(nanoseconds: 1_000_000_000 + 10_000))
        #expect(node.handle(.localStop(reason: "SIGTERM", sample, lastCaptured: 30)) == [.log(.info, "SIGTERM: stopping at index 31"), .stopCapture(at: 31)])
        // A later STOP further on changes nothing; an earlier one wins.
        #expect(node.handle(.stopReceived(40)).isEmpty)
        #expect(node.handle(.stopReceived(35)).isEmpty)
        #expect(node.handle(.stopReceived(31)).isEmpty)
        #expect(node.handle(.stopReceived(30)) == [.stopCapture(at: 30)])
        #expect(node.stopIndex == 30)
    }

    @Test func aLocalStopBeforeStartExitsCleanlyAndAStopBeforeStartIsKept() {
        var stopped = NodeLifecycle()
        #expect(stopped.handle(.stopReceived(12)).isEmpty)
        var plan = self.plan
        plan.stopIndex = 20
        var expected = plan
        expected.stopIndex = 12
        #expect(stopped.handle(.scheduleReceived(plan, at(.zero))) == [.beginCapture(expected)])

        var interrupted = NodeLifecycle()
        let actions = interrupted.handle(.localStop(reason: "SIGINT", at(.zero), lastCaptured: nil))
        #expect(actions == [.exit(NodeExit(status: 0, reason: "SIGINT before START: nothing was recorded"))])
    }

    @Test func losingTheCoordinatorStopsOnlyAfterTheTimeoutOnTheMonotonicClock() {
        var node = capturing()
        #expect(node.handle(.coordinatorHeard(at(.seconds(2)), coordinatorTime: nil)).isEmpty)
        #expect(node.handle(.tick(at(.seconds(31)), lastCaptured: nil)) == [.sendStatus(finished: false)])
        // Realtime stepped back 20 s meanwhile: the timeout still counts monotonic time.
        var stepped = at(.seconds(32))
        stepped.realtime = stepped.realtime - .seconds(20)
        // Frames up to 900 were captured before the step: the stop never lands before them,
        // although "reachable" by the stepped clock is about index 360.
        let actions = node.handle(.tick(stepped, lastCaptured: 900))
        #expect(actions.first == .sendStatus(finished: false))
        let stop: Int64? = 901
        #expect(actions.dropFirst().last == stop.map { .stopCapture(at: $0) })
        let warnings = actions.compactMap { if case .log(.warning, let text) = $0 { text } else { nil } }
        #expect(warnings.count == 1)
        #expect(warnings.first?.hasPrefix("no authenticated frame from the coordinator for 30 s") == true)
        #expect(warnings.first?.hasSuffix("stopping at index \(stop ?? -1); frames recorded so far are kept") == true)
        // Once only.
        #expect(node.handle(.tick(at(.seconds(40)), lastCaptured: nil)) == [.sendStatus(finished: false)])
    }

    @Test func theTimeoutRunsFromStartWhenNothingElseIsHeard() {
        // A coordinator that sends START and then nothing (hung, or gone with its connection
        // still open): the START was its last authenticated frame.
        var node = capturing(.init(coordinatorTimeout: .seconds(5)))
        #expect(node.handle(.tick(at(.milliseconds(3_900)), lastCaptured: 100)) == [.sendStatus(finished: false)])
        #expect(node.handle(.tick(at(.milliseconds(4_100)), lastCaptured: 120)).contains { if case .stopCapture = $0 { true } else { false } })
    }

    @Test func hearingTheCoordinatorAgainResetsTheTimeout() {
        var node = capturing()
        _ = node.handle(.coordinatorHeard(at(.seconds(2)), coordinatorTime: nil))
        _ = node.handle(.coordinatorHeard(at(.seconds(20)), coordinatorTime: nil))
        #expect(node.lastHeard?.at == at(.seconds(20)).monotonic)
        #expect(node.handle(.tick(at(.milliseconds(49_900)), lastCaptured: nil)) == [.sendStatus(finished: false)])
        #expect(node.handle(.tick(at(.seconds(50)), lastCaptured: nil)).count == 3)
    }

    /// Issue 13, item 2: nodes that heard the same last HEARTBEAT (at different instants, ticking
    /// at different phases) all stop on one index: the first frame at or after the coordinator's
    /// time in it plus the timeout plus the loss grace.
    @Test func everyNodeThatHeardTheSameLastHeartbeatStopsOnTheSameIndex() throws {
        let sent = plan.schedule.start + .seconds(2)
        var stops: [Int64] = []
        for (delayUs, tickPhaseMs) in [(80, 0), (350, 170), (1_200, 420), (90, 499)] as [(Int64, Int64)] {
            var node = capturing(.init(coordinatorTimeout: .seconds(5)))
            _ = node.handle(.coordinatorHeard(at(.seconds(2) + .microseconds(delayUs)), coordinatorTime: sent))
            var tick = TimeSpan.seconds(2) + .milliseconds(tickPhaseMs)
            var stop: Int64?
            while stop == nil, tick < .seconds(10) {
                for case .stopCapture(let index) in node.handle(.tick(at(tick), lastCaptured: 10)) { stop = index }
                tick = tick + .milliseconds(500)
            }
            stops.append(try #require(stop))
        }
        let expected = try plan.schedule.firstIndex(atOrAfter: sent + .seconds(5) + .seconds(1))
        #expect(stops == Array(repeating: expected, count: 4))
    }

    @Test func aCoordinatorTimeFarOffNeitherTrapsNorKeepsTheNodeRecording() throws {
        for far in [Int64.min, -1, 0, Int64.max - 1, Int64.max] {
            var node = capturing(.init(coordinatorTimeout: .seconds(5)))
            _ = node.handle(.coordinatorHeard(at(.seconds(1)), coordinatorTime: RealtimeInstant(nanosecondsSinceEpoch: far)))
            let now = at(.seconds(6))
            let actions = node.handle(.tick(now, lastCaptured: 10))
            let stop = try #require(actions.lazy.compactMap { if case .stopCapture(let i) = $0 { i } else { nil } }.first)
            let reachable = try plan.schedule.firstIndex(after: now.realtime, margin: .milliseconds(5))
            let latest = try plan.schedule.firstIndex(after: now.realtime, margin: .seconds(1))
            #expect((reachable...latest).contains(stop), "coordinator time \(far)")
        }
    }

    @Test func aStandaloneNodeHasNoCoordinatorToLose() {
        var node = capturing(NodeLifecycle.Configuration(coordinatorTimeout: nil))
        _ = node.handle(.coordinatorHeard(at(.zero), coordinatorTime: nil))
        #expect(node.handle(.tick(at(.seconds(3600)), lastCaptured: nil)) == [.sendStatus(finished: false)])
    }

    @Test func aDeadlineThatCannotBeArmedEndsTheRunAndTheNodeExitsOne() {
        var node = capturing()
        let actions = node.handle(.armFailed(reason: "timerfd_settime: EINVAL"))
        #expect(actions.last == .abortCapture)
        #expect(node.handle(.captureFinished(stopIndex: nil, failure: nil)) == [.closeRecording(stopIndex: nil)])
        let exit = NodeExit(status: 1, reason: "arming the deadline timer failed: timerfd_settime: EINVAL")
        #expect(node.handle(.recordingClosed(failure: nil)) == [.sendStatus(finished: true), .exit(exit)])
    }

    @Test func aRecordingFailureStopsAtTheNextReachableFrameKeepsTheFirstFailureAndExitsOne() {
        var node = capturing()
        let actions = node.handle(.recordingFailed(reason: "disk full", at(.milliseconds(100)), lastCaptured: 2))
        #expect(actions.first == .log(.error, "recording failed: disk full"))
        #expect(actions.last == .stopCapture(at: 4))
        #expect(node.handle(.recordingFailed(reason: "disk still full", at(.milliseconds(120)), lastCaptured: 3)).isEmpty)
        _ = node.handle(.captureFinished(stopIndex: 4, failure: nil))
        #expect(node.handle(.recordingClosed(failure: "could not finalize")).last == .exit(NodeExit(status: 1, reason: "recording failed: disk full")))
    }

    @Test func aFailedRunExitsOneWithItsReason() {
        var node = capturing()
        _ = node.handle(.captureFinished(stopIndex: nil, failure: "the camera delivered nothing for 3s"))
        #expect(node.handle(.recordingClosed(failure: nil)).last == .exit(NodeExit(status: 1, reason: "the camera delivered nothing for 3s")))
    }

    @Test func statusGoesOutOnEveryTickBeforeAndDuringTheRunAndASecondStartChangesNothing() {
        var node = NodeLifecycle()
        #expect(node.handle(.tick(at(.zero), lastCaptured: nil)) == [.sendStatus(finished: false)])
        _ = node.handle(.scheduleReceived(plan, at(.zero)))
        #expect(node.handle(.scheduleReceived(plan, at(.seconds(1)))).isEmpty)
        #expect(node.handle(.tick(at(.seconds(1)), lastCaptured: nil)) == [.sendStatus(finished: false)])
    }
}
