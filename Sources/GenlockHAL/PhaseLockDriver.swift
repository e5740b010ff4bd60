import GenlockCore
import Synchronization

/// Runs a ``PhaseLock`` against a streaming camera: the adapter for phase-locked capture, as
/// ``CaptureDriver`` is for request-timed capture.
///
/// The sensor streams at the frame period and every frame is requested. For each completed frame
/// the driver samples the clock pair afresh, reads the sensor timestamp per its
/// ``SensorTimestampMeaning`` and maps it to the realtime instant row 0 began to expose; the
/// controller numbers the frame (the nearest `Tn`) and picks the length, in lines, of the frame
/// `controlDelayFrames` ahead. The driver keeps exactly that many requests in flight, so the
/// request it queues in answer to frame `s` is the one frame `s + controlDelayFrames` fills: it
/// carries the decided length as its frame duration.
///
/// A request does not choose its frame's index here, the exposure start does: queued requests carry
/// the driver's request count as their index and the instant they were queued as `scheduled`.
/// Frames with no index (the pre-roll before the join index, or an index already taken after a
/// backward clock step) are released unrecorded; numbered frames go to `onReport`, which releases
/// them. Frames at or after the stop index are never reported; reaching it stops the camera.
public final class PhaseLockDriver<Clock: ClockPair, Sensor: FrameDurationCamera>: Sendable {
    /// The sensor mode and how to read its timestamps.
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

    /// What the driver reports.
    public enum Report: Sendable {
        /// A numbered frame; the receiver releases ``PhaseLockedFrame/frame``.
        case frame(PhaseLockedFrame)
        /// Indices no frame landed on, reported just before the next numbered frame.
        case skip(Range<Int64>)
        /// The lock changed state (reported on the first frame too, as acquiring).
        case stateChanged(PhaseLock.Status)
        /// A failed request, a frame without a timestamp, a request the camera refused.
        case problem(String)
        /// The run ended (once).
        case finish(PhaseLockSummary)
    }

    private struct State {
        var lock: PhaseLock?
        var summary = PhaseLockSummary(outcome: .stopped, joinedAt: nil, stopIndex: nil)
        var finished = false
        var reportedState: PhaseLock.State?
        var requests: Int64 = 0
        /// Requests the camera refused, to queue again with the next frame: the driver keeps
        /// exactly `controlDelayFrames` in flight, or every later length would land a frame early.
        var owed = 0
        /// Monotonic time of the start, or of the last completion since.
        var lastHeardFrom: MonotonicInstant?
    }

    /// What one completed frame leads to, decided under the lock and carried out outside it.
    private struct Step {
        var lines: Int64?
        /// Refused requests to queue again (at the free-running length, which the lock corrects).
        var owed = 0
        var freeRunningLines: Int64 = 0
        var reports: [Report] = []
        var keepFrame = false
        var finish: PhaseLockSummary.Outcome?
    }

    private let camera: Sensor
    private let clock: Clock
    private let configuration: Configuration
    private let state = Mutex(State())
    private let onReport: @Sendable (Report) -> Void

    /// A driver for `camera`, which must already be streaming; `onReport` runs on the task that
    /// calls ``run()`` (and on the caller of ``start(_:)`` or ``stop(at:)`` for an early finish).
    public init(camera: Sensor, clock: Clock, configuration: Configuration, onReport: @escaping @Sendable (Report) -> Void) {
        self.camera = camera
        self.clock = clock
        self.configuration = configuration
        self.onReport = onReport
    }

    /// Begins numbering frames for `plan` and queues the first `controlDelayFrames` requests at the
    /// free-running length for the rate.
    public func start(_ plan: StartPlan) {
        let sample = clock.sample()
        let now = sample.realtime
        let join: Int64
        do {
            join = max(plan.firstIndex, try plan.schedule.firstIndex(after: now, margin: configuration.joinMargin))
        } catch {
            finish(.failed(error))
            return
        }
        let lines: Int64? = state.withLock { s in
            guard s.lock == nil, !s.finished else { return nil }
            s.lastHeardFrom = sample.monotonic
            s.summary.joinedAt = join
            if let stop = plan.stopIndex { s.summary.stopIndex = min(stop, s.summary.stopIndex ?? stop) }
            let lock = PhaseLock(schedule: plan.schedule, sensor: configuration.sensor, firstIndex: join, configuration: configuration.phaseLock)
            s.lock = lock
            return lock.freeRunningLines
        }
        guard let lines else { return }
        if let stop = state.withLock({ $0.summary.stopIndex }), join >= stop {
            finish(.stopped)  // nothing left before the stop index
            return
        }
        for _ in 0..<configuration.sensor.controlDelayFrames { queue(lines: lines, sample) }
    }

    /// Numbers only frames before `stopIndex`; stops at once if the last numbered frame is just before it.
    public func stop(at stopIndex: Int64) {
        let done = state.withLock { s -> Bool in
            s.summary.stopIndex = min(stopIndex, s.summary.stopIndex ?? stopIndex)
            guard s.lock != nil else { return false }
            let next = (s.summary.lastIndex ?? ((s.summary.joinedAt ?? 0) - 1)) + 1
            return next >= stopIndex
        }
        if done { finish(.stopped) }
    }

    /// The lock's status (nil before the first frame), for STATUS.
    public var status: PhaseLock.Status? {
        state.withLock { s in s.lock.flatMap { $0.phaseError == nil ? nil : $0.status } }
    }

    /// A snapshot of the counts so far.
    public var progress: PhaseLockSummary { state.withLock { $0.summary } }

    /// Consumes the camera's completions until the stream ends (the driver stops the camera at the
    /// stop index); returns the summary.
    public func run() async -> PhaseLockSummary {
        for await completion in camera.completions {
            handle(completion)
        }
        finish(.cameraEnded)
        return state.withLock { $0.summary }
    }

    /// Ends the run as ``PhaseLockSummary/Outcome/cameraSilent(_:)`` when the camera has delivered
    /// nothing for `limit` since the start (or its last completion). A streaming sensor completes a
    /// request every frame, so silence means a wedged pipeline or a pulled cable; without this the
    /// node would wait forever. The node calls it periodically (a second or so; a limit of a few
    /// frame periods plus the pipeline's start-up). Returns true when it ended the run.
    @discardableResult
    public func endIfSilent(for limit: TimeSpan) -> Bool {
        let now = clock.monotonicNow()
        let silent = state.withLock { s -> TimeSpan? in
            guard !s.finished, let last = s.lastHeardFrom else { return nil }
            let quiet = now - last
            return quiet >= limit ? quiet : nil
        }
        guard let silent else { return false }
        finish(.cameraSilent(silent))
        return true
    }

    private func handle(_ completion: CameraCompletion) {
        switch completion {
        case .cancelled:
            return
        case .failed(let index, let reason):
            failed("request \(index) failed: \(reason)")
        case .frame(let frame):
            guard let timestamp = frame.sensorTimestamp else {
                frame.release()
                failed("frame \(frame.sequence) has no sensor timestamp")
                return
            }
            // One fresh pair per frame (so a realtime step affects at most the frames around it):
            // it maps the timestamp, marks the camera as heard from, and stamps the next request.
            let sample = clock.sample()
            let exposureStart = sample.realtime(
                at: configuration.timestampMeaning.exposureStart(timestamp: timestamp, exposure: configuration.exposure))
            let step = state.withLock { s in
                if s.lastHeardFrom != nil { s.lastHeardFrom = sample.monotonic }
                return decide(frame, timestamp: timestamp, sensorRealtime: sample.realtime(at: timestamp), exposureStart: exposureStart, &s)
            }
            if let lines = step.lines { queue(lines: lines, sample) }
            for _ in 0..<step.owed { queue(lines: step.freeRunningLines, sample) }
            if !step.keepFrame { frame.release() }
            for report in step.reports { onReport(report) }
            if let outcome = step.finish { finish(outcome) }
        }
    }

    private func decide(
        _ frame: CameraFrame, timestamp: MonotonicInstant, sensorRealtime: RealtimeInstant, exposureStart: RealtimeInstant, _ s: inout State
    ) -> Step {
        guard s.lock != nil, !s.finished else { return Step() }
        let decision: PhaseLock.Decision
        do {
            // In place (`s.lock!`): a copy would copy the controller's ring on every frame.
            decision = try s.lock!.update(PhaseLock.Frame(sequence: frame.sequence, exposureStart: exposureStart))
        } catch {
            return Step(finish: .failed(error))
        }
        var step = Step(lines: decision.frameLengthLines, owed: s.owed, freeRunningLines: s.lock!.freeRunningLines)
        s.owed = 0
        s.summary.status = s.lock!.status
        if decision.state != s.reportedState {
            s.reportedState = decision.state
            step.reports.append(.stateChanged(s.lock!.status))
            if decision.state == .unpaced, let interval = s.lock!.lastInterval {
                step.reports.append(.problem(
                    "the camera does not follow the frame lengths it is asked for (frames \(interval.measured) apart, asked "
                        + "\(interval.programmed)): no phase lock is possible; frames are still numbered by the nearest Tn "
                        + "(libcamera's virtual pipeline completes requests as fast as they are queued)"))
            }
        }
        guard let index = decision.index else {
            // Before any frame was numbered it is the pre-roll; afterwards its index was taken.
            if s.lock!.lastIndex == nil { s.summary.preRoll += 1 } else { s.summary.duplicates += 1 }
            return step
        }
        let expected = (s.summary.lastIndex ?? s.lock!.firstIndex - 1) + 1
        let stop = s.summary.stopIndex ?? Int64.max
        if expected < min(index, stop) {
            step.reports.append(.skip(expected..<min(index, stop)))
            s.summary.skipped += min(index, stop) - expected
        }
        guard index < stop else {
            step.finish = .stopped
            return step
        }
        let scheduled: RealtimeInstant
        do {
            scheduled = try s.lock!.schedule.deadline(of: index)
        } catch {
            step.finish = .failed(error)
            return step
        }
        s.summary.captured += 1
        s.summary.lastIndex = index
        step.keepFrame = true
        step.reports.append(.frame(PhaseLockedFrame(
            index: index, scheduled: scheduled, sensorTimestamp: timestamp, sensorRealtime: sensorRealtime, exposureStart: exposureStart,
            phaseError: decision.phaseError, state: decision.state, frame: frame)))
        if index + 1 >= stop { step.finish = .stopped }
        return step
    }

    /// Queues the next request with the frame duration that programs `lines` lines; `sample` is
    /// the clock pair the caller already read (the request records when it was queued).
    private func queue(lines: Int64, _ sample: ClockSample) {
        let number = state.withLock { s in
            defer { s.requests += 1 }
            return s.requests
        }
        let request = CaptureRequest(index: number, scheduled: sample.realtime, wake: sample, wakeError: .zero)
        do {
            try camera.queue(request, frameDuration: configuration.sensor.frameDuration(lines: lines))
        } catch {
            state.withLock { s in
                s.summary.failures += 1
                s.owed += 1
            }
            onReport(.problem("request \(number) not queued: \(error)"))
        }
    }

    /// A request came back without a usable frame: count it and queue a replacement at the
    /// free-running length, so the requests in flight stay one per control-delay frame.
    private func failed(_ message: String) {
        let sample = clock.sample()
        let lines = state.withLock { s -> Int64?? in
            // After the run ended, failures are the stop's cancellations: nothing to count.
            guard !s.finished else { return nil }
            if s.lastHeardFrom != nil { s.lastHeardFrom = sample.monotonic }
            s.summary.failures += 1
            return .some(s.lock?.freeRunningLines)
        }
        guard let lines else { return }
        onReport(.problem(message))
        if let lines { queue(lines: lines, sample) }
    }

    private func finish(_ outcome: PhaseLockSummary.Outcome) {
        let summary = state.withLock { s -> PhaseLockSummary? in
            guard !s.finished else { return nil }
            s.finished = true
            s.summary.outcome = outcome
            return s.summary
        }
        guard let summary else { return }
        camera.stop()
        onReport(.finish(summary))
    }
}
