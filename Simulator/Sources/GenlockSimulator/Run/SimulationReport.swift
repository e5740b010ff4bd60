import GenlockCore

/// What a run found: the same content for the readable table and `--json`.
public struct SimulationReport: Sendable, Codable {
    public struct NodeReport: Sendable, Codable {
        public var node: Int
        public var captured: Int64
        public var skippedFrames: Int64
        public var earlyWakes: Int64
        public var droppedAtOrAfterStop: Int64
        public var joinedAt: [Int64]
        public var wakeErrorNs: Quantiles?
        /// Per clock fault: true ns until the node's offset re-converged (nil: not within the run).
        public var reconvergenceNs: [Int64?]
        public var servoSteps: Int64
        public var oscillatorPpm: Double
        public var finalOffsetNs: Int64
        /// The node's realtime each time START reached it (once per incarnation).
        public var startReadingsNs: [Int64]
        /// Phase-locked capture only.
        public var phaseLock: PhaseLockReport?
        /// Realtime at capture minus `Tn` over every captured frame (as the node read it).
        public var realtimeLatenessNs: Quantiles?
        /// Realtime steps while the node waited for a frame, and the next frame's lateness after each.
        public var steps: [StepLateness]
    }

    /// A node's phase lock over the run.
    public struct PhaseLockReport: Sendable, Codable {
        public var framesAcquiring: Int64
        public var framesLocked: Int64
        public var framesLost: Int64
        /// Per start of the controller: true ns until the first locked frame (nil: never locked).
        public var timeToLockNs: [Int64?]
        /// Per loss of lock: true ns until locked again (nil: not within the run).
        public var relockNs: [Int64?]
        public var transitions: [PhaseLockTransition]
        /// What the driver told the operator at each start (the sensor cannot shorten frames at this rate).
        public var notices: [String]
        /// |exposure start − Tn| while locked, as the node measured it through its clock pair.
        public var lockedPhaseErrorNs: Quantiles?
        /// The controller's estimate of the sensor's frequency error (ppm, positive: lines are long),
        /// and the true one: a crystal fast by c makes lines 1/(1+c) long. The estimate is measured
        /// against the node's PTP-disciplined realtime, so it also absorbs the realtime clock's error.
        public var estimatedFrequencyErrorPpm: Double
        public var trueFrequencyErrorPpm: Double
    }

    public var scenario: String
    public var seed: UInt64
    public var strategy: String
    /// Whether genlock's deadline timer noticed realtime steps while armed (`strategies.step-aware`).
    public var stepAware: Bool
    /// `request-timed` or `phase-locked`.
    public var capture: String
    public var traceHash: String
    public var events: Int64
    public var simulatedNs: Int64
    public var nodes: Int
    public var stopIndex: Int64
    /// `T0` (realtime ns) and the exact rate of the session.
    public var t0Ns: Int64
    public var rate: String
    public var joinMarginNs: Int64
    public var frames: Int64
    public var skippedFrames: Int64
    public var sharedIndices: Int64
    public var lateRecords: Int64
    public var deadlocks: [Deadlock]
    public var invariantViolations: [String]
    public var invariantViolationCount: Int64
    /// Cross-camera spread of the instants the frame was requested (nil for phase-locked capture:
    /// no request is timed there).
    public var requestSkewNs: Quantiles?
    /// Cross-camera spread of the true exposure starts of row 0, per index.
    public var exposureSkewNs: Quantiles?
    /// What a perfect controller would leave of it with the same clocks and line grid (see ``SkewSplit``).
    public var exposureSkewFloorNs: Quantiles?
    /// The exposure skew split into its causes, per phase of the run (see ``SkewSplit``).
    public var skewSplit: [SkewSplit]
    /// The split per pair of cameras and phase, when the run measured it (``Simulation/measurePairs()``).
    public var pairSkews: [PairSkew]?
    /// The coordinator's PTP start gate ("|offset| < 5 µs for 16 samples"), nil when START is not gated.
    public var startGate: String?
    /// How long the gate held START past `start-at` (nil: no gate, or START never sent).
    public var startGateHeldNs: Int64?
    public var messagesSent: Int64
    public var messagesLost: Int64
    /// What the coordinator (the real `CoordinatorEndpoint`) logged: connections, START, late ACKs, STOP.
    public var coordinatorLog: [CoordinatorLogLine]
    /// True time the coordinator ended the session, nil when it was still waiting at the run's end.
    public var coordinatorFinishedNs: Int64?
    public var perNode: [NodeReport]

    /// True when every invariant held and nothing deadlocked.
    public var passed: Bool { deadlocks.isEmpty && invariantViolationCount == 0 }

    init(_ sim: Simulation) {
        scenario = sim.scenario.name
        seed = sim.seed
        strategy = sim.strategy.rawValue
        stepAware = sim.scenario.strategies.stepAware
        capture = sim.capture.rawValue
        traceHash = sim.trace.description
        events = sim.eventsProcessed
        simulatedNs = sim.nowNs
        nodes = sim.nodes.count
        stopIndex = sim.stopIndex
        t0Ns = sim.plan.schedule.start.nanosecondsSinceEpoch
        rate = sim.plan.schedule.rate.description
        joinMarginNs = sim.scenario.schedule.joinMarginNs
        frames = sim.frames.frames
        skippedFrames = sim.nodes.reduce(0) { $0 + $1.stats.skipped }
        sharedIndices = sim.frames.sharedIndices
        lateRecords = sim.frames.lateRecords
        deadlocks = sim.deadlocks
        invariantViolations = sim.violations
        invariantViolationCount = sim.violationCount
        requestSkewNs = sim.capture == .phaseLocked ? nil : sim.frames.requestSkew.summary
        exposureSkewNs = sim.frames.exposureSkew.summary
        // The floor is the phase lock's (``FrameTable/measuresFloor``): nil for request-timed capture.
        exposureSkewFloorNs = sim.frames.exposureSkewFloor.summary
        skewSplit = sim.frames.skewSplit
        pairSkews = sim.frames.pairs?.summaries
        startGate = sim.scenario.ptpGate.map { "|offset| < \(TimeSpanFormat.text($0.maxOffsetNs)) for \($0.requiredSamples) samples" }
        startGateHeldNs = sim.scenario.ptpGate == nil ? nil : sim.gateHeldNs
        messagesSent = sim.networkStats.sent
        messagesLost = sim.networkStats.lost
        coordinatorLog = sim.coordinatorLogLines
        coordinatorFinishedNs = sim.coordinatorFinishedNs
        let now = sim.nowNs
        perNode = sim.nodes.map { n in
            NodeReport(
                node: n.id, captured: n.stats.captured, skippedFrames: n.stats.skipped, earlyWakes: n.stats.earlyWakes,
                droppedAtOrAfterStop: n.stats.droppedAtOrAfterStop, joinedAt: n.stats.joinedAt,
                wakeErrorNs: n.stats.wakeErrorNs.summary, reconvergenceNs: n.stats.reconvergenceNs,
                servoSteps: n.stats.servoSteps, oscillatorPpm: Double(n.clock.oscillatorPpt) / 1e6,
                finalOffsetNs: n.clock.realtime(atTrue: now).nanosecondsSinceEpoch - sim.referenceNs(atTrue: now),
                startReadingsNs: n.stats.startReadingsNs,
                phaseLock: sim.capture == .phaseLocked ? PhaseLockReport(n.stats.phaseLock, crystalPpt: n.sensor.crystalPpt) : nil,
                realtimeLatenessNs: n.stats.realtimeLatenessNs.summary, steps: n.stats.steps.steps)
        }
    }

    /// The readable report table.
    public func table() -> String {
        var lines: [String] = []
        func q(_ x: Quantiles?) -> String { x.map(\.description) ?? "n/a" }
        lines.append("scenario \(scenario)  strategy \(strategy)  capture \(capture)  seed \(seed)  nodes \(nodes)")
        lines.append("simulated \(TimeSpanFormat.text(simulatedNs)), \(events) events, stop index \(stopIndex)")
        lines.append("frames recorded \(frames), skipped \(skippedFrames), indices shared by ≥2 cameras \(sharedIndices)")
        lines.append("request skew   \(capture == Scenario.CaptureMode.phaseLocked.rawValue ? "n/a (phase-locked: no request is timed)" : q(requestSkewNs))")
        lines.append("exposure skew  \(q(exposureSkewNs))")
        if let floor = exposureSkewFloorNs { lines.append("  floor (a perfect phase lock on these clocks: whole lines) \(floor)") }
        for split in skewSplit {
            lines.append("  \(pad(split.phase.description, 14))exposure \(q(split.exposureNs))")
            lines.append("  \(pad("", 14))clocks   \(q(split.clocksNs))")
            lines.append("  \(pad("", 14))residual \(q(split.residualNs))")
            if let floor = split.floorNs { lines.append("  \(pad("", 14))floor    \(floor)") }
        }
        if let gate = startGate {
            let held = startGateHeldNs.map { "held START \(TimeSpanFormat.text($0)) past start-at" } ?? "START never sent: still held at the end of the run"
            lines.append("PTP start gate (\(gate)): \(held)")
        }
        lines.append("control segments sent \(messagesSent) (retransmissions and connection attempts included), lost \(messagesLost)")
        lines.append("")
        for l in coordinatorLog.prefix(40) { lines.append("coordinator \(pad(TimeSpanFormat.text(l.trueNs), 10))\(l.text)") }
        if coordinatorLog.count > 40 { lines.append("coordinator … \(coordinatorLog.count - 40) more lines") }
        lines.append("")
        lines.append(pad("node", 5) + pad("captured", 10) + pad("skipped", 9) + pad("joined", 14) + pad("wake p50", 11) + pad("wake p99", 11) + pad("wake max", 11) + pad("offset", 11) + "re-converged")
        for n in perNode {
            let joined = n.joinedAt.map(String.init).joined(separator: ",")
            let re = n.reconvergenceNs.map { $0.map { TimeSpanFormat.text($0) } ?? "never" }.joined(separator: ",")
            lines.append(
                pad("\(n.node)", 5) + pad("\(n.captured)", 10) + pad("\(n.skippedFrames)", 9) + pad(joined.isEmpty ? "-" : joined, 14)
                    + pad(n.wakeErrorNs.map { TimeSpanFormat.text($0.p50) } ?? "-", 11)
                    + pad(n.wakeErrorNs.map { TimeSpanFormat.text($0.p99) } ?? "-", 11)
                    + pad(n.wakeErrorNs.map { TimeSpanFormat.text($0.max) } ?? "-", 11)
                    + pad(TimeSpanFormat.text(n.finalOffsetNs), 11) + (re.isEmpty ? "-" : re))
        }
        if perNode.contains(where: { $0.phaseLock != nil }) {
            lines.append("")
            lines.append(pad("node", 5) + pad("acquiring", 10) + pad("locked", 9) + pad("lost", 6) + pad("to lock", 11) + pad("|err| p50", 11) + pad("|err| p99", 11) + pad("ppm est/true", 15) + "re-locked")
            for n in perNode {
                guard let p = n.phaseLock else { continue }
                let toLock = p.timeToLockNs.map { $0.map { TimeSpanFormat.text($0) } ?? "never" }.joined(separator: ",")
                let relock = p.relockNs.map { $0.map { TimeSpanFormat.text($0) } ?? "never" }.joined(separator: ",")
                let ppm = ppmText(p.estimatedFrequencyErrorPpm) + "/" + ppmText(p.trueFrequencyErrorPpm)
                lines.append(
                    pad("\(n.node)", 5) + pad("\(p.framesAcquiring)", 10) + pad("\(p.framesLocked)", 9) + pad("\(p.framesLost)", 6)
                        + pad(toLock.isEmpty ? "-" : toLock, 11)
                        + pad(p.lockedPhaseErrorNs.map { TimeSpanFormat.text($0.p50) } ?? "-", 11)
                        + pad(p.lockedPhaseErrorNs.map { TimeSpanFormat.text($0.p99) } ?? "-", 11)
                        + pad(ppm, 15) + (relock.isEmpty ? "-" : relock))
            }
            var said: [String] = []
            for n in perNode { for text in n.phaseLock?.notices ?? [] where !said.contains(text) { said.append(text) } }
            for text in said { lines.append("phase lock: \(text)") }
        }
        lines.append(contentsOf: stepLines())
        if let pairSkews { lines += pairLines(pairSkews) }
        lines.append("")
        for d in deadlocks { lines.append("DEADLOCK: \(d)") }
        for v in invariantViolations.prefix(20) { lines.append("VIOLATION: \(v)") }
        if invariantViolationCount > 20 { lines.append("… \(invariantViolationCount - 20) more violations") }
        lines.append("invariants: \(passed ? "all held" : "\(deadlocks.count) deadlock(s), \(invariantViolationCount) violation(s)")")
        lines.append("trace hash \(traceHash)")
        return lines.joined(separator: "\n")
    }

    /// `x` ppm to 0.1, signed.
    private func ppmText(_ x: Double) -> String {
        let r = (x * 10).rounded() / 10 + 0  // + 0 turns −0.0 into 0.0
        return (r >= 0 ? "+" : "") + "\(r)"
    }

    func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }
}

extension SimulationReport.PhaseLockReport {
    init(_ s: PhaseLockStats, crystalPpt: Int64) {
        self.init(
            framesAcquiring: s.framesAcquiring, framesLocked: s.framesLocked, framesLost: s.framesLost,
            timeToLockNs: s.timeToLockNs, relockNs: s.relockNs, transitions: s.transitions, notices: s.notices,
            lockedPhaseErrorNs: s.lockedPhaseErrorNs.summary, estimatedFrequencyErrorPpm: s.frequencyErrorPpm,
            trueFrequencyErrorPpm: (1e12 / (1e12 + Double(crystalPpt)) - 1) * 1e6)
    }
}
