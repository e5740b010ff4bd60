import GenlockCore
import GenlockHAL
import GenlockNode
import GenlockTesting
import Synchronization
import Testing

/// One driver run against a scripted sensor, everything it reported, and the sensor's truth.
private struct Run {
    var summary: PhaseLockSummary
    var frames: [PhaseLockedFrame]
    var states: [PhaseLock.State]
    var skips: [Range<Int64>]
    var problems: [String]
    var camera: ScriptedSensorCamera
    /// The driver's status at the end (what STATUS reports).
    var status: PhaseLock.Status?

    /// The true exposure start of the frame with `sequence`.
    func truth(_ frame: PhaseLockedFrame) -> ScriptedSensorCamera.Truth? {
        camera.truths.first { $0.sequence == frame.frame.sequence }
    }
}

private let monotonicStartNs: Int64 = 1_000_000_000
private let realtimeOffsetNs: Int64 = 1_700_000_000_000_000_000

/// The clocks every run starts from: realtime is monotonic plus `realtimeOffsetNs`.
private func startClock() -> VirtualClockPair {
    VirtualClockPair(monotonic: MonotonicInstant(nanoseconds: monotonicStartNs),
                     realtime: RealtimeInstant(nanosecondsSinceEpoch: monotonicStartNs + realtimeOffsetNs))
}

/// Runs a driver for `plan` over a camera following `script`; `onFrame` may act on the driver
/// (a STOP arriving mid-run).
private func run(
    _ script: ScriptedSensorCamera.Script, plan: StartPlan, exposureNs: Int64 = 2_000_000,
    onFrame: @escaping @Sendable (PhaseLockedFrame, PhaseLockDriver<VirtualClockPair, ScriptedSensorCamera>) -> Void = { _, _ in }
) async -> Run {
    let clock = startClock()
    let camera = ScriptedSensorCamera(script, clock: clock)
    let reports = Mutex<[PhaseLockDriver<VirtualClockPair, ScriptedSensorCamera>.Report]>([])
    let box = Mutex<PhaseLockDriver<VirtualClockPair, ScriptedSensorCamera>?>(nil)
    let driver = PhaseLockDriver(
        camera: camera, clock: clock, configuration: .init(sensor: script.timing, exposure: .nanoseconds(exposureNs))
    ) { report in
        reports.withLock { $0.append(report) }
        if case .frame(let frame) = report {
            if let driver = box.withLock({ $0 }) { onFrame(frame, driver) }
            frame.frame.release()
        }
    }
    box.withLock { $0 = driver }
    driver.start(plan)
    camera.beginDelivering()
    let summary = await driver.run()
    var result = Run(summary: summary, frames: [], states: [], skips: [], problems: [], camera: camera, status: driver.status)
    for report in reports.withLock({ $0 }) {
        switch report {
        case .frame(let f): result.frames.append(f)
        case .stateChanged(let s): result.states.append(s.state)
        case .skip(let r): result.skips.append(r)
        case .problem(let p): result.problems.append(p)
        case .notice, .finish: break
        }
    }
    return result
}

private let rate = try! FrameRate(numerator: 30, denominator: 1)
private let periodNs = rate.nominalPeriod.nanoseconds

/// A schedule whose `T0` is `framesAhead` periods after the sensor's first exposure start, plus
/// `phaseNs`: the sensor starts that far off the grid.
private func schedule(firstStartNs: Int64, framesAhead: Int64, phaseNs: Int64) -> FrameSchedule {
    FrameSchedule(
        start: RealtimeInstant(nanosecondsSinceEpoch: firstStartNs + realtimeOffsetNs + framesAhead * periodNs + phaseNs), rate: rate)
}

@Suite("PhaseLockDriver")
struct PhaseLockDriverTests {
    @Test(arguments: [SensorMode.imx708, SensorMode.imx296])
    func convergesFromHalfAFrameOffAndStaysOnTn(mode: SensorMode) async throws {
        let firstStart = monotonicStartNs + 10_000_000
        // Half a period (less a microsecond, so the nearest Tn is unambiguous) off the grid, a
        // sensor crystal 40 ppm fast.
        let plan = StartPlan(schedule: schedule(firstStartNs: firstStart, framesAhead: 3, phaseNs: periodNs / 2 - 1_000), stopIndex: 150)
        let script = ScriptedSensorCamera.Script(
            timing: mode.timing, crystalPpb: 40_000, firstStart: MonotonicInstant(nanoseconds: firstStart), initialLines: mode.timing.nominalLines(for: rate.nominalPeriod))
        let r = await run(script, plan: plan)

        #expect(r.summary.outcome == .stopped)
        #expect(r.frames.map(\.index) == Array(0..<150))
        #expect(r.summary.captured == 150 && r.summary.skipped == 0 && r.summary.duplicates == 0)
        #expect(r.summary.preRoll == 3)  // the frames nearest T−3…T−1 were steered, not numbered
        // It really started half a frame off: the first pre-roll frame's truth.
        let first = try #require(r.camera.truths.first)
        let firstError = (first.exposureStart - plan.schedule.start).nanoseconds + 3 * periodNs
        #expect(abs(firstError) > periodNs * 45 / 100)
        #expect(r.states == [.acquiring, .locked])
        // STATUS reports the state and the phase error of the last frame.
        #expect(r.status?.state == .locked)
        #expect(r.status?.phaseError == r.frames.last?.phaseError)

        // Locked within the control delay, one correction and framesToLock frames, with slack for
        // the frequency estimate to settle: 20 frames.
        let lockedAt = try #require(r.frames.firstIndex { $0.state == .locked })
        #expect(lockedAt + 3 <= 20)
        // Once locked every true exposure start is on Tn within a line (the length is whole lines)
        // plus the timestamp jitter twice (measured once, corrected once).
        let bound = mode.timing.lineTimePs / 1000 + 2 * script.jitter.nanoseconds
        for frame in r.frames[lockedAt...] {
            let truth = try #require(r.truth(frame))
            let trueError = (truth.exposureStart - frame.scheduled).nanoseconds
            #expect(abs(trueError) <= bound, "frame \(frame.index): true phase error \(trueError) ns")
            // The reported error is the measured one: truth plus at most the jitter.
            #expect(frame.phaseError == frame.exposureStart - frame.scheduled)
            // The timestamp (start of readout) on the same sample's timeline: one exposure later.
            #expect(frame.sensorRealtime - frame.exposureStart == .milliseconds(2))
            #expect(abs(frame.phaseError.nanoseconds - trueError) <= script.jitter.nanoseconds)
        }
        // The sensor ran at lengths the controller chose, not at the free-running length.
        #expect(Set(r.camera.programmedLines).count > 2)
        let counts = r.camera.counts
        #expect(counts.released == counts.delivered)
        #expect(r.camera.isStopped)
    }

    @Test func clockStepsNeverRenumberAndEveryIndexIsCapturedOrSkippedOnce() async throws {
        let mode = SensorMode.imx296
        let firstStart = monotonicStartNs + 10_000_000
        let plan = StartPlan(schedule: schedule(firstStartNs: firstStart, framesAhead: 1, phaseNs: 0), stopIndex: 200)
        var script = ScriptedSensorCamera.Script(
            timing: mode.timing, crystalPpb: -25_000, firstStart: MonotonicInstant(nanoseconds: firstStart), initialLines: mode.timing.nominalLines(for: rate.nominalPeriod))
        script.realtimeSteps = [60: .nanoseconds(-periodNs * 6 / 10), 120: .nanoseconds(periodNs * 3 / 2)]
        let r = await run(script, plan: plan)

        #expect(r.summary.outcome == .stopped)
        let indices = r.frames.map(\.index)
        #expect(zip(indices, indices.dropFirst()).allSatisfy { $0 < $1 }, "indices: \(indices)")
        for frame in r.frames { #expect(frame.scheduled == (try plan.schedule.deadline(of: frame.index))) }
        // The backward step made a frame nearest an index already taken: dropped, not renumbered.
        #expect(r.summary.duplicates >= 1)
        // The forward step jumped over indices: reported as skips, so each index is accounted once.
        #expect(!r.skips.isEmpty)
        let skipped = Set(r.skips.flatMap { Array($0) })
        #expect(skipped.isDisjoint(with: indices))
        #expect(skipped.union(indices) == Set(0..<200))
        #expect(r.summary.skipped == Int64(skipped.count))
        // Each step broke the lock, and the loop found Tn again.
        #expect(r.states.first == .acquiring && r.states.last == .locked)
        #expect(r.states.filter { $0 == .lost }.count == 2, "states: \(r.states)")
        let counts = r.camera.counts
        #expect(counts.released == counts.delivered)
    }

    @Test func aStopMidRunEndsOnTheFrameBeforeTheStopIndex() async throws {
        let mode = SensorMode.imx708
        let firstStart = monotonicStartNs + 10_000_000
        let plan = StartPlan(schedule: schedule(firstStartNs: firstStart, framesAhead: 1, phaseNs: periodNs / 4))
        let script = ScriptedSensorCamera.Script(
            timing: mode.timing, firstStart: MonotonicInstant(nanoseconds: firstStart), initialLines: mode.timing.nominalLines(for: rate.nominalPeriod))
        // STOP arrives with frame 20: stop index 24, as a coordinator's margin would give.
        let r = await run(script, plan: plan) { frame, driver in
            if frame.index == 20 { driver.stop(at: 24) }
        }
        #expect(r.summary.outcome == .stopped)
        #expect(r.summary.stopIndex == 24)
        #expect(r.frames.map(\.index) == Array(0..<24))
        #expect(r.summary.lastIndex == 23)
        #expect(r.camera.isStopped)
        // The requests still in flight were cancelled (a frame may complete while the stop is on
        // its way: it is released, not reported), and every request was accounted for.
        let counts = r.camera.counts
        #expect(counts.cancelled >= 1)
        #expect(counts.queued == counts.delivered + counts.cancelled)
        #expect(counts.released == counts.delivered)
    }

    @Test func aLateJoinerNumbersFromTheJoinIndexAndAStopBeforeItCapturesNothing() async throws {
        let mode = SensorMode.imx708
        let firstStart = monotonicStartNs + 10_000_000
        // T0 was 100 frames ago: the first index at least the join margin ahead is about 100.
        let late = schedule(firstStartNs: firstStart, framesAhead: -100, phaseNs: 0)
        let script = ScriptedSensorCamera.Script(
            timing: mode.timing, firstStart: MonotonicInstant(nanoseconds: firstStart), initialLines: mode.timing.nominalLines(for: rate.nominalPeriod))
        let joined = await run(script, plan: StartPlan(schedule: late, firstIndex: 0, stopIndex: 130))
        let join = try #require(joined.summary.joinedAt)
        let expectedJoin = try late.firstIndex(
            after: RealtimeInstant(nanosecondsSinceEpoch: monotonicStartNs + realtimeOffsetNs), margin: .milliseconds(5))
        #expect(join == expectedJoin)
        #expect(joined.frames.first?.index == join)
        #expect(joined.frames.map(\.index) == Array(join..<130))

        let none = await run(script, plan: StartPlan(schedule: late, firstIndex: 0, stopIndex: join))
        #expect(none.summary.outcome == .stopped)
        #expect(none.frames.isEmpty)
        #expect(none.camera.counts.queued == 0)
    }

    @Test func aFailedRequestIsCountedReplacedAndItsIndexSkipped() async throws {
        let mode = SensorMode.imx708
        let firstStart = monotonicStartNs + 10_000_000
        let plan = StartPlan(schedule: schedule(firstStartNs: firstStart, framesAhead: 1, phaseNs: 0), stopIndex: 60)
        var script = ScriptedSensorCamera.Script(
            timing: mode.timing, firstStart: MonotonicInstant(nanoseconds: firstStart), initialLines: mode.timing.nominalLines(for: rate.nominalPeriod))
        script.failing = [30]
        let r = await run(script, plan: plan)
        #expect(r.summary.outcome == .stopped)
        #expect(r.summary.failures == 1)
        #expect(r.problems.count == 1 && r.problems[0].contains("scripted failure"))
        #expect(r.skips == [29..<30])
        #expect(r.frames.map(\.index) == Array(0..<29) + Array(30..<60))
    }

    @Test(arguments: [SensorMode.imx708, SensorMode.imx296])
    func aRefusedRequestIsQueuedAgainSoTheLockStaysOnTn(mode: SensorMode) async throws {
        let firstStart = monotonicStartNs + 10_000_000
        let plan = StartPlan(schedule: schedule(firstStartNs: firstStart, framesAhead: 1, phaseNs: periodNs / 2), stopIndex: 120)
        var script = ScriptedSensorCamera.Script(
            timing: mode.timing, firstStart: MonotonicInstant(nanoseconds: firstStart), initialLines: mode.timing.nominalLines(for: rate.nominalPeriod))
        let clean = await run(script, plan: plan)
        script.refusing = [40]
        let r = await run(script, plan: plan)
        #expect(r.summary.outcome == .stopped)
        #expect(r.problems.count == 1 && r.problems[0].contains("not queued"))
        // The refused request was made good, so the lengths kept landing on the frames they were
        // decided for: the run ends locked, on the stop index, with every true start near Tn.
        #expect(r.states.last == .locked)
        #expect(r.frames.last?.index == 119)
        // As many requests were in flight when the stop cancelled them as in a run with no refusal.
        #expect(r.camera.counts.cancelled == clean.camera.counts.cancelled)
        let lineNs = mode.timing.lineTimePs / 1000
        for frame in r.frames.suffix(20) {
            let truth = try #require(r.truth(frame))
            #expect(abs((truth.exposureStart - frame.scheduled).nanoseconds) <= lineNs + 2 * 2_000, "frame \(frame.index)")
        }
    }

    @Test func theCameraEndingBeforeTheStopIndexIsReportedAsSuch() async {
        let mode = SensorMode.imx708
        let firstStart = monotonicStartNs + 10_000_000
        let plan = StartPlan(schedule: schedule(firstStartNs: firstStart, framesAhead: 1, phaseNs: 0), stopIndex: 1_000)
        var script = ScriptedSensorCamera.Script(
            timing: mode.timing, firstStart: MonotonicInstant(nanoseconds: firstStart), initialLines: mode.timing.nominalLines(for: rate.nominalPeriod))
        script.maxFrames = 40
        let r = await run(script, plan: plan)
        #expect(r.summary.outcome == .cameraEnded)
        #expect(r.summary.captured == 39)
    }

    @Test func aCameraThatFallsSilentEndsTheRunOnceTheLimitPasses() async throws {
        let mode = SensorMode.imx708
        let firstStart = monotonicStartNs + 10_000_000
        let plan = StartPlan(schedule: schedule(firstStartNs: firstStart, framesAhead: 1, phaseNs: 0), stopIndex: 1_000)
        var script = ScriptedSensorCamera.Script(
            timing: mode.timing, firstStart: MonotonicInstant(nanoseconds: firstStart), initialLines: mode.timing.nominalLines(for: rate.nominalPeriod))
        script.stallAt = 20
        let clock = startClock()
        let camera = ScriptedSensorCamera(script, clock: clock)
        let driver = PhaseLockDriver(camera: camera, clock: clock, configuration: .init(sensor: mode.timing, exposure: .milliseconds(2))) { report in
            if case .frame(let frame) = report { frame.frame.release() }
        }
        let limit = TimeSpan.seconds(3)
        // Silence is counted from the start, before any frame.
        #expect(!driver.endIfSilent(for: limit))
        driver.start(plan)
        camera.beginDelivering()
        let running = Task { await driver.run() }
        // Wait (bounded) until the 20 frames before the stall went through the driver.
        for _ in 0..<2_000 where camera.counts.released < 20 { try await Task.sleep(for: .milliseconds(1)) }
        #expect(camera.counts.released == 20)
        let lastHeard = clock.monotonicNow()
        clock.advance(to: lastHeard + limit - .nanoseconds(1))
        #expect(!driver.endIfSilent(for: limit), "one nanosecond short of the limit")
        #expect(!camera.isStopped)
        clock.advance(to: lastHeard + limit)
        #expect(driver.endIfSilent(for: limit))
        let summary = await running.value
        #expect(summary.outcome == .cameraSilent(limit))
        #expect(summary.captured == 19)  // frame 0 of the sensor is the pre-roll before index 0
        #expect(camera.isStopped)
        #expect(!driver.endIfSilent(for: limit), "a finished run is not ended twice")
    }
}
