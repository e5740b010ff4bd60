import GenlockCore

/// Genlock's phase-locked capture: the sensor streams at the rate and every frame is taken. Each
/// completed frame's sensor timestamp (monotonic, Pi 5 meaning: start of readout of row 0) is
/// mapped through a freshly sampled clock pair to the realtime instant its exposure started, and
/// the core's ``PhaseLock`` numbers it (the nearest `Tn`) and picks the length of the first frame the
/// control delay still lets it change; the sensor is programmed exactly so. Nothing here decides
/// timing: the controller does, as it would on a Pi.
///
/// The stamp is the interrupt, not the readout itself, so the measured exposure start is late by
/// the interrupt latency and the lock lands true exposures that much before `Tn`: the same on every
/// camera of a rig, so it cancels in the cross-camera skew.
final class PhaseLockedStrategy: SimStrategy {
    private unowned(unsafe) let node: SimNode
    private let joinMarginNs: Int64
    private let configuration: PhaseLock.Configuration
    private var lock: PhaseLock?
    private var joinIndex: Int64 = 0
    private var stopIndex: Int64?
    private var finished = false
    private var halted = false
    private let sampling = ClockPairSampling()

    init(node: SimNode, joinMarginNs: Int64, configuration: PhaseLock.Configuration) {
        self.node = node
        self.joinMarginNs = joinMarginNs
        self.configuration = configuration
    }

    func start(_ plan: StartPlan) {
        guard lock == nil, !halted else { return }
        // The same join rule as CaptureScheduler: the first frame at least the join margin ahead.
        let now = node.sampleClockPair(sampling).realtime
        guard let reachable = try? plan.schedule.firstIndex(after: now, margin: TimeSpan(nanoseconds: joinMarginNs)) else {
            node.engine.violation("node \(node.id): no joinable index")
            finished = true
            return
        }
        joinIndex = max(plan.firstIndex, reachable)
        if let s = plan.stopIndex { stopIndex = min(s, stopIndex ?? s) }
        node.stats.joinedAt.append(joinIndex)
        if let s = stopIndex, joinIndex >= s {
            finished = true
            return
        }
        lock = PhaseLock(schedule: plan.schedule, sensor: node.sensor.timing, firstIndex: joinIndex, configuration: configuration)
        node.stats.phaseLock.started(atNs: node.engine.nowNs)
        node.startStreaming(to: self)
    }

    func stop(at stopIndex: Int64) {
        self.stopIndex = min(stopIndex, self.stopIndex ?? stopIndex)
        if let last = lock?.lastIndex, last + 1 >= stopIndex { finish() }
    }

    func halt() {
        halted = true
        node.stopStreaming()
    }

    /// One completed frame, at its frame-start interrupt.
    func frameCompleted(sequence: Int64, startTrueNs: Int64, timestamp: MonotonicInstant) {
        guard lock != nil, !finished else { return }
        let sample = node.sampleClockPair(sampling)
        let exposure = TimeSpan(nanoseconds: node.exposureNs)
        let measured = sample.realtime(at: SensorTimestampMeaning.startOfReadout.exposureStart(timestamp: timestamp, exposure: exposure))
        let decision: PhaseLock.Decision
        do {
            // In place (`lock!`): a copy would copy the controller's ring on every frame.
            decision = try lock!.update(PhaseLock.Frame(sequence: sequence, exposureStart: measured))
        } catch {
            node.engine.violation("node \(node.id): phase lock failed: \(error)")
            finish()
            return
        }
        do {
            try node.sensor.setFrameLength(lines: decision.frameLengthLines, forFrame: decision.applySequence)
        } catch {
            node.engine.violation("node \(node.id): sensor refused the phase lock's frame length: \(error)")
        }
        node.stats.phaseLock.observe(decision, atNs: node.engine.nowNs)
        guard let index = decision.index else { return }  // pre-roll, or an index already taken
        if let s = stopIndex, index >= s {
            finish()
            return
        }
        node.recordStreamed(index: index, sequence: sequence, startTrueNs: startTrueNs, measured: measured, timestamp: timestamp)
        if let s = stopIndex, index + 1 >= s { finish() }
    }

    private func finish() {
        finished = true
        node.stopStreaming()
    }

    /// The next index this node should record, and its `Tn` (for the watchdog).
    var awaiting: (index: Int64, scheduled: RealtimeInstant)? {
        guard let lock, !finished, !halted else { return nil }
        let next = (lock.lastIndex ?? joinIndex - 1) + 1
        guard let tn = try? lock.schedule.deadline(of: next) else { return nil }
        return (next, tn)
    }

    var isFinished: Bool { finished }
}
