import GenlockControl
import GenlockCore
import GenlockPTP
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
    /// The strategy's capture mode (phase-locked only for genlock).
    public let capture: Scenario.CaptureMode
    /// Realtime (ns since the epoch) of the grandmaster at true time 0.
    public static let epochNs: Int64 = 1_800_000_000_000_000_000

    // The hottest state is exempt from dynamic exclusivity checks: the engine is single-threaded
    // and never holds an access to these across a call that could reach them again.
    @exclusivity(unchecked) var queue = EventQueue()
    @exclusivity(unchecked) var trace = TraceHash()
    /// Filled once while building; read for every event after that.
    @exclusivity(unchecked) var nodes: [SimNode] = []
    var network: SimNetwork
    var random: SimRandom
    /// The grandmaster's offset from true time (failover jumps it).
    var grandmasterOffsetNs: Int64 = 0
    var grandmasterJumpTotalNs: Int64 = 0
    /// True time of the first fault of the timeline applied (nil: none yet).
    @exclusivity(unchecked) var firstFaultNs: Int64?

    // Control plane (see Simulation+Control).
    /// The session the coordinator announces (T0 = its clock at START plus the lead): the
    /// scenario's nominal one (START at `start-at`) until the coordinator sends START, which a PTP
    /// gate may hold (see Simulation+Gate).
    @exclusivity(unchecked) public internal(set) var plan: StartPlan
    /// The stop index STOP announces.
    @exclusivity(unchecked) public internal(set) var stopIndex: Int64
    /// True time the coordinator sent START (nil while it holds it).
    var startSentNs: Int64?
    var coordinator: CoordinatorEndpoint
    /// True time the coordinator ended the session (every node that joined reported its run
    /// finished, or is gone), nil while it waits.
    var coordinatorFinishedNs: Int64?
    /// The coordinator's process hangs (a `coordinator-hang` fault): it ticks, reads and writes nothing more.
    var coordinatorHung = false
    var coordinatorHungAtNs: Int64?
    var coordinatorLogLines: [CoordinatorLogLine] = []
    var nodeHosts: [SimNodeHost]
    var connections: [ConnectionID: SimConnection] = [:]
    var nextConnection: ConnectionID = 1
    var inFlight: [Int32: SimSegment] = [:]
    var nextMessage: Int32 = 0
    let rigKey: RigKey
    var controlRandom: SimRandom
    var stopSendNs: Int64
    var endNs: Int64
    let periodNs: Int64

    // Results.
    @exclusivity(unchecked) var frames: FrameTable
    var deadlocks: [Deadlock] = []
    var violations: [String] = []
    var violationCount: Int64 = 0
    var disturbances: [[(fromNs: Int64, untilNs: Int64, cause: String)]]
    @exclusivity(unchecked) var eventsProcessed: Int64 = 0
    @exclusivity(unchecked) var truthSink: ((FrameTruth) -> Void)?
    /// Forced slews end through fault events past the scenario's list (see `endSlew`).
    var slewEnds: [(atNs: Int64, nodes: [Int])] = []

    /// Builds a run of `scenario` with `seed` (default: the scenario's) and `strategy` (default: the scenario's).
    public init(scenario: Scenario, seed: UInt64? = nil, strategy: StrategyKind? = nil) {
        self.scenario = scenario
        self.seed = seed ?? scenario.seed
        self.strategy = strategy ?? scenario.strategy
        capture = scenario.capture(for: self.strategy)
        random = SimRandom(seed: self.seed)
        let n = scenario.nodes
        network = SimNetwork(
            delayMinNs: scenario.network.delayMinNs, delayMeanNs: scenario.network.delayMeanNs,
            lossPpm: scenario.network.lossPpm, random: random.derived(0xFE7))
        let s = scenario.schedule
        let session = Self.session(scenario, startSentNs: s.startAtNs)
        plan = session.plan
        stopIndex = session.stopIndex
        stopSendNs = session.stopSendNs
        // Until START is sent the run may wait for the gate that long (`adoptStart` sets the real end).
        endNs = session.endNs + (scenario.ptpGate?.timeoutNs ?? 0)
        periodNs = s.rate.nominalPeriod.nanoseconds
        // The rig key and the connections' nonces come from the seed, like every other draw.
        var keyRandom = random.derived(0xC0DE)
        rigKey = try! RigKey(bytes: (0..<32).map { _ in UInt8(truncatingIfNeeded: keyRandom.next()) })
        controlRandom = random.derived(0xC0117)
        var sessionRandom = random.derived(0x5E55)
        // The finish timeout `CoordinatorServer` uses: a node that never reports its run finished
        // is named and the session ends without it.
        coordinator = CoordinatorEndpoint(
            configuration: Self.coordinatorConfiguration(scenario), key: rigKey, sessionID: sessionRandom.next() | 1,
            finishTimeout: Self.finishTimeout)
        nodeHosts = Array(repeating: SimNodeHost(key: rigKey, lifecycle: Self.lifecycleConfiguration(scenario)), count: n)
        disturbances = Array(repeating: [], count: n)
        frames = FrameTable(nodes: n, periodNs: periodNs)
        frames.limitIndex = stopIndex
        frames.measuresFloor = capture == .phaseLocked
        buildNodes()
        scheduleInitialEvents()
    }

    /// Receives the ground truth of every captured frame as it is recorded (for tests and tools).
    public func onFrame(_ sink: @escaping (FrameTruth) -> Void) { truthSink = sink }

    /// Also splits the exposure skew per pair of cameras (the report's ``SimulationReport/pairSkews``).
    /// Call before ``run()``. Off by default: it adds three histogram entries per pair per index.
    public func measurePairs() { frames.measurePairs() }

    public var nowNs: Int64 { queue.nowNs }

    func schedule(_ kind: SimEventKind, at timeNs: Int64) { queue.schedule(kind, at: timeNs) }

    /// The grandmaster's realtime at true time `t`.
    func referenceNs(atTrue t: Int64) -> Int64 { Self.epochNs + t + grandmasterOffsetNs }

    func buildNodes() {
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
                let gains = sv.tuning.constants.map { (kp: $0.proportional, ki: $0.integral) }
                    ?? PIServo.Configuration.linuxptpGains(
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
            // Phase-locked capture streams at the rate whatever `sensor.mode` says (that key describes
            // request-timed capture).
            let multiple = sm.mode == .continuous || capture == .phaseLocked ? 1 : sm.rateMultiple
            let timing = capture == .phaseLocked ? sm.streamingTiming : sm.timing
            let lines = timing.nominalLines(for: TimeSpan(nanoseconds: periodNs / multiple))
            let probe = SimSensor(timing: timing, crystalPpt: crystalPpt, frameLengthLines: lines, firstStartTrueNs: 0)
            let phase = r.int(in: 0...(probe.durationTrueNs(lines: lines) - 1))
            let sensor = SimSensor(timing: timing, crystalPpt: crystalPpt, frameLengthLines: lines, firstStartTrueNs: phase)
            nodes.append(SimNode(id: i, engine: self, clock: clock, servo: servo, sensor: sensor, exposureNs: sm.exposureNs, random: r.derived(7)))
        }
    }

    func scheduleInitialEvents() {
        if scenario.servo.enabled {
            for node in nodes {
                var stream = random.derived(UInt64(200 + node.id))
                let phase = Int64(stream.below(UInt64(scenario.servo.syncIntervalNs)))
                schedule(.servoSample(node: Int32(node.id)), at: phase)
            }
        }
        for (i, f) in scenario.faults.enumerated() { schedule(.fault(index: Int32(i)), at: f.atNs) }
        for node in nodes {
            schedule(.connect(node: Int32(node.id)), at: 0)
            schedule(.nodeTick(node: Int32(node.id)), at: Self.tickPhaseNs(node: node.id))
        }
        // From start-at, the coordinator ticks every 100 ms (as `CoordinatorServer`): START (held
        // while a PTP gate says a node is not locked), the heartbeats, the handshake, idle and
        // finish timeouts. The late-ACK report at T0 and the operator's stop are scheduled when
        // START is sent (`adoptStart`).
        schedule(.coordinator(step: 2), at: scenario.schedule.startAtNs)
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

    func dispatch(_ event: SimEvent) {
        eventsProcessed += 1
        let code = event.kind.traceCode
        trace.record(event.timeNs, code.0, code.1, code.2)
        switch event.kind {
        case .timer(let n, let g):
            Borrowed(nodes[Int(n)]).borrow { $0.timerFired(generation: g) }
        case .servoSample(let n):
            servoSample(nodes[Int(n)])
            schedule(.servoSample(node: n), at: event.timeNs + scenario.servo.syncIntervalNs)
        case .delivery(let m):
            if let segment = inFlight.removeValue(forKey: m) { deliver(segment) }
        case .coordinator(let step):
            // 0: a tick (the late-ACK report at T0); 1: the operator stops; 2: the periodic tick.
            guard !coordinatorHung else { break }
            perform(step == 1 ? coordinator.stopRequested(now: coordinatorSample) : coordinator.tick(now: coordinatorSample))
            adoptStart()
            checkCoordinatorDecisions()
            if step == 2 { schedule(.coordinator(step: 2), at: event.timeNs + Self.coordinatorTickNs) }
        case .connect(let n):
            connect(node: Int(n))
        case .accept(let c):
            accept(connection: ConnectionID(c))
        case .connectionTimeout(let c):
            breakConnection(ConnectionID(c))
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
            connect(node: node.id)
        case .watchdog:
            watchdog()
            schedule(.watchdog, at: event.timeNs + 100_000_000)
        case .nodeTick(let n):
            nodeTick(Int(n))
            schedule(.nodeTick(node: n), at: event.timeNs + Self.nodeTickNs)
        case .sensorFrame(let n, let g):
            nodes[Int(n)].sensorInterrupt(generation: g)
        }
    }

}
