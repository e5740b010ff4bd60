import GenlockCore
import GenlockHAL

/// What a node's single deadline timer waits for.
public enum TimerTarget: Hashable, Sendable {
    /// CLOCK_MONOTONIC absolute (`TIMER_ABSTIME`): unaffected by realtime steps.
    case monotonic(MonotonicInstant)
    /// CLOCK_REALTIME absolute: the kernel re-evaluates it when realtime is stepped.
    case realtime(RealtimeInstant)
}

/// What runs when a node's timer fires.
enum TimerHandler {
    /// The baselines' handlers: given the monotonic wake-up instant.
    case woke((MonotonicInstant) -> Void)
    /// A HAL ``DeadlineTimer`` handler and the deadline it was armed for.
    case firing(@Sendable (TimerFiring) -> Void, MonotonicInstant)
}

/// Per-node results.
public struct NodeStats: Sendable {
    public var captured: Int64 = 0
    public var skipped: Int64 = 0
    public var earlyWakes: Int64 = 0
    public var droppedAtOrAfterStop: Int64 = 0
    public var wakeErrorNs = LogHistogram()
    /// The index each incarnation of the node started at.
    public var joinedAt: [Int64] = []
    /// True nanoseconds from each clock fault to re-convergence (nil: not within the run).
    public var reconvergenceNs: [Int64?] = []
    public var servoSteps: Int64 = 0
    /// The node's realtime each time START reached a running incarnation.
    public var startReadingsNs: [Int64] = []
    /// Phase-locked capture: the controller's states and errors.
    public var phaseLock = PhaseLockStats()
    /// Realtime lateness of every captured frame: realtime read on waking minus `Tn`.
    public var realtimeLatenessNs = LogHistogram()
    /// Realtime steps taken while waiting for a frame, and the next frame's lateness after each.
    var steps = StepLatenessLog()
    /// What the node's ``NodeLifecycle`` logged (a stop after losing the coordinator, say).
    public var lifecycleLog: [String] = []
}

/// One simulated camera node: its clocks and servo, its timer, its sensor, and the strategy
/// (capture code) running on it. Owned by the ``Simulation``; single-threaded.
public final class SimNode: @unchecked Sendable {
    public let id: Int
    // Per-frame calls go through `Borrowed(engine)`: `unowned(unsafe)` alone still retains and
    // releases around every call (see Borrowed).
    unowned(unsafe) let engine: Simulation
    // Per-frame state below is marked `@exclusivity(unchecked)`: the engine is single-threaded and
    // no access to these spans a call that could reach them again.
    @exclusivity(unchecked) var clock: NodeClock
    var servo: PIServo?
    /// Phase-locked capture: the lock's state after the frame being recorded (set by the strategy
    /// just before it records the frame).
    @exclusivity(unchecked) var frameLockState: PhaseLock.State?
    /// What its PTP daemon reports, judged by the start gate (see ``SimNodePTP``).
    var ptp: SimNodePTP
    @exclusivity(unchecked) var sensor: SimSensor
    let exposureNs: Int64
    @exclusivity(unchecked) private var timerRandom: SimRandom
    @exclusivity(unchecked) private var readRandom: SimRandom
    var servoRandom: SimRandom
    @exclusivity(unchecked) var sensorRandom: SimRandom
    @exclusivity(unchecked) private(set) var camera: SimCamera!
    var strategy: SimStrategy?
    @exclusivity(unchecked) public private(set) var up = true
    @exclusivity(unchecked) var stats = NodeStats()

    // Timer state: one armed deadline at a time; `generation` makes superseded events stale.
    @exclusivity(unchecked) private var generation: UInt32 = 0
    // Kept as separate fields (not one optional tuple) so re-scheduling mutates in place rather
    // than copying the handler closure around on every frame.
    @exclusivity(unchecked) private var armedTarget: TimerTarget?
    @exclusivity(unchecked) private var armedLatencyNs: Int64 = 0
    @exclusivity(unchecked) private var armedFireNs: Int64 = 0
    @exclusivity(unchecked) private var armedHandler: TimerHandler?
    /// The armed deadline's timer notices realtime steps (a cancel-on-set timerfd beside it).
    @exclusivity(unchecked) private var armedStepAware = false
    /// A realtime step cancelled the armed deadline: the pending firing is the step notice.
    @exclusivity(unchecked) private var armedStepNotice = false
    /// Realtime minus monotonic when last seen: a change is a step.
    @exclusivity(unchecked) private var seenRealtimeOffsetNs: Int64
    private let timerModel: Scenario.TimerModel
    /// The node can read the kernel's frequency adjustment of its clocks (`clock.adjustment-readable`).
    private let adjustmentReadable: Bool
    let sensorModel: Scenario.SensorModel
    @exclusivity(unchecked) private var pendingOverrunNs: Int64 = 0

    // Session knowledge.
    @exclusivity(unchecked) var knownStop: Int64?
    /// Realtime (and true time) when this incarnation received START.
    @exclusivity(unchecked) var startReading: RealtimeInstant?
    var startDeliveredNs: Int64?
    @exclusivity(unchecked) var lastCapturedIndex: Int64?
    /// Wait-tracking for the watchdog.
    var watchedIndex: Int64?
    var overdueSinceNs: Int64?
    var deadlocked = false
    /// True time of the last crash (frames between it and the rejoin are explained by it).
    var crashedAtNs: Int64?
    // Re-convergence tracking.
    @exclusivity(unchecked) var convergeFromNs: Int64?
    var convergedSamples = 0

    // Streaming (phase-locked capture, `SimNode+Streaming`): the frame in progress, whose interrupt
    // is the pending `.sensorFrame` event of this generation, and who takes the completed frames.
    @exclusivity(unchecked) var streamGeneration: UInt32 = 0
    @exclusivity(unchecked) var streamFrame: (frame: Int64, startTrueNs: Int64, lines: Int64) = (0, 0, 0)
    var streamSink: PhaseLockedStrategy?

    init(id: Int, engine: Simulation, clock: NodeClock, servo: PIServo?, sensor: SimSensor, exposureNs: Int64, random: SimRandom) {
        self.id = id
        self.engine = engine
        self.clock = clock
        self.servo = servo
        ptp = SimNodePTP(gate: engine.scenario.ptpGate)
        self.sensor = sensor
        self.exposureNs = exposureNs
        timerModel = engine.scenario.timer
        adjustmentReadable = engine.scenario.clock.adjustmentReadable
        sensorModel = engine.scenario.sensor
        timerRandom = random.derived(1)
        readRandom = random.derived(2)
        servoRandom = random.derived(3)
        sensorRandom = random.derived(4)
        seenRealtimeOffsetNs = clock.realtimeOffsetNs
        camera = SimCamera(name: "cam\(id)", node: self)
    }

    // MARK: Clocks

    var realtimeNow: RealtimeInstant { clock.realtime(atTrue: engine.nowNs) }
    var monotonicNow: MonotonicInstant { clock.monotonic(atTrue: engine.nowNs) }

    /// A monotonic–realtime–monotonic read in virtual time, through `sampling`'s retry policy.
    func sampleClockPair(_ sampling: ClockPairSampling) -> ClockSample {
        let now = engine.nowNs
        let model = timerModel
        var offset: Int64 = 0
        return sampling.sample {
            let d1 = Int64(readRandom.below(UInt64(model.clockReadNs) + 1))
            let d2 = Int64(readRandom.below(UInt64(model.clockReadNs) + 1))
            var preempted: Int64 = 0
            if readRandom.chance(ppm: model.preemptionPpm) {
                preempted = readRandom.int(in: model.preemptionMinNs...model.preemptionMaxNs)
            }
            let t = now + offset
            let m1 = clock.monotonic(atTrue: t)
            let r = clock.realtime(atTrue: t + d1 + preempted)
            let m2 = clock.monotonic(atTrue: t + d1 + preempted + d2)
            offset += d1 + d2 + preempted
            return (m1, r, m2)
        }
    }

    /// What adjtimex would say now: the servo's adjustment and any slew, not the oscillator's own
    /// error; nil when the scenario's nodes cannot read it (`clock.adjustment-readable: false`).
    var frequencyAdjustmentPpb: Double? {
        adjustmentReadable ? Double(clock.adjustmentPpt + clock.slewPpt) / 1000 : nil
    }

    /// Clock changed (rate or step): a pending timer's firing instant moves with it.
    func clockChanged() {
        if clock.realtimeOffsetNs != seenRealtimeOffsetNs {
            let by = clock.realtimeOffsetNs - seenRealtimeOffsetNs
            seenRealtimeOffsetNs = clock.realtimeOffsetNs
            realtimeStepped(byNs: by)
        }
        guard armedTarget != nil, !armedStepNotice, armedFireNs - armedLatencyNs > engine.nowNs else { return }
        scheduleArmed()
    }

    /// The kernel's behaviour on a step of CLOCK_REALTIME: every armed `TFD_TIMER_CANCEL_ON_SET`
    /// timerfd is cancelled and its reader woken. A step-aware deadline timer has one beside its
    /// deadline, so its thread wakes (one wake latency later) with a step notice for the armed
    /// deadline; an unaware one sleeps on towards the stale monotonic instant.
    private func realtimeStepped(byNs: Int64) {
        if awaiting != nil { stats.steps.stepped(atNs: engine.nowNs, byNs: byNs, skippedSoFar: stats.skipped) }
        guard armedStepAware, !armedStepNotice, case .monotonic = armedTarget, case .firing = armedHandler else { return }
        armedStepNotice = true
        armedLatencyNs = drawLatency()
        generation &+= 1
        armedFireNs = engine.nowNs + armedLatencyNs
        Borrowed(engine).borrow { $0.schedule(.timer(node: Int32(id), generation: generation), at: armedFireNs) }
    }

    // MARK: Timer

    func armTimer(_ target: TimerTarget, _ handler: @escaping (MonotonicInstant) -> Void) {
        guard up else { return }
        armedLatencyNs = drawLatency()
        armedTarget = target
        armedHandler = .woke(handler)
        armedStepAware = false
        armedStepNotice = false
        scheduleArmed()
    }

    /// Arms an absolute monotonic deadline whose handler takes the HAL's ``TimerFiring``
    /// (no wrapping closure: this runs for every frame of the genlock strategy).
    func armDeadline(_ deadline: MonotonicInstant, stepAware: Bool, _ handler: @escaping @Sendable (TimerFiring) -> Void) {
        guard up else { return }
        armedLatencyNs = drawLatency()
        armedTarget = .monotonic(deadline)
        armedHandler = .firing(handler, deadline)
        armedStepAware = stepAware
        armedStepNotice = false
        scheduleArmed()
    }

    func cancelTimer() {
        armedTarget = nil
        armedHandler = nil
        armedStepNotice = false
        generation &+= 1
    }

    private func scheduleArmed() {
        guard let target = armedTarget else { return }
        generation &+= 1
        let now = engine.nowNs
        let reach: Int64
        switch target {
        case .monotonic(let m): reach = clock.trueTime(whenMonotonicReaches: m, notBefore: now)
        case .realtime(let r): reach = clock.trueTime(whenRealtimeReaches: r, notBefore: now)
        }
        armedFireNs = reach + armedLatencyNs
        Borrowed(engine).borrow { $0.schedule(.timer(node: Int32(id), generation: generation), at: armedFireNs) }
    }

    func timerFired(generation g: UInt32) {
        guard g == generation, up, armedTarget != nil, armedHandler != nil else { return }
        armedTarget = nil
        let cause: TimerFiring.Cause = armedStepNotice ? .realtimeStep : .deadline
        armedStepNotice = false
        // Moved out rather than copied and then cleared: one retain and release less per frame.
        switch armedHandler.take()! {
        case .woke(let h): h(monotonicNow)
        case .firing(let h, let deadline): h(TimerFiring(deadline: deadline, wokeAt: monotonicNow, cause: cause))
        }
    }

    private func drawLatency() -> Int64 {
        let model = timerModel
        var latency = model.latencyMinNs + timerRandom.exponential(mean: model.latencyMeanNs)
        if timerRandom.chance(ppm: model.preemptionPpm) {
            latency += timerRandom.int(in: model.preemptionMinNs...model.preemptionMaxNs)
        }
        if pendingOverrunNs > 0 {
            latency += pendingOverrunNs
            pendingOverrunNs = 0
        }
        if latency > engine.periodNs / 2 {
            engine.disturb(node: id, fromNs: engine.nowNs, untilNs: engine.nowNs + latency + engine.periodNs, cause: "wake-up \(TimeSpanFormat.text(latency)) late")
        }
        return latency
    }

    /// The next wake-up (or the one pending) comes `byNs` late.
    func overrun(byNs: Int64) {
        if armedTarget != nil, armedFireNs > engine.nowNs {
            armedLatencyNs += byNs
            engine.disturb(node: id, fromNs: engine.nowNs, untilNs: armedFireNs + byNs + engine.periodNs, cause: "timer overrun")
            if armedStepNotice {
                // The step notice's wake-up is what runs late.
                armedFireNs += byNs
                generation &+= 1
                Borrowed(engine).borrow { $0.schedule(.timer(node: Int32(id), generation: generation), at: armedFireNs) }
            } else {
                scheduleArmed()
            }
        } else {
            pendingOverrunNs += byNs
        }
    }

    // MARK: Capture

    /// A strategy decided to capture frame `index` now; `reading` is the realtime it judged by.
    func capture(index: Int64, scheduled: RealtimeInstant, reading: ClockSample, wakeErrorNs: Int64) {
        guard up else { return }
        Borrowed(engine).borrow { $0.checkCapture(node: self, index: index, scheduled: scheduled, reading: reading.realtime) }
        stats.captured += 1
        stats.wakeErrorNs.add(wakeErrorNs)
        let latenessNs = (reading.realtime - scheduled).nanoseconds
        stats.realtimeLatenessNs.add(latenessNs)
        stats.steps.captured(index: index, latenessNs: latenessNs, skippedSoFar: stats.skipped)
        lastCapturedIndex = index
        let request = CaptureRequest(index: index, scheduled: scheduled, wake: reading, wakeError: TimeSpan(nanoseconds: wakeErrorNs))
        do {
            try Borrowed(camera).borrow { try $0.queue(request) }
        } catch {
            engine.violation("node \(id): camera refused frame \(index): \(error)")
        }
    }

    /// The sensor model takes a queued request: the first frame starting after the pipeline latency.
    func sensorTakes(_ request: CaptureRequest) {
        let model = sensorModel
        let now = engine.nowNs
        let frame = sensor.firstFrame(startingAtOrAfter: now + model.pipelineLatencyNs)
        let truth = FrameTruth(
            node: id, index: request.index, requestTrueNs: now, exposureStartTrueNs: frame.startTrueNs,
            exposureNs: exposureNs, lineTimeTrueNs: sensor.lineTimeTrueNs, globalShutter: model.shutter == .global,
            sensorFrame: frame.frame, sensorTimestamp: sensorTimestamp(startTrueNs: frame.startTrueNs))
        Borrowed(engine).borrow { $0.record(truth) }
    }

    /// What the Pi 5 driver stamps for a frame whose row 0 starts exposing at `startTrueNs`:
    /// monotonic at the frame-start interrupt (end of row 0's exposure plus interrupt latency), with jitter.
    func sensorTimestamp(startTrueNs: Int64) -> MonotonicInstant {
        let model = sensorModel
        let jitter = model.timestampJitterNs == 0 ? 0 : sensorRandom.int(in: -model.timestampJitterNs...model.timestampJitterNs)
        return clock.monotonic(atTrue: startTrueNs + exposureNs + model.interruptLatencyNs) + TimeSpan(nanoseconds: jitter)
    }

    func skipped(_ range: Range<Int64>) { stats.skipped += Int64(range.count) }

    // MARK: Life cycle

    func crash() {
        strategy?.halt()
        stopStreaming()
        strategy = nil
        cancelTimer()
        camera.stop()
        up = false
        crashedAtNs = engine.nowNs
        deadlocked = false
        startReading = nil
        startDeliveredNs = nil
        watchedIndex = nil
        overdueSinceNs = nil
    }

    func restart() {
        up = true
        camera.restart()
    }

    /// The wait the watchdog should see: (index, `Tn`) of the frame this node is waiting for.
    var awaiting: (index: Int64, scheduled: RealtimeInstant)? {
        guard up, !deadlocked, let s = strategy, !s.isFinished else { return nil }
        return s.awaiting
    }
}
