/// What a camera node is told to record: the shared schedule, where it begins, and where it ends.
public struct StartPlan: Hashable, Sendable {
    /// The shared schedule (`T0` and rate).
    public var schedule: FrameSchedule
    /// The first index of the session (usually 0). A node that joins late starts further on.
    public var firstIndex: Int64
    /// Frames at or after this index are never captured; nil until a STOP names one.
    public var stopIndex: Int64?

    public init(schedule: FrameSchedule, firstIndex: Int64 = 0, stopIndex: Int64? = nil) {
        self.schedule = schedule
        self.firstIndex = firstIndex
        self.stopIndex = stopIndex
    }
}

/// A deadline the scheduler wants armed: frame `index`, due at `scheduled` on realtime, armed at
/// `deadline` on monotonic through the sample `mapping`.
public struct FrameDeadline: Hashable, Sendable {
    public var index: Int64
    public var scheduled: RealtimeInstant
    public var deadline: MonotonicInstant
    public var mapping: ClockSample
}

/// The capture of one frame, as ordered by the scheduler.
public struct FrameCapture: Hashable, Sendable {
    /// The frame index: this frame means `Tn` of the schedule, always.
    public var index: Int64
    /// `Tn`.
    public var scheduled: RealtimeInstant
    /// The clock pair sampled on wake-up, from which lateness is known.
    public var wake: ClockSample
    /// How far realtime was past `Tn` when the timer woke (wake error on the shared timeline).
    public var lateness: TimeSpan { wake.realtime - scheduled }
}

/// How a capture run ended.
public struct CaptureSummary: Hashable, Sendable {
    public enum Outcome: Hashable, Sendable {
        /// The stop index was reached (or named before anything was left to capture).
        case stopped
        /// The schedule could not be computed (an index beyond 64-bit time).
        case failed(ScheduleError)
        /// The run was ended where it stood (``CaptureScheduler/Event/abort``: the deadline timer
        /// could not be armed, so no later frame could be captured on time).
        case aborted
    }
    public var outcome: Outcome
    /// The index this node started at (later than the session's first index for a late joiner).
    public var joinedAt: Int64?
    /// The stop index in force at the end.
    public var stopIndex: Int64?
    /// Frames captured.
    public var captured: Int64
    /// Frames whose deadline passed while this node was running (a step forward, an overrun).
    public var skipped: Int64
    /// The last index captured.
    public var lastIndex: Int64?
    /// Frames captured at or after a stop index that arrived too late to prevent them; the
    /// recording layer drops these so every camera ends on the same frame.
    public var capturedAtOrAfterStop: Int64
    /// Wake-ups where realtime had not yet reached `Tn` (a backward step), re-armed rather than captured early.
    public var earlyWakes: Int64
    /// Realtime steps noticed while a deadline was armed (``CaptureScheduler/Event/realtimeStepped(deadline:_:)``),
    /// each answered by re-judging the armed frame on a fresh sample.
    public var stepWakes: Int64 = 0
}

/// The capture scheduler: a pure state machine. Events in (start, a deadline reached with a fresh
/// clock sample, stop), actions out (arm a monotonic deadline, capture frame n, skip, finish).
///
/// It never waits for realtime to reach a value: every wait is an absolute monotonic deadline
/// derived from a freshly sampled clock pair, and every wake-up is judged against realtime anew.
/// Frame `n` always means `Tn`; missed frames are skipped and counted, never renumbered.
public struct CaptureScheduler: Sendable {
    /// Tunables.
    public struct Configuration: Hashable, Sendable {
        /// A node that starts (or restarts) late begins at the first frame at least this far ahead,
        /// so that it has time to arm a timer and prepare the capture.
        public var joinMargin: TimeSpan
        /// After a realtime step noticed while armed, a frame whose `Tn` the step already left
        /// behind by more than this is skipped rather than captured late, and the next frame is
        /// armed for its own `Tn`. (A late deadline wake-up still captures the latest due frame.)
        /// 20 µs, a timer wake-up: a frame caught that late is as good as one woken for normally;
        /// a wider window trades the odd lost frame for frames captured visibly late.
        public var stepCatchUp: TimeSpan
        public init(joinMargin: TimeSpan = .milliseconds(5), stepCatchUp: TimeSpan = .microseconds(20)) {
            self.joinMargin = joinMargin
            self.stepCatchUp = stepCatchUp
        }
    }

    public enum Event: Hashable, Sendable {
        /// Begin the schedule; `sample` is a fresh clock pair.
        case start(StartPlan, ClockSample)
        /// The timer armed for `deadline` fired; `sample` was taken on wake-up. A firing for any
        /// deadline but the one armed now (cancelled or superseded meanwhile) is stale and ignored.
        case deadlineReached(deadline: MonotonicInstant, ClockSample)
        /// Realtime was stepped while the deadline was armed (the timer's
        /// `TFD_TIMER_CANCEL_ON_SET` notice); `sample` was taken after the step. The armed frame
        /// is judged anew: re-armed through the fresh mapping if its `Tn` is still ahead (a forward
        /// step brings it closer, a backward one pushes it away), captured if the step landed at
        /// most ``Configuration/stepCatchUp`` past it, skipped otherwise in favour of the next.
        case realtimeStepped(deadline: MonotonicInstant, ClockSample)
        /// Capture only frames before `stopIndex`.
        case stop(stopIndex: Int64)
        /// End the run now, whatever is armed. A node whose timer cannot arm a deadline has no
        /// rule that would ever fire it: waiting for a STOP to cover the frame would hang the run.
        case abort
    }

    public enum Action: Hashable, Sendable {
        /// Arm (replacing any armed deadline) an absolute monotonic timer.
        case armDeadline(FrameDeadline)
        /// Capture (queue the request for) this frame now.
        case capture(FrameCapture)
        /// These frames' deadlines passed before they could be captured.
        case skip(Range<Int64>)
        /// Disarm the timer.
        case cancelDeadline
        /// The run is over.
        case finish(CaptureSummary)
    }

    public enum State: Hashable, Sendable {
        case idle
        case armed(FrameDeadline)
        case finished(CaptureSummary)
    }

    public let configuration: Configuration
    public private(set) var state: State = .idle
    private var plan: StartPlan?
    private var pendingStop: Int64?
    private var joinedAt: Int64?
    private var captured: Int64 = 0
    private var skipped: Int64 = 0
    private var lastIndex: Int64?
    private var earlyWakes: Int64 = 0
    private var stepWakes: Int64 = 0

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// The stop index in force, if any.
    public var stopIndex: Int64? { plan?.stopIndex ?? pendingStop }

    /// Feeds one event and returns what to do, in order.
    public mutating func handle(_ event: Event) -> Actions {
        if case .finished = state { return [] }
        switch event {
        case .start(let plan, let sample):
            return start(plan, sample)
        case .deadlineReached(let deadline, let sample):
            return deadlineReached(deadline, sample)
        case .realtimeStepped(let deadline, let sample):
            return realtimeStepped(deadline, sample)
        case .stop(let stopIndex):
            return stop(stopIndex)
        case .abort:
            return [.cancelDeadline, finish(.aborted)]
        }
    }

    private mutating func start(_ newPlan: StartPlan, _ sample: ClockSample) -> Actions {
        guard case .idle = state else { return [] }  // a second START for a running node changes nothing
        var plan = newPlan
        if let pending = pendingStop { plan.stopIndex = min(pending, plan.stopIndex ?? pending) }
        self.plan = plan
        do throws(ScheduleError) {
            let reachable = try plan.schedule.firstIndex(after: sample.realtime, margin: configuration.joinMargin)
            let first = max(plan.firstIndex, reachable)
            joinedAt = first
            return [try arm(first, sample)]
        } catch {
            return [finish(.failed(error))]
        }
    }

    // Inlined into `handle` so that the per-frame actions are built in the caller's result rather
    // than in a temporary copied out (a 300-byte copy per frame in profiles).
    @inline(__always)
    private mutating func deadlineReached(_ deadline: MonotonicInstant, _ sample: ClockSample) -> Actions {
        guard case .armed(let armed) = state, armed.deadline == deadline, let plan else { return [] }
        let index = armed.index
        let now = sample.realtime
        if now < armed.scheduled {
            // Realtime has not reached Tn although the monotonic deadline passed: realtime was stepped
            // back (or slewed) after arming. Re-arm through the fresh mapping; never capture early.
            earlyWakes += 1
            return [.armDeadline(rearm(armed, sample))]
        }
        do throws(ScheduleError) {
            // The latest frame whose deadline has passed. Normally this is `index`; after a forward
            // step or a long preemption it is later, and the frames in between are skipped.
            let due = try plan.schedule.lastIndex(atOrBefore: now) ?? index
            let stop = plan.stopIndex ?? Int64.max
            var actions = Actions()
            if due >= stop {
                if stop > index { actions.append(skip(index..<stop)) }
                actions.append(finish(.stopped))
                return actions
            }
            if due > index { actions.append(skip(index..<due)) }
            let scheduled = due == index ? armed.scheduled : try plan.schedule.deadline(of: due)
            actions.append(.capture(FrameCapture(index: due, scheduled: scheduled, wake: sample)))
            captured += 1
            lastIndex = due
            actions.append(try arm(due + 1, sample))
            return actions
        } catch {
            return [finish(.failed(error))]
        }
    }

    private mutating func realtimeStepped(_ deadline: MonotonicInstant, _ sample: ClockSample) -> Actions {
        guard case .armed(let armed) = state, armed.deadline == deadline, let plan else { return [] }
        stepWakes += 1
        let now = sample.realtime
        if now < armed.scheduled { return [.armDeadline(rearm(armed, sample))] }
        do throws(ScheduleError) {
            // The step left realtime past Tn. The latest due frame is captured only if the step
            // landed at most `stepCatchUp` past its instant; otherwise the frames jumped over are
            // skipped and the next is armed for its own Tn, so no frame is captured late.
            let last = try plan.schedule.lastIndex(atOrBefore: now) ?? armed.index
            if now - (try plan.schedule.deadline(of: last)) <= configuration.stepCatchUp {
                return deadlineReached(deadline, sample)
            }
            var actions = Actions()
            let stop = plan.stopIndex ?? Int64.max
            actions.append(skip(armed.index..<min(last + 1, stop)))
            actions.append(try arm(last + 1, sample))
            return actions
        } catch {
            return [finish(.failed(error))]
        }
    }

    private mutating func stop(_ stopIndex: Int64) -> Actions {
        guard plan != nil else {
            pendingStop = min(stopIndex, pendingStop ?? stopIndex)
            return []
        }
        plan!.stopIndex = min(stopIndex, plan!.stopIndex ?? stopIndex)
        if case .armed(let armed) = state, armed.index >= plan!.stopIndex! {
            return [.cancelDeadline, finish(.stopped)]
        }
        return []
    }

    /// Arms `index`, or finishes when it is at or past the stop index.
    private mutating func arm(_ index: Int64, _ sample: ClockSample) throws(ScheduleError) -> Action {
        if let stop = plan?.stopIndex, index >= stop { return finish(.stopped) }
        let scheduled = try plan!.schedule.deadline(of: index)
        let deadline = FrameDeadline(
            index: index, scheduled: scheduled, deadline: sample.monotonic(at: scheduled), mapping: sample)
        state = .armed(deadline)
        return .armDeadline(deadline)
    }

    private mutating func rearm(_ armed: FrameDeadline, _ sample: ClockSample) -> FrameDeadline {
        let deadline = FrameDeadline(
            index: armed.index, scheduled: armed.scheduled,
            deadline: sample.monotonic(at: armed.scheduled), mapping: sample)
        state = .armed(deadline)
        return deadline
    }

    private mutating func skip(_ range: Range<Int64>) -> Action {
        skipped += Int64(range.count)
        return .skip(range)
    }

    private mutating func finish(_ outcome: CaptureSummary.Outcome) -> Action {
        let stop = plan?.stopIndex ?? pendingStop
        var beyond: Int64 = 0
        if let stop, let last = lastIndex, last >= stop { beyond = last - stop + 1 }
        let summary = CaptureSummary(
            outcome: outcome, joinedAt: joinedAt, stopIndex: stop, captured: captured, skipped: skipped,
            lastIndex: lastIndex, capturedAtOrAfterStop: beyond, earlyWakes: earlyWakes, stepWakes: stepWakes)
        state = .finished(summary)
        return .finish(summary)
    }
}
