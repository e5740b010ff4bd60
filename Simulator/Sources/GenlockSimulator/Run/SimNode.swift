import GenlockCore
import GenlockHAL

/// What a node's single deadline timer waits for.
public enum TimerTarget: Hashable, Sendable {
    /// CLOCK_MONOTONIC absolute (`TIMER_ABSTIME`): unaffected by realtime steps.
    case monotonic(MonotonicInstant)
    /// CLOCK_REALTIME absolute: the kernel re-evaluates it when realtime is stepped.
    case realtime(RealtimeInstant)
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
}

/// One simulated camera node: its clocks and servo, its timer, its sensor, and the strategy
/// (capture code) running on it. Owned by the ``Simulation``; single-threaded.
public final class SimNode: @unchecked Sendable {
    public let id: Int
    unowned let engine: Simulation
    var clock: NodeClock
    var servo: PIServo?
    var sensor: SensorTiming
    let exposureNs: Int64
    private var timerRandom: SimRandom
    private var readRandom: SimRandom
    var servoRandom: SimRandom
    private var sensorRandom: SimRandom
    private(set) var camera: SimCamera!
    var strategy: SimStrategy?
    public private(set) var up = true
    var stats = NodeStats()

    // Timer state: one armed deadline at a time; `generation` makes superseded events stale.
    private var generation: UInt32 = 0
    private var armed: (target: TimerTarget, latencyNs: Int64, fireNs: Int64, handler: (MonotonicInstant) -> Void)?
    private var pendingOverrunNs: Int64 = 0

    // Session knowledge.
    var knownStop: Int64?
    /// Realtime (and true time) when this incarnation received START.
    var startReading: RealtimeInstant?
    var startDeliveredNs: Int64?
    var lastCapturedIndex: Int64?
    /// Wait-tracking for the watchdog.
    var watchedIndex: Int64?
    var overdueSinceNs: Int64?
    var deadlocked = false
    // Re-convergence tracking.
    var convergeFromNs: Int64?
    var convergedSamples = 0

    init(id: Int, engine: Simulation, clock: NodeClock, servo: PIServo?, sensor: SensorTiming, exposureNs: Int64, random: SimRandom) {
        self.id = id
        self.engine = engine
        self.clock = clock
        self.servo = servo
        self.sensor = sensor
        self.exposureNs = exposureNs
        timerRandom = random.derived(1)
        readRandom = random.derived(2)
        servoRandom = random.derived(3)
        sensorRandom = random.derived(4)
        camera = SimCamera(name: "cam\(id)", node: self)
    }

    // MARK: Clocks

    var realtimeNow: RealtimeInstant { clock.realtime(atTrue: engine.nowNs) }
    var monotonicNow: MonotonicInstant { clock.monotonic(atTrue: engine.nowNs) }

    /// A monotonic–realtime–monotonic read in virtual time, through `sampling`'s retry policy.
    func sampleClockPair(_ sampling: ClockPairSampling) -> ClockSample {
        let now = engine.nowNs
        let model = engine.scenario.timer
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

    /// Clock changed (rate or step): a pending timer's firing instant moves with it.
    func clockChanged() {
        guard let a = armed, a.fireNs - a.latencyNs > engine.nowNs else { return }
        scheduleArmed()
    }

    // MARK: Timer

    func armTimer(_ target: TimerTarget, _ handler: @escaping (MonotonicInstant) -> Void) {
        guard up else { return }
        armed = (target, drawLatency(), 0, handler)
        scheduleArmed()
    }

    func cancelTimer() {
        armed = nil
        generation &+= 1
    }

    private func scheduleArmed() {
        guard var a = armed else { return }
        generation &+= 1
        let now = engine.nowNs
        let reach: Int64
        switch a.target {
        case .monotonic(let m): reach = clock.trueTime(whenMonotonicReaches: m, notBefore: now)
        case .realtime(let r): reach = clock.trueTime(whenRealtimeReaches: r, notBefore: now)
        }
        a.fireNs = reach + a.latencyNs
        armed = a
        engine.schedule(.timer(node: Int32(id), generation: generation), at: a.fireNs)
    }

    func timerFired(generation g: UInt32) {
        guard g == generation, up, let a = armed else { return }
        armed = nil
        a.handler(monotonicNow)
    }

    private func drawLatency() -> Int64 {
        let model = engine.scenario.timer
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
        if var a = armed, a.fireNs > engine.nowNs {
            a.latencyNs += byNs
            armed = a
            engine.disturb(node: id, fromNs: engine.nowNs, untilNs: a.fireNs + byNs + engine.periodNs, cause: "timer overrun")
            scheduleArmed()
        } else {
            pendingOverrunNs += byNs
        }
    }

    // MARK: Capture

    /// A strategy decided to capture frame `index` now; `reading` is the realtime it judged by.
    func capture(index: Int64, scheduled: RealtimeInstant, reading: ClockSample, wakeErrorNs: Int64) {
        guard up else { return }
        engine.checkCapture(node: self, index: index, scheduled: scheduled, reading: reading.realtime)
        stats.captured += 1
        stats.wakeErrorNs.add(wakeErrorNs)
        lastCapturedIndex = index
        let request = CaptureRequest(index: index, scheduled: scheduled, wake: reading, wakeError: TimeSpan(nanoseconds: wakeErrorNs))
        do {
            try camera.queue(request)
        } catch {
            engine.violation("node \(id): camera refused frame \(index): \(error)")
        }
    }

    /// The sensor model takes a queued request: the first frame starting after the pipeline latency.
    func sensorTakes(_ request: CaptureRequest) {
        let model = engine.scenario.sensor
        let now = engine.nowNs
        let frame = sensor.firstFrame(startingAtOrAfter: now + model.pipelineLatencyNs)
        let jitter = model.timestampJitterNs == 0 ? 0 : sensorRandom.int(in: -model.timestampJitterNs...model.timestampJitterNs)
        let stamp = clock.monotonic(atTrue: frame.startTrueNs + exposureNs + model.interruptLatencyNs) + TimeSpan(nanoseconds: jitter)
        engine.record(
            FrameTruth(
                node: id, index: request.index, requestTrueNs: now, exposureStartTrueNs: frame.startTrueNs,
                exposureNs: exposureNs, lineTimeTrueNs: sensor.lineTimeTrueNs, sensorFrame: frame.frame,
                sensorTimestamp: stamp))
    }

    func skipped(_ range: Range<Int64>) { stats.skipped += Int64(range.count) }

    // MARK: Life cycle

    func crash() {
        strategy?.halt()
        strategy = nil
        cancelTimer()
        camera.stop()
        up = false
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

/// Ground truth of one captured frame.
public struct FrameTruth: Hashable, Sendable {
    public var node: Int
    /// Frame index: means `Tn`.
    public var index: Int64
    /// True time the request was queued.
    public var requestTrueNs: Int64
    /// True time row 0 started exposing; row r starts `r × lineTimeTrueNs` later.
    public var exposureStartTrueNs: Int64
    public var exposureNs: Int64
    public var lineTimeTrueNs: Int64
    /// The sensor's own frame counter.
    public var sensorFrame: Int64
    /// What the Pi 5 driver reports: monotonic at the frame-start interrupt (end of row 0's exposure + latency).
    public var sensorTimestamp: MonotonicInstant

    /// True exposure start of row `row` (rolling shutter).
    public func exposureStartTrueNs(row: Int64) -> Int64 { exposureStartTrueNs + row * lineTimeTrueNs }
}
