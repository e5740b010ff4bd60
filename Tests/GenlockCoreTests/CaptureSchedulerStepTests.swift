import GenlockCore
import Testing

/// Realtime = monotonic + offset; a step moves the offset.
private struct SteppedClock {
    var monotonicNs: Int64 = 5_000_000_000
    var offsetNs: Int64 = 1_700_000_000_000_000_000 - 5_000_000_000

    var sample: ClockSample {
        ClockSample(
            realtime: RealtimeInstant(nanosecondsSinceEpoch: monotonicNs + offsetNs),
            monotonic: MonotonicInstant(nanoseconds: monotonicNs))
    }
}

private extension CaptureScheduler.Actions {
    var armed: FrameDeadline? {
        for case .armDeadline(let d) in self { return d }
        return nil
    }
    var captures: [FrameCapture] { compactMap { if case .capture(let c) = $0 { c } else { nil } } }
    var skipped: [Range<Int64>] { compactMap { if case .skip(let r) = $0 { r } else { nil } } }
    var summary: CaptureSummary? {
        for case .finish(let s) in self { return s }
        return nil
    }
}

/// A realtime step noticed while a deadline is armed (the kernel's cancel-on-set notice).
@Suite("CaptureScheduler: realtime steps while armed")
struct CaptureSchedulerStepTests {
    let rate = try! FrameRate(parsing: "30")

    /// Starts a 30 fps schedule 100 ms ahead and returns the scheduler, clock and frame 0's deadline.
    private func started(stopIndex: Int64? = nil) throws -> (CaptureScheduler, SteppedClock, FrameDeadline, FrameSchedule) {
        let clock = SteppedClock()
        let schedule = FrameSchedule(start: clock.sample.realtime + .milliseconds(100), rate: rate)
        var scheduler = CaptureScheduler()
        let armed = try #require(scheduler.handle(.start(StartPlan(schedule: schedule, stopIndex: stopIndex), clock.sample)).armed)
        return (scheduler, clock, armed, schedule)
    }

    @Test("a forward step that leaves Tn ahead re-arms it earlier, at its Tn on the fresh mapping")
    func forwardStepRearmsEarlier() throws {
        var (scheduler, clock, d0, _) = try started()
        clock.monotonicNs += 20_000_000  // 80 ms before T0
        clock.offsetNs += 5_000_000  // +5 ms: T0 is now 75 ms away
        let actions = scheduler.handle(.realtimeStepped(deadline: d0.deadline, clock.sample))
        let rearmed = try #require(actions.armed)
        #expect(actions.captures.isEmpty && actions.skipped.isEmpty)
        #expect(rearmed.index == 0)
        #expect(rearmed.deadline == d0.deadline - .milliseconds(5))
        // Firing at the new deadline captures frame 0 exactly at T0.
        clock.monotonicNs = rearmed.deadline.nanoseconds
        let fired = scheduler.handle(.deadlineReached(deadline: rearmed.deadline, clock.sample))
        let capture = try #require(fired.captures.first)
        #expect(capture.index == 0)
        #expect(capture.lateness == .zero)
    }

    @Test("a backward step re-arms later and captures nothing early")
    func backwardStepRearmsLater() throws {
        var (scheduler, clock, d0, _) = try started()
        clock.monotonicNs += 90_000_000
        clock.offsetNs -= 30_000_000
        let actions = scheduler.handle(.realtimeStepped(deadline: d0.deadline, clock.sample))
        #expect(actions.captures.isEmpty)
        #expect(try #require(actions.armed).deadline == d0.deadline + .milliseconds(30))
    }

    @Test("a forward step past Tn skips the frames it jumped over and arms the next for its own Tn")
    func forwardStepPastTnSkips() throws {
        var (scheduler, clock, d0, schedule) = try started()
        clock.monotonicNs += 90_000_000  // 10 ms before T0
        clock.offsetNs += 50_000_000  // +50 ms: realtime is T0 + 40 ms, past T1 (33.3 ms) by 6.7 ms
        let actions = scheduler.handle(.realtimeStepped(deadline: d0.deadline, clock.sample))
        #expect(actions.captures.isEmpty)
        #expect(actions.skipped == [0..<2])
        let next = try #require(actions.armed)
        #expect(next.index == 2)
        #expect(next.scheduled == (try schedule.deadline(of: 2)))
        #expect(next.deadline == clock.sample.monotonic(at: next.scheduled))
        clock.monotonicNs = next.deadline.nanoseconds
        let fired = scheduler.handle(.deadlineReached(deadline: next.deadline, clock.sample))
        #expect(fired.captures.map(\.index) == [2])
        #expect(fired.captures.first?.lateness == .zero)
        clock.monotonicNs = try #require(fired.armed).deadline.nanoseconds
        let summary = try #require(scheduler.handle(.stop(stopIndex: 3)).summary)
        #expect(summary.stepWakes == 1)
        #expect(summary.skipped == 2)
        #expect(summary.earlyWakes == 0)
    }

    @Test("a step landing within the catch-up window captures the due frame at once")
    func stepWithinCatchUpCaptures() throws {
        var (scheduler, clock, d0, _) = try started()
        clock.monotonicNs += 95_000_000  // 5 ms before T0
        clock.offsetNs += 5_000_050  // realtime T0 + 50 ns
        let actions = scheduler.handle(.realtimeStepped(deadline: d0.deadline, clock.sample))
        #expect(actions.captures.map(\.index) == [0])
        #expect(actions.captures.first?.lateness == .nanoseconds(50))
        #expect(actions.armed?.index == 1)
    }

    @Test("the skip stops at the stop index, and a step past it finishes the run")
    func stepPastStopFinishes() throws {
        var (scheduler, clock, d0, _) = try started(stopIndex: 1)
        clock.monotonicNs += 90_000_000
        clock.offsetNs += 50_000_000
        let actions = scheduler.handle(.realtimeStepped(deadline: d0.deadline, clock.sample))
        #expect(actions.skipped == [0..<1])
        let summary = try #require(actions.summary)
        #expect(summary.outcome == .stopped)
        #expect(summary.captured == 0)
    }

    @Test("a step notice for a deadline no longer armed is ignored")
    func staleStepIgnored() throws {
        var (scheduler, clock, d0, _) = try started()
        clock.offsetNs += 5_000_000
        let actions = scheduler.handle(.realtimeStepped(deadline: d0.deadline + .nanoseconds(1), clock.sample))
        #expect(actions.isEmpty)
        #expect(scheduler.state == .armed(d0))
    }
}
