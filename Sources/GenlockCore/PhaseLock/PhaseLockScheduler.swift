/// Phase-locked capture's scheduler: a pure state machine around a ``PhaseLock``, as
/// ``CaptureScheduler`` is for request-timed capture. The sensor paces itself, so no deadline is
/// armed: what is scheduled here is the requests in flight and which index each frame means.
/// Events in (start and each completed frame, with a clock pair the adapter sampled; failed and
/// refused requests; stop; a silence check), actions out (queue requests carrying a frame
/// duration, hand on a numbered frame, report skipped indices, state changes and problems,
/// finish). No clock is read here, and the per-frame path allocates nothing.
///
/// The sensor streams at the frame period and every frame is requested. Each completed frame's
/// sensor timestamp is read per its ``SensorTimestampMeaning`` and mapped through the pair sampled
/// when the frame arrived to the realtime instant row 0 began to expose; the lock numbers the frame
/// (the nearest `Tn`) and picks the length, in lines, of the frame `controlDelayFrames` ahead.
/// Exactly that many requests are kept in flight, so the request queued in answer to frame `s` is
/// the one frame `s + controlDelayFrames` fills: it carries the decided length as its frame
/// duration. A request the camera refuses is owed and queued with the next frame, or every later
/// length would land a frame early; a failed one is replaced at once.
///
/// Numbering: a late start numbers from the first index at least the join margin ahead (never
/// before the plan's first index). Frames nearest an earlier `Tn` are the pre-roll (steered, not
/// numbered); a frame nearest an index already taken (a backward clock step) is a duplicate
/// (dropped, never renumbered); indices no frame landed on are skipped, reported just before the
/// next numbered frame; nothing at or after the stop index is numbered, and reaching it finishes.
public struct PhaseLockScheduler: Sendable {
    /// The sensor mode, how to read its timestamps, the join margin and the controller's gains.
    public struct Configuration: Hashable, Sendable {
        /// Line time, frame-length limits, control delay of the sensor mode.
        public var sensor: SensorTiming
        /// Which instant the camera's timestamps mean (Pi 5: start of readout).
        public var timestampMeaning: SensorTimestampMeaning
        /// The fixed exposure time (to get from start of readout back to start of exposure).
        public var exposure: TimeSpan
        /// A late start numbers frames from the first index at least this far ahead.
        public var joinMargin: TimeSpan
        /// The controller's gains and thresholds.
        public var phaseLock: PhaseLock.Configuration

        public init(
            sensor: SensorTiming, timestampMeaning: SensorTimestampMeaning = .startOfReadout, exposure: TimeSpan,
            joinMargin: TimeSpan = .milliseconds(5), phaseLock: PhaseLock.Configuration = .init()
        ) {
            self.sensor = sensor
            self.timestampMeaning = timestampMeaning
            self.exposure = exposure
            self.joinMargin = joinMargin
            self.phaseLock = phaseLock
        }
    }

    /// What the adapter feeds in: the node's commands and what the camera did, each with the clock
    /// pair sampled for it where the answer depends on the time.
    public enum Event: Hashable, Sendable {
        /// Begin numbering frames for the plan; `sample` is a fresh clock pair.
        case start(StartPlan, ClockSample)
        /// Frame `sequence` completed with the camera's `sensorTimestamp`; `sample` was taken when it arrived.
        case frameCompleted(sequence: Int64, sensorTimestamp: MonotonicInstant, ClockSample)
        /// The camera failed request `request` for `reason`; `sample` was taken when it said so.
        case requestFailed(request: Int64, reason: String, ClockSample)
        /// Frame `sequence` came without a sensor timestamp, so it cannot be numbered; `sample` as above.
        case timestampMissing(sequence: Int64, ClockSample)
        /// The camera refused to queue request `request` (no free buffer, stopped) for `reason`.
        case requestRefused(request: Int64, reason: String)
        /// Number only frames before `stopIndex`.
        case stop(stopIndex: Int64)
        /// The monotonic time is `now`: end the run if the camera has been silent for `limit`.
        case silenceCheck(now: MonotonicInstant, limit: TimeSpan)
        /// The camera's completions ended (it stopped or failed).
        case completionsEnded
    }

    /// The sensor mode, timestamp meaning, exposure, join margin and gains it runs with.
    public let configuration: Configuration
    /// The counts so far (the outcome is final once ``isFinished``).
    public private(set) var summary = PhaseLockSummary(outcome: .stopped, joinedAt: nil, stopIndex: nil)
    /// True once a finish action was returned; every later event is ignored.
    public private(set) var isFinished = false
    /// The controller, from the start on.
    private var lock: PhaseLock?
    private var reportedState: PhaseLock.State?
    /// Requests asked for so far: the next one's number.
    private var requests: Int64 = 0
    /// Refused requests to queue again with the next frame.
    private var owed = 0
    /// Monotonic time of the start, or of the last completion since.
    private var lastHeardFrom: MonotonicInstant?

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// The lock's status (nil before the first frame), for STATUS.
    public var status: PhaseLock.Status? {
        guard let lock, lock.phaseError != nil else { return nil }
        return lock.status
    }

    /// Feeds one event and returns what to do, in order. A finished run ignores every event.
    public mutating func handle(_ event: Event) -> Actions {
        guard !isFinished else { return [] }
        switch event {
        case .start(let plan, let sample):
            return start(plan, sample)
        case .frameCompleted(let sequence, let timestamp, let sample):
            return frameCompleted(sequence, timestamp, sample)
        case .requestFailed(let request, let reason, let sample):
            return failed(.requestFailed(request: request, reason: reason), sample)
        case .timestampMissing(let sequence, let sample):
            return failed(.timestampMissing(sequence: sequence), sample)
        case .requestRefused(let request, let reason):
            summary.failures += 1
            owed += 1
            return [.problem(.requestNotQueued(request: request, reason: reason))]
        case .stop(let stopIndex):
            return stop(stopIndex)
        case .silenceCheck(let now, let limit):
            // A streaming sensor completes a request every frame: silence means a wedged pipeline
            // or a pulled cable, and without this the node would wait forever.
            guard let last = lastHeardFrom, now - last >= limit else { return [] }
            return [finish(.cameraSilent(now - last))]
        case .completionsEnded:
            return [finish(.cameraEnded)]
        }
    }

    private mutating func start(_ plan: StartPlan, _ sample: ClockSample) -> Actions {
        guard lock == nil else { return [] }  // a second START for a running node changes nothing
        let join: Int64
        do throws(ScheduleError) {
            join = max(plan.firstIndex, try plan.schedule.firstIndex(after: sample.realtime, margin: configuration.joinMargin))
        } catch {
            return [finish(.failed(error))]
        }
        lastHeardFrom = sample.monotonic
        summary.joinedAt = join
        if let stop = plan.stopIndex { summary.stopIndex = min(stop, summary.stopIndex ?? stop) }
        let lock = PhaseLock(schedule: plan.schedule, sensor: configuration.sensor, firstIndex: join, configuration: configuration.phaseLock)
        self.lock = lock
        if let stop = summary.stopIndex, join >= stop { return [finish(.stopped)] }  // nothing left before the stop index
        var actions: Actions = [queue(lines: lock.freeRunningLines, count: configuration.sensor.controlDelayFrames)]
        let line = TimeSpan(nanoseconds: configuration.sensor.durationNs(lines: 1))
        if lock.shorteningHeadroom < line {
            actions.append(.notice(.shorteningOutOfReach(headroom: lock.shorteningHeadroom, lineTime: line)))
        }
        return actions
    }

    // Inlined into `handle` so that the per-frame actions are built in the caller's result rather
    // than in a temporary copied out (as CaptureScheduler.deadlineReached).
    @inline(__always)
    private mutating func frameCompleted(_ sequence: Int64, _ timestamp: MonotonicInstant, _ sample: ClockSample) -> Actions {
        guard lock != nil else { return [] }  // before the start there is no schedule to number it by
        lastHeardFrom = sample.monotonic
        let exposureStart = sample.realtime(
            at: configuration.timestampMeaning.exposureStart(timestamp: timestamp, exposure: configuration.exposure))
        let decision: PhaseLock.Decision
        do throws(ScheduleError) {
            // In place (`lock!`): a copy would copy the controller's ring on every frame.
            decision = try lock!.update(PhaseLock.Frame(sequence: sequence, exposureStart: exposureStart, clockAdjustmentPpb: sample.frequencyAdjustmentPpb))
        } catch {
            return [finish(.failed(error))]
        }
        summary.status = lock!.status

        var skip: Range<Int64>?
        var numbered: NumberedFrame?
        var ending: PhaseLockSummary.Outcome?
        if let index = decision.index {
            let expected = (summary.lastIndex ?? lock!.firstIndex - 1) + 1
            let stop = summary.stopIndex ?? Int64.max
            if expected < min(index, stop) {
                skip = expected..<min(index, stop)
                summary.skipped += min(index, stop) - expected
            }
            if index >= stop {
                ending = .stopped
            } else {
                do throws(ScheduleError) {
                    numbered = NumberedFrame(
                        index: index, scheduled: try lock!.schedule.deadline(of: index), sensorTimestamp: timestamp,
                        sensorRealtime: sample.realtime(at: timestamp), exposureStart: exposureStart,
                        phaseError: decision.phaseError, state: decision.state)
                    summary.captured += 1
                    summary.lastIndex = index
                    if index + 1 >= stop { ending = .stopped }
                } catch {
                    ending = .failed(error)
                }
            }
        } else if lock!.lastIndex == nil {
            summary.preRoll += 1  // before any frame was numbered
        } else {
            summary.duplicates += 1  // its index was taken
        }

        var actions = Actions()
        // A run that ends here stops the camera at once: a request queued now could only be cancelled.
        if ending == nil {
            actions.append(queue(lines: decision.frameLengthLines, count: 1))
            // Owed requests go at the free-running length; the lock corrects what they program.
            if owed > 0 { actions.append(queue(lines: lock!.freeRunningLines, count: owed)) }
            owed = 0
        }
        if decision.state != reportedState {
            reportedState = decision.state
            actions.append(.stateChanged(lock!.status))
            if decision.state == .unpaced, let interval = lock!.lastInterval { actions.append(.problem(.unpaced(interval))) }
        }
        if let skip { actions.append(.skip(skip)) }
        if let numbered { actions.append(.frame(numbered)) }
        if let ending { actions.append(finish(ending)) }
        return actions
    }

    /// A request came back without a usable frame: count it and replace it at the free-running
    /// length, so the requests in flight stay one per control-delay frame.
    private mutating func failed(_ problem: Problem, _ sample: ClockSample) -> Actions {
        if lastHeardFrom != nil { lastHeardFrom = sample.monotonic }
        summary.failures += 1
        var actions: Actions = [.problem(problem)]
        if let lines = lock?.freeRunningLines { actions.append(queue(lines: lines, count: 1)) }
        return actions
    }

    /// Numbers only frames before `stopIndex`; finishes at once if the next index is not before it.
    private mutating func stop(_ stopIndex: Int64) -> Actions {
        summary.stopIndex = min(stopIndex, summary.stopIndex ?? stopIndex)
        guard lock != nil else { return [] }  // kept for the start
        let next = (summary.lastIndex ?? ((summary.joinedAt ?? 0) - 1)) + 1
        return next >= summary.stopIndex! ? [finish(.stopped)] : []
    }

    /// The next `count` requests, each programming `lines` lines.
    private mutating func queue(lines: Int64, count: Int) -> Action {
        let first = requests
        requests += Int64(count)
        return .queueRequests(Requests(numbers: first..<requests, frameLengthLines: lines, frameDuration: configuration.sensor.frameDuration(lines: lines)))
    }

    private mutating func finish(_ outcome: PhaseLockSummary.Outcome) -> Action {
        isFinished = true
        summary.outcome = outcome
        return .finish(summary)
    }
}
