import GenlockCore
import GenlockHAL

/// A deadlock the watchdog found: a node waiting for frame `index` long after its instant.
public struct Deadlock: Hashable, Sendable, Codable, CustomStringConvertible {
    public var node: Int
    public var index: Int64
    /// `Tn` the node was waiting for.
    public var scheduledNs: Int64
    /// True time (ns since the run began) at which the watchdog gave up.
    public var detectedAtTrueNs: Int64
    /// The node's realtime then.
    public var realtimeNs: Int64

    public var description: String {
        "node \(node) waits forever for frame \(index) (Tn = \(scheduledNs) ns): realtime read \(realtimeNs) ns "
            + "at true \(TimeSpanFormat.text(detectedAtTrueNs)), \(TimeSpanFormat.text(realtimeNs - scheduledNs)) past Tn"
    }
}

/// The deterministic rig simulator: a single-threaded discrete-event loop over integer
/// nanoseconds of true time. One seed drives every random stream; no threads, no Dispatch, no
/// wall clock. Every processed event is hashed, so the same scenario and seed give the same
/// trace hash bit for bit.
public final class Simulation: @unchecked Sendable {
    public let scenario: Scenario
    public let seed: UInt64
    public let strategy: StrategyKind
    /// Realtime (ns since the epoch) of the grandmaster at true time 0.
    public static let epochNs: Int64 = 1_800_000_000_000_000_000

    // The hottest state is exempt from dynamic exclusivity checks: the engine is single-threaded
    // and never holds an access to these across a call that could reach them again.
    @exclusivity(unchecked) private var queue = EventQueue()
    @exclusivity(unchecked) private(set) var trace = TraceHash()
    var nodes: [SimNode] = []
    private var network: SimNetwork
    private var random: SimRandom
    /// The grandmaster's offset from true time (failover jumps it).
    private(set) var grandmasterOffsetNs: Int64 = 0
    private var grandmasterJumpTotalNs: Int64 = 0

    // Coordinator.
    /// The session the coordinator announces (T0 = its clock at START plus the lead).
    public let plan: StartPlan
    /// The stop index STOP announces.
    public let stopIndex: Int64
    private var stopSent = false
    private var startAcked: [Bool]
    private var stopAcked: [Bool]
    private var startLoopActive = false
    private var stopLoopActive = false
    private var inFlight: [Int32: (from: Endpoint, to: Endpoint, message: ControlMessage)] = [:]
    private var nextMessage: Int32 = 0
    let stopSendNs: Int64
    let endNs: Int64
    let periodNs: Int64

    // Results.
    @exclusivity(unchecked) private(set) var frames: FrameTable
    private(set) var deadlocks: [Deadlock] = []
    private(set) var violations: [String] = []
    private(set) var violationCount: Int64 = 0
    private(set) var disturbances: [[(fromNs: Int64, untilNs: Int64, cause: String)]]
    @exclusivity(unchecked) private(set) var eventsProcessed: Int64 = 0
    private var truthSink: ((FrameTruth) -> Void)?

    /// Builds a run of `scenario` with `seed` (default: the scenario's) and `strategy` (default: the scenario's).
    public init(scenario: Scenario, seed: UInt64? = nil, strategy: StrategyKind? = nil) {
        self.scenario = scenario
        self.seed = seed ?? scenario.seed
        self.strategy = strategy ?? scenario.strategy
        random = SimRandom(seed: self.seed)
        let n = scenario.nodes
        network = SimNetwork(
            delayMinNs: scenario.network.delayMinNs, delayMeanNs: scenario.network.delayMeanNs,
            lossPpm: scenario.network.lossPpm, random: random.derived(0xFE7))
        let s = scenario.schedule
        let t0 = RealtimeInstant(nanosecondsSinceEpoch: Self.epochNs + s.startAtNs + s.leadNs)
        let schedule = FrameSchedule(start: t0, rate: s.rate)
        plan = StartPlan(schedule: schedule, firstIndex: 0)
        stopIndex = (try? schedule.stopIndex(firstIndex: 0, duration: TimeSpan(nanoseconds: s.durationNs))) ?? 1
        let stopDeadline = (try? schedule.deadline(of: stopIndex))?.nanosecondsSinceEpoch ?? t0.nanosecondsSinceEpoch
        periodNs = s.rate.nominalPeriod.nanoseconds
        stopSendNs = max(s.startAtNs, stopDeadline - Self.epochNs - s.stopLeadNs)
        var gmJumps: Int64 = 0
        for f in scenario.faults { if case .grandmasterFailover(let by) = f.kind { gmJumps += abs(by) } }
        endNs = stopDeadline - Self.epochNs + max(3_000_000_000, 2 * scenario.watchdogTimeoutNs) + gmJumps
        startAcked = Array(repeating: false, count: n)
        stopAcked = Array(repeating: false, count: n)
        disturbances = Array(repeating: [], count: n)
        frames = FrameTable(nodes: n, periodNs: periodNs)
        frames.limitIndex = stopIndex
        buildNodes()
        scheduleInitialEvents()
    }

    /// Receives the ground truth of every captured frame as it is recorded (for tests and tools).
    public func onFrame(_ sink: @escaping (FrameTruth) -> Void) { truthSink = sink }

    public var nowNs: Int64 { queue.nowNs }

    func schedule(_ kind: SimEventKind, at timeNs: Int64) { queue.schedule(kind, at: timeNs) }

    /// The grandmaster's realtime at true time `t`.
    func referenceNs(atTrue t: Int64) -> Int64 { Self.epochNs + t + grandmasterOffsetNs }

    private func buildNodes() {
        let c = scenario.clock
        let sv = scenario.servo
        for i in 0..<scenario.nodes {
            var r = random.derived(UInt64(100 + i))
            let oscPpt = c.oscillatorSpreadPpm == 0 ? 0 : Int64((r.unit() * 2 - 1) * c.oscillatorSpreadPpm * Double(NodeClock.pptPerPpm))
            let initialOffset = c.initialOffsetSpreadNs == 0 ? 0 : r.int(in: -c.initialOffsetSpreadNs...c.initialOffsetSpreadNs)
            let mono = 1_000_000_000_000 + r.int(in: 0...1_000_000_000_000)
            var clock = NodeClock(trueNs: 0, monotonicNs: mono, realtimeNs: Self.epochNs + initialOffset, oscillatorPpt: oscPpt)
            var servo: PIServo? = nil
            if sv.enabled {
                let s = Double(sv.syncIntervalNs) / 1e9
                let gains = PIServo.Configuration.linuxptpGains(
                    syncIntervalSeconds: s, kpScale: sv.hardwareTimestamping ? 0.7 : 0.1, kiScale: sv.hardwareTimestamping ? 0.3 : 0.001)
                let config = PIServo.Configuration(
                    kp: sv.kp ?? gains.kp, ki: sv.ki ?? gains.ki, firstStepThresholdNs: sv.firstStepThresholdNs,
                    stepThresholdNs: sv.stepThresholdNs, maxFrequencyPpb: sv.maxFrequencyPpm * 1000)
                // A node whose ptp4l has been running has already learned its oscillator's error.
                let learnedPpb = c.startLocked ? Double(oscPpt) / 1000 : 0
                servo = PIServo(configuration: config, initialFrequencyPpb: learnedPpb)
                if c.startLocked { clock.setAdjustment(ppt: -oscPpt, atTrue: 0) }
            }
            let sm = scenario.sensor
            let crystalPpt = sm.crystalSpreadPpm == 0 ? 0 : Int64((r.unit() * 2 - 1) * sm.crystalSpreadPpm * Double(NodeClock.pptPerPpm))
            let multiple = sm.mode == .continuous ? 1 : sm.rateMultiple
            let timing = SensorTiming(
                lineTimePs: sm.lineTimeNs * 1000, minFrameLengthLines: sm.minFrameLengthLines,
                maxFrameLengthLines: sm.maxFrameLengthLines, controlDelayFrames: Int(sm.controlDelayFrames))
            let lines = timing.nominalLines(for: TimeSpan(nanoseconds: periodNs / multiple))
            let probe = SimSensor(timing: timing, crystalPpt: crystalPpt, frameLengthLines: lines, firstStartTrueNs: 0)
            let phase = r.int(in: 0...(probe.durationTrueNs(lines: lines) - 1))
            let sensor = SimSensor(timing: timing, crystalPpt: crystalPpt, frameLengthLines: lines, firstStartTrueNs: phase)
            nodes.append(SimNode(id: i, engine: self, clock: clock, servo: servo, sensor: sensor, exposureNs: sm.exposureNs, random: r.derived(7)))
        }
    }

    private func scheduleInitialEvents() {
        if scenario.servo.enabled {
            for node in nodes {
                var stream = random.derived(UInt64(200 + node.id))
                let phase = Int64(stream.below(UInt64(scenario.servo.syncIntervalNs)))
                schedule(.servoSample(node: Int32(node.id)), at: phase)
            }
        }
        for (i, f) in scenario.faults.enumerated() { schedule(.fault(index: Int32(i)), at: f.atNs) }
        schedule(.coordinator(step: 0), at: scenario.schedule.startAtNs)
        startLoopActive = true
        schedule(.coordinator(step: 1), at: stopSendNs)
        schedule(.watchdog, at: 100_000_000)
    }

    // MARK: Running

    /// Runs to the end of the scenario and reports.
    public func run() -> SimulationReport {
        while let event = queue.next(notAfter: endNs) {
            dispatch(event)
        }
        queue.advance(to: endNs)
        finishRun()
        return SimulationReport(self)
    }

    /// Processes events up to true time `limitNs` (for stepping a run in tests). Returns how many.
    @discardableResult
    public func advance(to limitNs: Int64) -> Int {
        var n = 0
        while let event = queue.next(notAfter: min(limitNs, endNs)) {
            dispatch(event)
            n += 1
        }
        queue.advance(to: min(limitNs, endNs))
        return n
    }

    private func dispatch(_ event: SimEvent) {
        eventsProcessed += 1
        let code = event.kind.traceCode
        trace.record(event.timeNs, code.0, code.1, code.2)
        switch event.kind {
        case .timer(let n, let g):
            nodes[Int(n)].timerFired(generation: g)
        case .servoSample(let n):
            servoSample(nodes[Int(n)])
            schedule(.servoSample(node: n), at: event.timeNs + scenario.servo.syncIntervalNs)
        case .delivery(let m):
            if let msg = inFlight.removeValue(forKey: m) { deliver(msg.message, from: msg.from, to: msg.to) }
        case .coordinator(let step):
            coordinatorStep(Int(step))
        case .fault(let i):
            if Int(i) < scenario.faults.count {
                apply(scenario.faults[Int(i)])
            } else if let targets = slewEnd(Int(i)) {
                for t in targets {
                    nodes[t].clock.setSlew(ppt: 0, atTrue: nowNs)
                    nodes[t].clockChanged()
                }
            }
        case .restart(let n):
            let node = nodes[Int(n)]
            node.restart()
            send(.hello, from: .node(node.id), to: .coordinator)
        case .watchdog:
            watchdog()
            schedule(.watchdog, at: event.timeNs + 100_000_000)
        }
    }

    // MARK: PTP

    private func servoSample(_ node: SimNode) {
        guard var servo = node.servo else { return }
        let now = nowNs
        let sv = scenario.servo
        // Oscillator wander: a random walk, one step per sync interval.
        if scenario.clock.wanderPpbPerSqrtSecond > 0 {
            let sigmaPpt = scenario.clock.wanderPpbPerSqrtSecond * 1000 * (Double(sv.syncIntervalNs) / 1e9).squareRoot()
            let step = Int64(node.servoRandom.gaussian(sigma: sigmaPpt).rounded())
            node.clock.setOscillator(ppt: node.clock.oscillatorPpt + step, atTrue: now)
        }
        let local = node.clock.realtime(atTrue: now).nanosecondsSinceEpoch
        let trueOffset = local - referenceNs(atTrue: now)
        let measured = trueOffset + node.servoRandom.gaussian(sigma: sv.measurementNoiseNs)
        let (ppb, state) = servo.sample(offsetNs: measured, localNs: local)
        node.servo = servo
        switch state {
        case .unlocked:
            break
        case .jump:
            node.clock.stepRealtime(by: -measured)
            node.clock.setAdjustment(ppt: Int64((-ppb * 1000).rounded()), atTrue: now)
            node.stats.servoSteps += 1
            trace.record(now, 20, Int64(node.id), -measured)
        case .locked:
            node.clock.setAdjustment(ppt: Int64((-ppb * 1000).rounded()), atTrue: now)
        }
        node.clockChanged()
        // Re-convergence after a clock fault: three consecutive samples within the threshold.
        if let from = node.convergeFromNs {
            let after = node.clock.realtime(atTrue: now).nanosecondsSinceEpoch - referenceNs(atTrue: now)
            if after.magnitude <= UInt64(sv.convergedWithinNs) {
                node.convergedSamples += 1
                if node.convergedSamples >= 3 {
                    node.stats.reconvergenceNs[node.stats.reconvergenceNs.count - 1] = now - from
                    node.convergeFromNs = nil
                }
            } else {
                node.convergedSamples = 0
            }
        }
    }

    private func clockFault(_ node: SimNode) {
        if node.convergeFromNs == nil { node.stats.reconvergenceNs.append(nil) }
        node.convergeFromNs = nowNs
        node.convergedSamples = 0
    }

    // MARK: Faults

    private func apply(_ fault: Scenario.Fault) {
        let targets = scenario.targets(of: fault)
        let now = nowNs
        switch fault.kind {
        case .step(let by):
            for i in targets {
                let node = nodes[i]
                node.clock.stepRealtime(by: by)
                node.clockChanged()
                clockFault(node)
                // Frames whose instants were jumped over (or repeated) are explained by the step.
                disturb(node: i, fromNs: now - periodNs, untilNs: now + abs(by) + 2 * periodNs, cause: "realtime step \(TimeSpanFormat.text(by))")
            }
        case .slew(let ppm, let duration):
            for i in targets {
                let node = nodes[i]
                node.clock.setSlew(ppt: Int64(ppm * Double(NodeClock.pptPerPpm)), atTrue: now)
                node.clockChanged()
                clockFault(node)
            }
            // The slew ends by itself: a fault entry of its own, applied through a zero slew.
            endSlew(targets, at: now + duration)
        case .grandmasterFailover(let by):
            grandmasterOffsetNs += by
            grandmasterJumpTotalNs += abs(by)
            for node in nodes { clockFault(node) }
        case .messageLoss(let ppm, let duration):
            network.addLossWindow(.init(fromNs: now, untilNs: now + duration, nodes: fault.nodes.map(Set.init), lossPpm: ppm))
        case .crash(let down):
            for i in targets where nodes[i].up {
                nodes[i].crash()
                disturb(node: i, fromNs: now - periodNs, untilNs: now + down, cause: "crash")
                schedule(.restart(node: Int32(i)), at: now + down)
            }
        case .timerOverrun(let by):
            for i in targets { nodes[i].overrun(byNs: by) }
        }
    }

    private var slewEnds: [(atNs: Int64, nodes: [Int])] = []
    private func endSlew(_ targets: [Int], at t: Int64) {
        // Reuse the fault event channel with an index past the scenario's faults.
        slewEnds.append((t, targets))
        schedule(.fault(index: Int32(scenario.faults.count + slewEnds.count - 1)), at: t)
    }

    // MARK: Network and coordinator

    func send(_ message: ControlMessage, from: Endpoint, to: Endpoint) {
        guard let at = network.transit(from: from, to: to, atNs: nowNs) else { return }
        let id = nextMessage
        nextMessage &+= 1
        inFlight[id] = (from, to, message)
        schedule(.delivery(message: id), at: at)
    }

    private func coordinatorStep(_ step: Int) {
        let retransmit = scenario.network.retransmitNs
        if step == 0 {
            var pending = false
            var announced = plan
            if stopSent { announced.stopIndex = stopIndex }
            for i in nodes.indices where !startAcked[i] {
                send(.start(announced), from: .coordinator, to: .node(i))
                pending = true
            }
            startLoopActive = pending
            if pending { schedule(.coordinator(step: 0), at: nowNs + retransmit) }
        } else {
            stopSent = true
            var pending = false
            for i in nodes.indices where !stopAcked[i] {
                send(.stop(stopIndex: stopIndex), from: .coordinator, to: .node(i))
                pending = true
            }
            stopLoopActive = pending
            if pending && nowNs < endNs { schedule(.coordinator(step: 1), at: nowNs + retransmit) }
        }
    }

    private func deliver(_ message: ControlMessage, from: Endpoint, to: Endpoint) {
        switch to {
        case .coordinator:
            guard case .node(let i) = from else { return }
            switch message {
            case .startAck: startAcked[i] = true
            case .stopAck: stopAcked[i] = true
            case .hello:
                startAcked[i] = false
                if !startLoopActive {
                    startLoopActive = true
                    coordinatorStep(0)
                }
            default: break
            }
        case .node(let i):
            let node = nodes[i]
            guard node.up else { return }
            switch message {
            case .start(let p):
                if node.strategy == nil {
                    node.startReading = node.realtimeNow
                    node.stats.startReadingsNs.append(node.realtimeNow.nanosecondsSinceEpoch)
                    node.startDeliveredNs = nowNs
                    let s = makeStrategy(node)
                    node.strategy = s
                    if let stop = p.stopIndex { node.knownStop = stop }
                    s.start(p)
                    if let first = node.stats.joinedAt.last, first > p.firstIndex, let t = try? p.schedule.deadline(of: first) {
                        // Frames before a late join are explained by the late START.
                        // (After a crash, only the frames since the crash.)
                        let from = node.crashedAtNs.map { $0 - periodNs } ?? scenario.schedule.startAtNs
                        disturb(node: i, fromNs: from, untilNs: t.nanosecondsSinceEpoch - Self.epochNs, cause: "joined late")
                    }
                }
                send(.startAck, from: .node(i), to: .coordinator)
            case .stop(let n):
                node.knownStop = min(n, node.knownStop ?? n)
                node.strategy?.stop(at: n)
                send(.stopAck, from: .node(i), to: .coordinator)
            default:
                break
            }
        }
    }

    private func makeStrategy(_ node: SimNode) -> SimStrategy {
        let margin = scenario.schedule.joinMarginNs
        switch strategy {
        case .genlock: return GenlockStrategy(node: node, joinMarginNs: margin)
        case .naive:
            return NaiveStrategy(node: node, joinMarginNs: margin, pollNs: scenario.strategies.naivePollNs, granularityNs: scenario.strategies.naiveGranularityNs)
        case .realtimeTimer: return RealtimeTimerStrategy(node: node, joinMarginNs: margin)
        case .monotonic: return MonotonicStrategy(node: node, joinMarginNs: margin, reanchorNs: scenario.strategies.monotonicReanchorNs)
        }
    }

    // MARK: Invariants and records

    func disturb(node: Int, fromNs: Int64, untilNs: Int64, cause: String) {
        disturbances[node].append((fromNs, untilNs, cause))
    }

    func violation(_ text: String) {
        violationCount += 1
        if violations.count < 100 { violations.append("at true \(TimeSpanFormat.text(nowNs)): \(text)") }
    }

    /// Checks a capture decision: indices strictly increase and mean `Tn` (the realtime reading the
    /// strategy acted on lies in [Tn, Tn+1)); nothing before START; nothing at or after a known stop index.
    func checkCapture(node: SimNode, index: Int64, scheduled: RealtimeInstant, reading: RealtimeInstant) {
        if let last = node.lastCapturedIndex, index <= last {
            violation("node \(node.id): frame \(index) captured after frame \(last) (indices must strictly increase)")
        }
        let tn = try? plan.schedule.deadline(of: index)
        if tn != scheduled { violation("node \(node.id): frame \(index) scheduled at \(scheduled), but Tn is \(String(describing: tn))") }
        let next = try? plan.schedule.deadline(of: index + 1)
        if let tn, let next, !(reading >= tn && reading < next) {
            violation("node \(node.id): frame \(index) captured when realtime read \(reading.nanosecondsSinceEpoch) ns, \(TimeSpanFormat.text((reading - tn).nanoseconds)) from Tn (must be in [Tn, Tn+1))")
        }
        if let start = node.startReading, let tn, tn < start {
            violation("node \(node.id): frame \(index) is due before START reached the node")
        }
        if index < plan.firstIndex { violation("node \(node.id): frame \(index) before the session's first index") }
        if let stop = node.knownStop, index >= stop {
            violation("node \(node.id): frame \(index) captured at or after the known stop index \(stop)")
        }
    }

    func record(_ truth: FrameTruth) {
        trace.record(truth.index, Int64(truth.node), truth.exposureStartTrueNs, truth.requestTrueNs)
        truthSink?(truth)
        if truth.index >= stopIndex {
            nodes[truth.node].stats.droppedAtOrAfterStop += 1  // the recording layer drops it
            return
        }
        while frames.needsRoom(for: truth.index) { frames.finalizeNext(finalize) }
        frames.add(truth)
    }

    private func finalize(_ index: Int64, _ mask: UInt64) {
        // Coverage: every node expected at this index captured it, unless a fault explains it.
        guard let tn = try? plan.schedule.deadline(of: index) else { return }
        let trueT = tn.nanosecondsSinceEpoch - Self.epochNs
        let slack = periodNs + 1_000_000 + grandmasterJumpTotalNs
        for node in nodes where mask & (1 << UInt64(node.id)) == 0 {
            guard let joined = node.stats.joinedAt.first, index >= joined, index < stopIndex else { continue }
            if node.deadlocked { continue }  // reported as a deadlock already
            let explained = disturbances[node.id].contains { trueT >= $0.fromNs - slack && trueT <= $0.untilNs + slack }
            if !explained {
                violation("node \(node.id): frame \(index) missing from its recording with no fault to explain it")
            }
        }
    }

    private func watchdog() {
        let now = nowNs
        for node in nodes {
            guard let (index, tn) = node.awaiting else {
                node.watchedIndex = nil
                node.overdueSinceNs = nil
                continue
            }
            if node.watchedIndex != index {
                node.watchedIndex = index
                node.overdueSinceNs = nil
            }
            let realtime = node.realtimeNow
            if realtime >= tn {
                if node.overdueSinceNs == nil { node.overdueSinceNs = now }
                if now - node.overdueSinceNs! >= scenario.watchdogTimeoutNs {
                    let d = Deadlock(node: node.id, index: index, scheduledNs: tn.nanosecondsSinceEpoch, detectedAtTrueNs: now, realtimeNs: realtime.nanosecondsSinceEpoch)
                    deadlocks.append(d)
                    node.deadlocked = true
                    node.strategy?.halt()
                    trace.record(now, 30, Int64(node.id), index)
                }
            } else {
                node.overdueSinceNs = nil
            }
        }
        frames.finalize(before: now - 8_000_000_000, schedule: plan.schedule, epochNs: Self.epochNs, finalize: finalize)
    }

    private func finishRun() {
        frames.finalize(before: Int64.max, schedule: plan.schedule, epochNs: Self.epochNs, finalize: finalize)
        for node in nodes where node.up && !node.deadlocked {
            if let s = node.strategy, !s.isFinished {
                // Nothing left pending: a wait that outlived the run although its instant had come is
                // a deadlock too. (A node whose realtime was stepped far back is legitimately still
                // waiting; the frames it misses are explained by that step.)
                if let (index, tn) = s.awaiting {
                    guard node.realtimeNow >= tn else { continue }
                    deadlocks.append(Deadlock(node: node.id, index: index, scheduledNs: tn.nanosecondsSinceEpoch, detectedAtTrueNs: nowNs, realtimeNs: node.realtimeNow.nanosecondsSinceEpoch))
                } else {
                    violation("node \(node.id): still running at the end of the run")
                }
            } else if node.strategy == nil {
                violation("node \(node.id): never received START")
            }
        }
    }

    // Slew ends ride on fault indices past the scenario's list.
    func slewEnd(_ index: Int) -> [Int]? {
        let k = index - scenario.faults.count
        return k >= 0 && k < slewEnds.count ? slewEnds[k].nodes : nil
    }

    var networkStats: (sent: Int64, lost: Int64) { (network.sent, network.lost) }
}
