import GenlockCore
import Testing

/// Scripted clocks: realtime = monotonic + offset, where the test moves the offset to model steps.
private struct ScriptedClock {
    var monotonicNs: Int64 = 5_000_000_000
    var offsetNs: Int64 = 1_700_000_000_000_000_000 - 5_000_000_000

    var sample: ClockSample {
        ClockSample(
            realtime: RealtimeInstant(nanosecondsSinceEpoch: monotonicNs + offsetNs),
            monotonic: MonotonicInstant(nanoseconds: monotonicNs), uncertainty: .nanoseconds(100))
    }
    var realtime: RealtimeInstant { sample.realtime }
}

private let rate30 = try! FrameRate(parsing: "30")

private extension CaptureScheduler.Actions {
    var armed: FrameDeadline? {
        for case .armDeadline(let d) in self { return d }
        return nil
    }
    var captured: [Int64] { compactMap { if case .capture(let c) = $0 { c.index } else { nil } } }
    var skipped: [Range<Int64>] { compactMap { if case .skip(let r) = $0 { r } else { nil } } }
    var summary: CaptureSummary? {
        for case .finish(let s) in self { return s }
        return nil
    }
}

@Suite("CaptureScheduler")
struct CaptureSchedulerTests {
    /// Runs the scheduler the way a driver does: fire each armed deadline exactly on time (plus
    /// `latencyNs`), until it finishes. Returns captured indices and the summary.
    private func runToEnd(
        _ scheduler: inout CaptureScheduler, _ clock: inout ScriptedClock, first: CaptureScheduler.Actions,
        latencyNs: Int64 = 20_000, beforeFiring: (Int64, inout ScriptedClock) -> Void = { _, _ in }
    ) -> ([Int64], CaptureSummary?) {
        var actions = first
        var captured: [Int64] = []
        var guardCount = 0
        while let d = actions.armed, guardCount < 10_000 {
            guardCount += 1
            // Monotonic time moves forward to the armed deadline (a timer never fires early on its own clock).
            clock.monotonicNs = max(clock.monotonicNs, d.deadline.nanoseconds + latencyNs)
            beforeFiring(d.index, &clock)
            actions = scheduler.handle(.deadlineReached(deadline: d.deadline, clock.sample))
            captured += actions.captured
            if let s = actions.summary { return (captured, s) }
        }
        return (captured, actions.summary)
    }

    @Test func capturesEveryFrameOnTimeWithFreshMapping() throws {
        var clock = ScriptedClock()
        let schedule = FrameSchedule(start: clock.realtime + .milliseconds(100), rate: rate30)
        var scheduler = CaptureScheduler()
        let first = scheduler.handle(.start(StartPlan(schedule: schedule, stopIndex: 30), clock.sample))
        let d0 = try #require(first.armed)
        #expect(d0.index == 0)
        #expect(d0.deadline == clock.sample.monotonic(at: schedule.start))
        let (captured, summary) = runToEnd(&scheduler, &clock, first: first)
        #expect(captured == Array(0..<30))
        #expect(summary?.captured == 30)
        #expect(summary?.skipped == 0)
        #expect(summary?.lastIndex == 29)
        #expect(summary?.outcome == .stopped)
    }

    @Test func forwardStepBetweenArmingAndFiringSkipsAndNeverRenumbers() throws {
        var clock = ScriptedClock()
        let schedule = FrameSchedule(start: clock.realtime + .milliseconds(100), rate: rate30)
        var scheduler = CaptureScheduler()
        let first = scheduler.handle(.start(StartPlan(schedule: schedule, stopIndex: 20), clock.sample))
        var stepped = false
        let (captured, summary) = runToEnd(&scheduler, &clock, first: first) { index, clock in
            // Realtime jumps forward 100 ms (three frames) just before frame 5 fires.
            if index == 5, !stepped {
                stepped = true
                clock.offsetNs += 100_000_000
            }
        }
        // Woken at T5 + 100 ms = T8 + 20 µs: frame 8 is due; 5, 6, 7 are skipped and counted.
        #expect(captured == [0, 1, 2, 3, 4] + Array(8..<20))
        #expect(summary?.skipped == 3)
        #expect(summary?.captured == 17)
    }

    @Test func backwardStepBetweenArmingAndFiringRearmsInsteadOfCapturingEarly() throws {
        var clock = ScriptedClock()
        let schedule = FrameSchedule(start: clock.realtime + .milliseconds(100), rate: rate30)
        var scheduler = CaptureScheduler()
        let first = scheduler.handle(.start(StartPlan(schedule: schedule, stopIndex: 10), clock.sample))
        var actions = first
        // Fire frames 0..2 normally.
        for _ in 0..<3 {
            let d = try #require(actions.armed)
            clock.monotonicNs = d.deadline.nanoseconds + 10_000
            actions = scheduler.handle(.deadlineReached(deadline: d.deadline, clock.sample))
        }
        let d3 = try #require(actions.armed)
        #expect(d3.index == 3)
        // Realtime steps back 50 ms after frame 3 was armed; its monotonic deadline now comes too early.
        clock.offsetNs -= 50_000_000
        clock.monotonicNs = d3.deadline.nanoseconds + 10_000
        actions = scheduler.handle(.deadlineReached(deadline: d3.deadline, clock.sample))
        #expect(actions.captured.isEmpty)
        let rearmed = try #require(actions.armed)
        #expect(rearmed.index == 3)
        #expect(rearmed.scheduled == d3.scheduled)
        #expect(rearmed.deadline == d3.deadline + .milliseconds(50))
        // Firing at the new deadline captures frame 3 at Tn on the (stepped) realtime clock.
        clock.monotonicNs = rearmed.deadline.nanoseconds
        actions = scheduler.handle(.deadlineReached(deadline: rearmed.deadline, clock.sample))
        #expect(actions.captured == [3])
        let (rest, summary) = runToEnd(&scheduler, &clock, first: actions)
        #expect(rest == Array(4..<10))
        #expect(summary?.earlyWakes == 1)
        #expect(summary?.skipped == 0)
    }

    @Test func lateStartBeginsAtFirstReachableIndex() throws {
        var clock = ScriptedClock()
        // T0 was 1 s ago: at 30 fps frame 30 is due now, within the 5 ms margin, so frame 31.
        let schedule = FrameSchedule(start: clock.realtime - .seconds(1), rate: rate30)
        var scheduler = CaptureScheduler()
        let first = scheduler.handle(.start(StartPlan(schedule: schedule, stopIndex: 40), clock.sample))
        #expect(first.armed?.index == 31)
        let (captured, summary) = runToEnd(&scheduler, &clock, first: first)
        #expect(captured == Array(31..<40))
        #expect(summary?.joinedAt == 31)
        // Frames before joining were never this node's to capture: not counted as skipped.
        #expect(summary?.skipped == 0)
    }

    @Test func stopIndexInThePastFinishesAtOnce() throws {
        var clock = ScriptedClock()
        let schedule = FrameSchedule(start: clock.realtime + .milliseconds(10), rate: rate30)
        var scheduler = CaptureScheduler()
        var actions = scheduler.handle(.start(StartPlan(schedule: schedule), clock.sample))
        for _ in 0..<5 {
            let d = try #require(actions.armed)
            clock.monotonicNs = d.deadline.nanoseconds
            actions = scheduler.handle(.deadlineReached(deadline: d.deadline, clock.sample))
        }
        // Frames 0..4 are captured and 5 is armed; STOP(3) arrives late.
        let d5 = try #require(actions.armed)
        #expect(d5.index == 5)
        let stop = scheduler.handle(.stop(stopIndex: 3))
        #expect(stop.first == .cancelDeadline)
        let summary = try #require(stop.summary)
        #expect(summary.stopIndex == 3)
        #expect(summary.captured == 5)
        #expect(summary.capturedAtOrAfterStop == 2)
        // Once finished, nothing more happens, even when the deadline armed before STOP fires.
        clock.monotonicNs = d5.deadline.nanoseconds
        #expect(scheduler.handle(.deadlineReached(deadline: d5.deadline, clock.sample)).isEmpty)
    }

    @Test func stopAheadEndsOnExactlyTheStopIndex() throws {
        var clock = ScriptedClock()
        let schedule = FrameSchedule(start: clock.realtime + .milliseconds(10), rate: rate30)
        var scheduler = CaptureScheduler()
        var actions = scheduler.handle(.start(StartPlan(schedule: schedule), clock.sample))
        var captured: [Int64] = []
        while let d = actions.armed {
            clock.monotonicNs = d.deadline.nanoseconds + 1_000
            if d.index == 2 { _ = scheduler.handle(.stop(stopIndex: 7)) }
            actions = scheduler.handle(.deadlineReached(deadline: d.deadline, clock.sample))
            captured += actions.captured
        }
        #expect(captured == Array(0..<7))
        #expect(actions.summary?.stopIndex == 7)
    }

    @Test func staleFiringIsIgnored() throws {
        let clock = ScriptedClock()
        let schedule = FrameSchedule(start: clock.realtime + .milliseconds(10), rate: rate30)
        var scheduler = CaptureScheduler()
        _ = scheduler.handle(.start(StartPlan(schedule: schedule), clock.sample))
        #expect(scheduler.handle(.deadlineReached(deadline: MonotonicInstant(nanoseconds: 7), clock.sample)).isEmpty)
        guard case .armed(let d) = scheduler.state else {
            Issue.record("expected armed state")
            return
        }
        #expect(d.index == 0)
    }

    /// The arm-failure rule: a deadline that cannot be armed ends the run where it stands, with
    /// the frames captured so far; the scheduler never stays armed for a timer that will not fire.
    @Test func abortEndsTheRunWhereItStandsAndDisarms() throws {
        let clock = ScriptedClock()
        let schedule = FrameSchedule(start: clock.realtime + .milliseconds(10), rate: rate30)
        var scheduler = CaptureScheduler()
        let first = scheduler.handle(.start(StartPlan(schedule: schedule), clock.sample))
        let d0 = try #require(first.armed)
        var later = clock
        later.monotonicNs = d0.deadline.nanoseconds
        let captured = scheduler.handle(.deadlineReached(deadline: d0.deadline, later.sample))
        #expect(captured.captured == [0])
        let actions = scheduler.handle(.abort)
        #expect(actions.first == .cancelDeadline)
        #expect(actions.summary?.outcome == .aborted)
        #expect(actions.summary?.captured == 1)
        #expect(actions.summary?.lastIndex == 0)
        guard case .finished = scheduler.state else {
            Issue.record("expected finished, got \(scheduler.state)")
            return
        }
        // Nothing more happens after it.
        #expect(scheduler.handle(.stop(stopIndex: 5)).isEmpty)
    }

    @Test func stopBeforeStartIsKept() throws {
        let clock = ScriptedClock()
        let schedule = FrameSchedule(start: clock.realtime + .milliseconds(10), rate: rate30)
        var scheduler = CaptureScheduler()
        #expect(scheduler.handle(.stop(stopIndex: 0)).isEmpty)
        let actions = scheduler.handle(.start(StartPlan(schedule: schedule), clock.sample))
        #expect(actions.armed == nil)
        #expect(actions.summary?.captured == 0)
    }

    @Test func scheduleOverflowFinishesWithAnErrorNotATrap() throws {
        let clock = ScriptedClock()
        let schedule = FrameSchedule(start: RealtimeInstant(nanosecondsSinceEpoch: Int64.max - 1), rate: rate30)
        var scheduler = CaptureScheduler()
        let actions = scheduler.handle(.start(StartPlan(schedule: schedule, firstIndex: 5), clock.sample))
        #expect(actions.summary?.outcome == .failed(.overflow(index: 5)))
    }
}

@Suite("ClockSample")
struct ClockSampleTests {
    @Test func midpointAndHalfWindow() {
        let s = ClockSample(
            monotonicBefore: MonotonicInstant(nanoseconds: 1_000), realtime: RealtimeInstant(nanosecondsSinceEpoch: 50_000),
            monotonicAfter: MonotonicInstant(nanoseconds: 1_301))
        #expect(s.monotonic == MonotonicInstant(nanoseconds: 1_150))
        #expect(s.uncertainty == .nanoseconds(151))
        #expect(s.monotonic(at: RealtimeInstant(nanosecondsSinceEpoch: 60_000)) == MonotonicInstant(nanoseconds: 11_150))
        #expect(s.realtime(at: MonotonicInstant(nanoseconds: 1_160)) == RealtimeInstant(nanosecondsSinceEpoch: 50_010))
    }

    @Test func retriesWideWindowsAndKeepsTheNarrowest() {
        let windows: [Int64] = [90_000, 40_000, 60_000]
        var calls = 0
        let sampling = ClockPairSampling(maximumWindow: .microseconds(20), attempts: 3)
        let s = sampling.sample {
            defer { calls += 1 }
            let w = windows[calls]
            return (MonotonicInstant(nanoseconds: 0), RealtimeInstant(nanosecondsSinceEpoch: Int64(calls)), MonotonicInstant(nanoseconds: w))
        }
        #expect(calls == 3)
        #expect(s.realtime.nanosecondsSinceEpoch == 1)
        #expect(s.uncertainty == .microseconds(20))
    }

    @Test func acceptsFirstNarrowWindow() {
        var calls = 0
        let s = ClockPairSampling(maximumWindow: .microseconds(20), attempts: 8).sample {
            calls += 1
            return (MonotonicInstant(nanoseconds: 0), RealtimeInstant(nanosecondsSinceEpoch: 7), MonotonicInstant(nanoseconds: calls == 1 ? 50_000 : 400))
        }
        #expect(calls == 2)
        #expect(s.uncertainty == .nanoseconds(200))
    }
}

@Suite("Percentiles")
struct PercentilesTests {
    @Test func nearestRank() throws {
        let p = try #require(Percentiles(Array(1...1000).map(Int64.init)))
        #expect(p.p50 == 500)
        #expect(p.p99 == 990)
        #expect(p.p999 == 999)
        #expect(p.max == 1000)
        #expect(p.min == 1)
        #expect(Percentiles([]) == nil)
        #expect(Percentiles([7])?.p99 == 7)
    }
}
