import GenlockCore
import Testing

private let rate = try! FrameRate(numerator: 30)
private let periodNs = rate.nominalPeriod.nanoseconds
private let timing = SensorMode.imx708.timing
private let exposureNs: Int64 = 2_000_000
private let freeRunningLines = timing.nominalLines(for: rate.nominalPeriod)

/// A sensor whose frames start exactly one period apart on the node's monotonic clock, stamped at
/// the start of readout and delivered then; realtime is monotonic plus an offset a step moves. The
/// state machine's accounting does not depend on the sensor following the lengths it asks for.
private struct Rig {
    var capture = PhaseLockScheduler(configuration: .init(sensor: timing, exposure: .nanoseconds(exposureNs)))
    /// Monotonic exposure start of the next frame.
    var nextStartNs: Int64 = 10_000_000_000
    var offsetNs: Int64 = 1_700_000_000_000_000_000
    var sequence: Int64 = 0
    var spacingNs = periodNs

    /// A schedule whose `T0` is `framesAgo` periods before the next frame's exposure start
    /// (negative: after it), so that frame is nearest `T(framesAgo)`.
    func schedule(framesAgo: Int64 = 0) -> FrameSchedule {
        FrameSchedule(start: RealtimeInstant(nanosecondsSinceEpoch: nextStartNs + offsetNs - framesAgo * periodNs), rate: rate)
    }

    func sample(atNs ns: Int64) -> ClockSample {
        ClockSample(realtime: RealtimeInstant(nanosecondsSinceEpoch: ns + offsetNs), monotonic: MonotonicInstant(nanoseconds: ns))
    }

    /// START, arriving 50 ms before the next frame starts.
    mutating func start(_ plan: StartPlan) -> PhaseLockScheduler.Actions {
        capture.handle(.start(plan, sample(atNs: nextStartNs - 50_000_000)))
    }

    /// The next frame completes (at its start of readout).
    mutating func frame() -> PhaseLockScheduler.Actions {
        let stampNs = nextStartNs + exposureNs
        defer {
            sequence += 1
            nextStartNs += spacingNs
        }
        return capture.handle(.frameCompleted(sequence: sequence, sensorTimestamp: MonotonicInstant(nanoseconds: stampNs), sample(atNs: stampNs)))
    }

    /// The monotonic time the last frame arrived.
    var lastArrivalNs: Int64 { nextStartNs - spacingNs + exposureNs }
}

private extension PhaseLockScheduler.Actions {
    var requests: [PhaseLockScheduler.Requests] { compactMap { if case .queueRequests(let r) = $0 { r } else { nil } } }
    var numbered: [Int64] { compactMap { if case .frame(let f) = $0 { f.index } else { nil } } }
    var skips: [Range<Int64>] { compactMap { if case .skip(let r) = $0 { r } else { nil } } }
    var states: [PhaseLock.State] { compactMap { if case .stateChanged(let s) = $0 { s.state } else { nil } } }
    var problems: [PhaseLockScheduler.Problem] { compactMap { if case .problem(let p) = $0 { p } else { nil } } }
    var summary: PhaseLockSummary? {
        for case .finish(let s) in self { return s }
        return nil
    }
}

@Suite("PhaseLockScheduler")
struct PhaseLockSchedulerTests {
    @Test func startJoinsAtTheFirstIndexAheadAndKeepsTheControlDelayOfRequestsInFlight() throws {
        var rig = Rig()
        // T0 was 100 frames ago: the first index at least the join margin (5 ms) after START.
        let late = rig.schedule(framesAgo: 100)
        let startNs = rig.nextStartNs - 50_000_000
        let actions = rig.start(StartPlan(schedule: late))
        let expected = try late.firstIndex(after: rig.sample(atNs: startNs).realtime, margin: .milliseconds(5))
        #expect(rig.capture.summary.joinedAt == expected)
        #expect(actions.count == 1)
        let requests = try #require(actions.requests.first)
        #expect(requests.numbers == 0..<Int64(timing.controlDelayFrames))
        #expect(requests.frameLengthLines == freeRunningLines)
        #expect(requests.frameDuration == timing.frameDuration(lines: freeRunningLines))

        // Never before the plan's first index, however early START comes.
        var early = Rig()
        _ = early.start(StartPlan(schedule: early.schedule(framesAgo: -10), firstIndex: 7))
        #expect(early.capture.summary.joinedAt == 7)
    }

    @Test func thePreRollIsSteeredButNotNumbered() {
        var rig = Rig()
        // The first two frames are nearest T−2 and T−1.
        _ = rig.start(StartPlan(schedule: rig.schedule(framesAgo: -2)))
        #expect(rig.capture.status == nil)
        var numbered: [Int64] = []
        var requestNumbers: [Int64] = []
        var states: [PhaseLock.State] = []
        for _ in 0..<4 {
            let actions = rig.frame()
            // Every frame, numbered or not, is answered with exactly one request at a decided length.
            #expect(actions.requests.count == 1)
            requestNumbers += actions.requests.flatMap { Array($0.numbers) }
            numbered += actions.numbered
            states += actions.states
        }
        #expect(numbered == [0, 1])
        #expect(requestNumbers == [3, 4, 5, 6])
        #expect(states == [.acquiring])
        #expect(rig.capture.summary.preRoll == 2)
        #expect(rig.capture.summary.captured == 2)
        #expect(rig.capture.status?.state == .acquiring)
    }

    @Test func aBackwardStepMakesADuplicateThatIsDroppedNotRenumbered() {
        var rig = Rig()
        _ = rig.start(StartPlan(schedule: rig.schedule()))
        for n in 0..<5 { #expect(rig.frame().numbered == [Int64(n)]) }
        // Realtime steps back 0.6 periods: the next frame is nearest T4 again.
        rig.offsetNs -= periodNs * 6 / 10
        let duplicate = rig.frame()
        #expect(duplicate.numbered.isEmpty && duplicate.skips.isEmpty)
        #expect(duplicate.requests.count == 1)  // still steered
        let next = rig.frame()
        #expect(next.numbered == [5] && next.skips.isEmpty)
        #expect(rig.capture.summary.duplicates == 1)
        #expect(rig.capture.summary.skipped == 0)
    }

    @Test func aForwardStepSkipsTheIndicesNoFrameLandedOnJustBeforeTheNextFrame() throws {
        var rig = Rig()
        _ = rig.start(StartPlan(schedule: rig.schedule()))
        for n in 0..<5 { #expect(rig.frame().numbered == [Int64(n)]) }
        // Realtime steps forward 1.4 periods: the next frame is nearest T6, and nothing landed on T5.
        rig.offsetNs += periodNs * 14 / 10
        let actions = rig.frame()
        #expect(actions.skips == [5..<6])
        #expect(actions.numbered == [6])
        let skipAt = try #require(actions.firstIndex { if case .skip = $0 { true } else { false } })
        let frameAt = try #require(actions.firstIndex { if case .frame = $0 { true } else { false } })
        #expect(skipAt < frameAt)
        #expect(rig.capture.summary.skipped == 1)
        #expect(rig.capture.summary.lastIndex == 6)
    }

    @Test func aStopMidRunEndsOnTheFrameBeforeTheStopIndexAndQueuesNothingMore() throws {
        var rig = Rig()
        _ = rig.start(StartPlan(schedule: rig.schedule()))
        for _ in 0..<3 { _ = rig.frame() }
        #expect(rig.capture.handle(.stop(stopIndex: 5)).isEmpty)
        #expect(rig.frame().numbered == [3])
        let last = rig.frame()
        #expect(last.numbered == [4])
        // The camera stops with this frame: a request queued now could only be cancelled.
        #expect(last.requests.isEmpty)
        let summary = try #require(last.summary)
        #expect(summary.outcome == .stopped)
        #expect(summary.stopIndex == 5 && summary.lastIndex == 4 && summary.captured == 5)
        #expect(rig.capture.isFinished)
        #expect(rig.frame().isEmpty)

        // A STOP naming the next index ends the run at once.
        var early = Rig()
        _ = early.start(StartPlan(schedule: early.schedule()))
        for _ in 0..<3 { _ = early.frame() }
        #expect(early.capture.handle(.stop(stopIndex: 3)).summary?.lastIndex == 2)
    }

    @Test func aStopAtOrBeforeTheJoinIndexCapturesNothingAndQueuesNothing() {
        var rig = Rig()
        let plan = StartPlan(schedule: rig.schedule(), firstIndex: 5)
        // STOP can reach a node before START (a late joiner's hello): it is kept for the start.
        #expect(rig.capture.handle(.stop(stopIndex: 5)).isEmpty)
        let actions = rig.start(plan)
        #expect(actions.requests.isEmpty)
        #expect(actions.summary?.outcome == .stopped)
        #expect(actions.summary?.captured == 0)
        #expect(rig.frame().isEmpty)

        var named = Rig()
        let inPlan = named.start(StartPlan(schedule: named.schedule(), firstIndex: 5, stopIndex: 5))
        #expect(inPlan.requests.isEmpty && inPlan.summary?.outcome == .stopped)
    }

    @Test func aRefusedRequestIsOwedToTheNextFrame() {
        var rig = Rig()
        _ = rig.start(StartPlan(schedule: rig.schedule()))
        let refused = rig.capture.handle(.requestRefused(request: 2, reason: "no free buffer"))
        #expect(refused.problems == [.requestNotQueued(request: 2, reason: "no free buffer")])
        #expect(refused.requests.isEmpty)
        #expect(rig.capture.summary.failures == 1)
        // The next frame queues its own request, then the owed one at the free-running length.
        let next = rig.frame().requests
        #expect(next.map(\.numbers) == [3..<4, 4..<5])
        #expect(next.last?.frameLengthLines == freeRunningLines)
        // Owed once: the frame after queues one again.
        #expect(rig.frame().requests.map(\.numbers) == [5..<6])
    }

    @Test func failuresAreCountedAndReplacedWhileRunningAndNotAfterTheRunEnded() throws {
        var rig = Rig()
        _ = rig.start(StartPlan(schedule: rig.schedule()))
        _ = rig.frame()
        let failed = rig.capture.handle(.requestFailed(request: 1, reason: "dropped", rig.sample(atNs: rig.lastArrivalNs + 1_000)))
        #expect(failed.problems == [.requestFailed(request: 1, reason: "dropped")])
        #expect(failed.requests.map(\.numbers) == [4..<5])
        #expect(failed.requests.first?.frameLengthLines == freeRunningLines)
        let missing = rig.capture.handle(.timestampMissing(sequence: 1, rig.sample(atNs: rig.lastArrivalNs + 2_000)))
        #expect(missing.problems == [.timestampMissing(sequence: 1)])
        #expect(missing.requests.map(\.numbers) == [5..<6])
        #expect(rig.capture.summary.failures == 2)

        let finish = try #require(rig.capture.handle(.stop(stopIndex: 1)).summary)
        #expect(finish.failures == 2)
        // The stop's cancellations and whatever fails after it are not the run's failures.
        #expect(rig.capture.handle(.requestFailed(request: 2, reason: "cancelled", rig.sample(atNs: rig.lastArrivalNs + 3_000))).isEmpty)
        #expect(rig.capture.handle(.requestRefused(request: 6, reason: "stopped")).isEmpty)
        #expect(rig.capture.summary == finish)
    }

    @Test func aSilentCameraEndsTheRunOnceTheLimitPassesSinceTheStartOrTheLastCompletion() throws {
        let limit = TimeSpan.seconds(3)
        var rig = Rig()
        #expect(rig.capture.handle(.silenceCheck(now: MonotonicInstant(nanoseconds: rig.nextStartNs), limit: limit)).isEmpty, "not started")
        let startNs = rig.nextStartNs - 50_000_000
        _ = rig.start(StartPlan(schedule: rig.schedule()))
        let atLimit = MonotonicInstant(nanoseconds: startNs) + limit
        #expect(rig.capture.handle(.silenceCheck(now: atLimit - .nanoseconds(1), limit: limit)).isEmpty)
        // A frame counts as hearing from the camera.
        _ = rig.frame()
        let heard = MonotonicInstant(nanoseconds: rig.lastArrivalNs)
        #expect(rig.capture.handle(.silenceCheck(now: atLimit, limit: limit)).isEmpty)
        #expect(rig.capture.handle(.silenceCheck(now: heard + limit - .nanoseconds(1), limit: limit)).isEmpty)
        let summary = try #require(rig.capture.handle(.silenceCheck(now: heard + limit, limit: limit)).summary)
        #expect(summary.outcome == .cameraSilent(limit))
        #expect(summary.captured == 1)
    }

    @Test func aCameraThatIgnoresFrameLengthsIsReportedUnpacedOnceAndStillNumbered() throws {
        var rig = Rig()
        // Frames a millisecond apart, whatever length is asked (libcamera's virtual pipeline).
        rig.spacingNs = 1_000_000
        _ = rig.start(StartPlan(schedule: rig.schedule()))
        var states: [PhaseLock.State] = []
        var problems: [PhaseLockScheduler.Problem] = []
        var numbered: [Int64] = []
        for _ in 0..<200 {
            let actions = rig.frame()
            states += actions.states
            problems += actions.problems
            numbered += actions.numbered
            if actions.states.contains(.unpaced) {
                // The problem follows the state change that it explains.
                let at = try #require(actions.firstIndex { if case .stateChanged = $0 { true } else { false } })
                let next = try #require(at + 1 < actions.count ? actions[at + 1] : nil)
                #expect({ if case .problem(.unpaced) = next { true } else { false } }(), "\(actions)")
            }
        }
        #expect(states == [.acquiring, .unpaced])
        #expect(problems.count == 1)
        if case .unpaced(let interval) = problems.first {
            #expect(interval.measured == .milliseconds(1))
        } else {
            Issue.record("expected the unpaced problem, got \(problems)")
        }
        // 200 ms of frames span Tn for n in 0...6: each numbered once, the rest duplicates.
        #expect(numbered == Array(0...6))
        #expect(rig.capture.summary.duplicates == 200 - 7)
    }

    @Test func aFinishedRunIgnoresEveryEvent() {
        var rig = Rig()
        _ = rig.start(StartPlan(schedule: rig.schedule(), stopIndex: 2))
        _ = rig.frame()
        #expect(rig.frame().summary?.lastIndex == 1)
        let finished = rig.capture.summary
        #expect(rig.start(StartPlan(schedule: rig.schedule())).isEmpty)
        #expect(rig.capture.handle(.stop(stopIndex: 1)).isEmpty)
        #expect(rig.capture.handle(.completionsEnded).isEmpty)
        #expect(rig.capture.summary == finished)
    }
}
