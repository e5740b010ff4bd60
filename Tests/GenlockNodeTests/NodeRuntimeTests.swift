import GenlockControl
import GenlockCore
import GenlockHAL
import GenlockNode
import GenlockTesting
import Synchronization
import Testing

/// The whole node — lifecycle, request-timed capture, the real ``CaptureDriver`` — in virtual time,
/// with no process, thread or socket: time moves only when the test advances it.
@Suite struct NodeRuntimeTests {
    /// What the node did, as the host would see it.
    final class Host: Sendable {
        struct Seen {
            var captured: [Int64] = []
            var skipped: [Range<Int64>] = []
            var stoppedAt: Int64?
            var closedAt: Int64??
            var statuses: [ControlMessage.Status] = []
            var logs: [String] = []
            var exit: NodeExit?
        }
        let seen = Mutex(Seen())
        var value: Seen { seen.withLock { $0 } }
    }

    /// Records captures the way a recording would, and when it was stopped and closed.
    final class Output: CaptureOutput {
        let host: Host
        let closeFailure: String?
        init(_ host: Host, closeFailure: String? = nil) {
            self.host = host
            self.closeFailure = closeFailure
        }
        func capture(_ request: CaptureRequest) { host.seen.withLock { $0.captured.append(request.index) } }
        func skipped(_ range: Range<Int64>) { host.seen.withLock { $0.skipped.append(range) } }
        func stop(at index: Int64) { host.seen.withLock { $0.stoppedAt = index } }
        func close(stopIndex: Int64?) -> String? {
            host.seen.withLock { $0.closedAt = .some(stopIndex) }
            return closeFailure
        }
    }

    let clock = VirtualClockPair()
    let host = Host()
    let period = TimeSpan(nanoseconds: 33_333_333)

    func node(timeout: TimeSpan? = .seconds(30), closeFailure: String? = nil) -> NodeRuntime {
        let host = self.host
        let capture = RequestTimedCapture(
            clock: clock, timer: ManualDeadlineTimer(clock: clock), joinMargin: .milliseconds(5),
            makeOutput: { _, _ in Output(host, closeFailure: closeFailure) })
        return NodeRuntime(
            configuration: .init(joinMargin: .milliseconds(5), coordinatorTimeout: timeout), clock: clock, capture: capture,
            outputs: .init(
                sendStatus: { status in host.seen.withLock { $0.statuses.append(status) } },
                ptp: { PTPReport(locked: true, offsetNs: 12, portState: "SLAVE") },
                log: { _, text in host.seen.withLock { $0.logs.append(text) } },
                exit: { result in host.seen.withLock { $0.exit = result } }))
    }

    func plan(startingIn lead: TimeSpan, stopIndex: Int64? = nil) throws -> StartPlan {
        StartPlan(schedule: FrameSchedule(start: clock.realtimeNow + lead, rate: try FrameRate(numerator: 30)), stopIndex: stopIndex)
    }

    @Test func aStandaloneRunCapturesEveryIndexOnceClosesAndExitsZero() throws {
        let runtime = node(timeout: nil)
        runtime.scheduleReceived(try plan(startingIn: .milliseconds(100), stopIndex: 30))
        clock.run()
        let seen = host.value
        #expect(seen.captured == Array(0..<30))
        #expect(seen.closedAt == .some(30))
        #expect(seen.exit == NodeExit(status: 0, reason: nil))
        #expect(seen.statuses.last?.finished == true)
        #expect(seen.statuses.last?.framesCaptured == 30)
        #expect(clock.pendingDeadlines.isEmpty)
    }

    @Test func sigtermStopsAtTheNextReachableFrameAndClosesTheRecording() throws {
        let runtime = node()
        runtime.scheduleReceived(try plan(startingIn: .milliseconds(100)))
        // 10 frames in, plus 1 ms: frame 10 is 1 ms behind, 11 is 32 ms ahead.
        clock.advance(by: .milliseconds(100) + TimeSpan(nanoseconds: period.nanoseconds * 10) + .milliseconds(1))
        #expect(host.value.captured == Array(0...10))
        runtime.localStop(reason: "SIGTERM")
        clock.run()
        let seen = host.value
        #expect(seen.logs.contains("SIGTERM: stopping at index 11"))
        #expect(seen.stoppedAt == 11)
        #expect(seen.captured == Array(0...10))
        #expect(seen.closedAt == .some(11))
        #expect(seen.exit == NodeExit(status: 0, reason: nil))
    }

    @Test func aLostCoordinatorEndsTheRunAfterItsTimeoutOfMonotonicTimeAndTicksSendStatus() throws {
        let runtime = node(timeout: .seconds(2))
        // START is the coordinator's last authenticated frame: nothing is heard after it.
        runtime.scheduleReceived(try plan(startingIn: .milliseconds(100)))
        // Ticks every 500 ms, as the host does; realtime is stepped back 5 s midway, which must
        // not stretch the timeout.
        for tick in 1...6 {
            clock.advance(by: .milliseconds(500))
            if tick == 2 { clock.stepRealtime(by: .seconds(-5)) }
            runtime.tick()
        }
        clock.run()
        let seen = host.value
        #expect(seen.statuses.filter { !$0.finished }.count >= 4)
        #expect(seen.logs.contains { $0.hasPrefix("no authenticated frame from the coordinator for 2 s") })
        #expect(seen.exit == NodeExit(status: 0, reason: nil))
        // It stopped at the first frame it had not captured (the shared loss index, T0 + 2.9 s, is
        // beyond the latest it accepts after the 5 s step back).
        let stop = try #require(seen.stoppedAt)
        #expect(seen.captured.last.map { $0 + 1 } == stop)
    }

    /// A timer whose arming fails from the `failingFrom`-th arm on (as timerfd_settime could).
    final class FailingTimer: DeadlineTimer {
        let base: ManualDeadlineTimer
        let failingFrom: Int
        let arms = Mutex(0)
        init(_ base: ManualDeadlineTimer, failingFrom: Int) {
            self.base = base
            self.failingFrom = failingFrom
        }
        func arm(at deadline: MonotonicInstant, _ handler: @escaping @Sendable (TimerFiring) -> Void) throws(DeadlineTimerError) {
            let n = arms.withLock { count in
                count += 1
                return count
            }
            guard n < failingFrom else { throw .system(operation: "timerfd_settime", detail: "EINVAL") }
            try base.arm(at: deadline, handler)
        }
        func cancel() { base.cancel() }
        func shutdown() { base.shutdown() }
    }

    @Test func aDeadlineTheTimerCannotArmEndsTheRunWithExitOne() throws {
        let clock = self.clock, host = self.host
        // Frames 0, 1, 2 are armed and captured; arming frame 3 fails.
        let timer = FailingTimer(ManualDeadlineTimer(clock: clock), failingFrom: 4)
        let capture = RequestTimedCapture(clock: clock, timer: timer, joinMargin: .milliseconds(5), makeOutput: { _, _ in Output(host) })
        let runtime = NodeRuntime(
            configuration: .init(), clock: clock, capture: capture,
            outputs: .init(
                sendStatus: { _ in }, ptp: { .unknown }, log: { _, text in host.seen.withLock { $0.logs.append(text) } },
                exit: { result in host.seen.withLock { $0.exit = result } }))
        runtime.scheduleReceived(try plan(startingIn: .milliseconds(100)))
        clock.run()
        let seen = host.value
        #expect(seen.captured == [0, 1, 2])
        #expect(seen.exit == NodeExit(status: 1, reason: "arming the deadline timer failed: timerfd_settime: EINVAL"))
        #expect(seen.closedAt == .some(nil))
        // Nothing is left armed: the run did not wait for a deadline that could never fire.
        #expect(clock.pendingDeadlines.isEmpty)
    }

    @Test func aRecordingThatFailsToCloseMakesTheNodeExitOne() throws {
        let runtime = node(timeout: nil, closeFailure: "disk full")
        runtime.scheduleReceived(try plan(startingIn: .milliseconds(100), stopIndex: 3))
        clock.run()
        #expect(host.value.exit == NodeExit(status: 1, reason: "recording failed: disk full"))
    }
}
