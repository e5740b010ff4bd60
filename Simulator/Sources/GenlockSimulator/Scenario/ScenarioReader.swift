import GenlockControl
import GenlockCore
import GenlockPTP
import Yams

extension Scenario {
    /// Reads a scenario from YAML text, filling defaults (documented in `Simulator/Scenarios/README.md`).
    /// A malformed scenario throws a ``ScenarioError`` naming the field and, where Yams gives it, the line.
    public init(yaml text: String) throws(ScenarioError) {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ScenarioError(field: "", line: nil, reason: "the document is empty")
            }
            root = node
        } catch let error as ScenarioError {
            throw error
        } catch let error as YamlError {
            let (line, text) = YAMLDiagnosis.describe(error)
            throw ScenarioError(field: "", line: line, reason: "not valid YAML: \(text)")
        } catch {
            throw ScenarioError(field: "", line: nil, reason: "not valid YAML: \(error)")
        }
        self.init()
        var f = try YAMLFields(root, path: "")
        if let (name, _) = try f.scalar("name") { self.name = name }
        var seed = Int64(1)
        try f.int("seed", &seed, range: 0...Int64.max)
        self.seed = UInt64(seed)
        try f.choice("strategy", &strategy, StrategyKind.allCases)
        try f.int("nodes", &nodes, range: 1...64)
        try f.duration("watchdog-timeout", &watchdogTimeoutNs)
        if watchdogTimeoutNs <= 0 { throw ScenarioError(field: "watchdog-timeout", line: nil, reason: "must be positive") }
        if var s = try f.section("clock") {
            try s.double("oscillator-spread-ppm", &clock.oscillatorSpreadPpm, range: 0...500)
            try s.double("wander-ppb-per-sqrt-s", &clock.wanderPpbPerSqrtSecond, range: 0...1_000)
            try s.duration("initial-offset-spread", &clock.initialOffsetSpreadNs)
            try s.bool("start-locked", &clock.startLocked)
            try s.bool("adjustment-readable", &clock.adjustmentReadable)
            try s.finish()
        }
        if var s = try f.section("servo") {
            try s.bool("enabled", &servo.enabled)
            try s.duration("sync-interval", &servo.syncIntervalNs)
            if servo.syncIntervalNs < 1_000_000 {
                throw ScenarioError(field: "servo.sync-interval", line: s.line, reason: "must be at least 1ms")
            }
            var ts = servo.hardwareTimestamping ? "hardware" : "software"
            if let (t, line) = try s.scalar("timestamping") {
                guard t == "hardware" || t == "software" else {
                    throw ScenarioError(field: "servo.timestamping", line: line, reason: "'\(t)' is not hardware or software")
                }
                ts = t
            }
            servo.hardwareTimestamping = ts == "hardware"
            try s.duration("noise", &servo.measurementNoiseNs)
            if let (t, line) = try s.scalar("tuning") {
                guard let tuning = PTPServoTuning(rawValue: t) else {
                    throw ScenarioError(field: "servo.tuning", line: line, reason: "'\(t)' is not \(PTPServoTuning.allCases.map(\.rawValue).joined(separator: " or "))")
                }
                guard tuning.constants == nil || servo.hardwareTimestamping else {
                    throw ScenarioError(field: "servo.tuning", line: line, reason: "'\(t)' is for hardware time stamps (the ptp4l.conf genlock writes); timestamping is software")
                }
                servo.tuning = tuning
            }
            try s.optionalDouble("kp", &servo.kp, range: 0...100)
            try s.optionalDouble("ki", &servo.ki, range: 0...100)
            try s.duration("first-step-threshold", &servo.firstStepThresholdNs)
            try s.duration("step-threshold", &servo.stepThresholdNs)
            try s.double("max-frequency-ppm", &servo.maxFrequencyPpm, range: 1...100_000)
            try s.duration("converged-within", &servo.convergedWithinNs)
            try s.finish()
        }
        if var s = try f.section("timer") {
            try s.duration("latency-min", &timer.latencyMinNs)
            try s.duration("latency-mean", &timer.latencyMeanNs)
            try s.int("preemption-ppm", &timer.preemptionPpm, range: 0...1_000_000)
            try s.duration("preemption-min", &timer.preemptionMinNs)
            try s.duration("preemption-max", &timer.preemptionMaxNs)
            if timer.preemptionMaxNs < timer.preemptionMinNs {
                throw ScenarioError(field: "timer.preemption-max", line: s.line, reason: "is below timer.preemption-min")
            }
            try s.duration("clock-read", &timer.clockReadNs)
            try s.finish()
        }
        if var s = try f.section("sensor") {
            // The profile first: every other key overrides it.
            var profile = sensor.profile
            try s.choice("profile", &profile, SensorProfile.allCases)
            sensor = profile.applied(to: sensor)
            try s.choice("mode", &sensor.mode, [.requestTimed, .continuous])
            try s.double("crystal-spread-ppm", &sensor.crystalSpreadPpm, range: 0...1_000)
            if s.hasKey("line-time") {
                var lineTimeNs: Int64 = 0
                try s.duration("line-time", &lineTimeNs)
                if lineTimeNs > 1_000_000_000 { throw ScenarioError(field: "sensor.line-time", line: s.line, reason: "must be at most 1s") }
                if lineTimeNs <= 0 { throw ScenarioError(field: "sensor.line-time", line: s.line, reason: "must be positive") }
                sensor.lineTimePs = lineTimeNs * 1000
            }
            try s.choice("shutter", &sensor.shutter, [.rolling, .global])
            try s.int("rate-multiple", &sensor.rateMultiple, range: 1...16)
            try s.int("min-frame-length-lines", &sensor.minFrameLengthLines, range: 1...100_000_000)
            try s.int("max-frame-length-lines", &sensor.maxFrameLengthLines, range: 1...100_000_000)
            try s.duration("exposure", &sensor.exposureNs)
            if sensor.maxFrameLengthLines < sensor.minFrameLengthLines {
                throw ScenarioError(field: "sensor.max-frame-length-lines", line: s.line, reason: "is below sensor.min-frame-length-lines")
            }
            try s.int("control-delay-frames", &sensor.controlDelayFrames, range: 1...16)
            try s.duration("timestamp-jitter", &sensor.timestampJitterNs)
            try s.duration("pipeline-latency", &sensor.pipelineLatencyNs)
            try s.duration("interrupt-latency", &sensor.interruptLatencyNs)
            try s.finish()
        }
        if var s = try f.section("network") {
            try s.duration("delay-min", &network.delayMinNs)
            try s.duration("delay-mean", &network.delayMeanNs)
            try s.int("loss-ppm", &network.lossPpm, range: 0...1_000_000)
            try s.duration("retransmit", &network.retransmitNs)
            if network.retransmitNs <= 0 { throw ScenarioError(field: "network.retransmit", line: s.line, reason: "must be positive") }
            try s.duration("connection-timeout", &network.connectionTimeoutNs)
            if network.connectionTimeoutNs <= 0 { throw ScenarioError(field: "network.connection-timeout", line: s.line, reason: "must be positive") }
            try s.finish()
        }
        if var s = try f.section("schedule") {
            if let (text, line) = try s.scalar("rate") {
                do throws(FrameRateError) {
                    schedule.rate = try FrameRate(parsing: text)
                } catch {
                    throw ScenarioError(field: "schedule.rate", line: line, reason: error.description)
                }
            }
            try s.duration("start-at", &schedule.startAtNs)
            try s.duration("lead", &schedule.leadNs)
            try s.duration("duration", &schedule.durationNs)
            if schedule.durationNs <= 0 { throw ScenarioError(field: "schedule.duration", line: s.line, reason: "must be positive") }
            try s.duration("stop-lead", &schedule.stopLeadNs)
            try s.duration("join-margin", &schedule.joinMarginNs)
            try s.finish()
        }
        if var s = try f.section("ptp-gate") {
            var gate = PTPGateModel()
            gate.requiredSamples = LockGate.settlingReadings(every: .nanoseconds(servo.syncIntervalNs))
            try s.duration("max-offset", &gate.maxOffsetNs)
            if gate.maxOffsetNs <= 0 { throw ScenarioError(field: "ptp-gate.max-offset", line: s.line, reason: "must be positive") }
            try s.int("samples", &gate.requiredSamples, range: 1...10_000)
            try s.duration("timeout", &gate.timeoutNs)
            if gate.timeoutNs <= 0 { throw ScenarioError(field: "ptp-gate.timeout", line: s.line, reason: "must be positive") }
            try s.finish()
            if !servo.enabled {
                throw ScenarioError(field: "ptp-gate", line: s.line, reason: "a start gate needs the PTP servo (servo.enabled is false)")
            }
            ptpGate = gate
        }
        if var s = try f.section("strategies") {
            try s.duration("naive-poll", &strategies.naivePollNs)
            try s.duration("naive-granularity", &strategies.naiveGranularityNs)
            if strategies.naivePollNs <= 0 || strategies.naiveGranularityNs <= 0 {
                throw ScenarioError(field: "strategies", line: s.line, reason: "naive-poll and naive-granularity must be positive")
            }
            try s.duration("monotonic-reanchor", &strategies.monotonicReanchorNs)
            try s.choice("capture", &strategies.capture, CaptureMode.allCases)
            try s.bool("step-aware", &strategies.stepAware)
            try Self.phaseLock(&s, &strategies.phaseLock)
            try s.finish()
        }
        if let (node, line) = f.node("faults") {
            guard let list = node.sequence else {
                throw ScenarioError(field: "faults", line: line, reason: "expected a list of faults")
            }
            var jumpsNs: Int64 = 0
            for (i, item) in list.enumerated() {
                let fault = try Self.fault(item, index: i, nodes: nodes)
                switch fault.kind {
                case .step(let by), .grandmasterFailover(let by): jumpsNs += abs(by)
                default: break
                }
                // All steps and failovers together stay within the span bound too (no overflow).
                if jumpsNs > Self.maximumSpanNs {
                    throw ScenarioError(field: "faults[\(i)]", line: fault.line, reason: "steps and failovers add up to more than 1000h")
                }
                faults.append(fault)
            }
        }
        try f.finish()
        try checkSensorFitsRate()
    }

    /// The largest grandmaster failover a scenario may hold (either way).
    static let maximumFailoverNs: Int64 = 10_000_000_000

    /// Checks that the schedule is consistent (STOP and the join margin within the run, an
    /// exposure shorter than a frame) and that the sensor can run at the rate it must run at (the schedule's for continuous or
    /// phase-locked capture, `rate-multiple` times it for request-timed sensors), and, for phase-locked
    /// capture, that a frame can be longer than its exposure (``SensorModel/streamingTiming``).
    /// Called after the reader and again after command-line overrides.
    public func checkSensorFitsRate() throws(ScenarioError) {
        // The schedule itself: a STOP sent before the run has begun was reported as a deadlock
        // and a violation (a bad file, not a failing system), and a join margin past the end
        // recorded nothing while every invariant "held".
        if schedule.stopLeadNs >= schedule.durationNs {
            throw ScenarioError(field: "schedule.stop-lead", line: nil,
                                reason: "\(TimeSpanFormat.text(schedule.stopLeadNs)) is not shorter than the duration \(TimeSpanFormat.text(schedule.durationNs))")
        }
        if schedule.joinMarginNs >= schedule.durationNs {
            throw ScenarioError(field: "schedule.join-margin", line: nil,
                                reason: "\(TimeSpanFormat.text(schedule.joinMarginNs)) is not shorter than the duration \(TimeSpanFormat.text(schedule.durationNs)): nothing would be recorded")
        }
        if sensor.exposureNs >= schedule.rate.nominalPeriod.nanoseconds {
            throw ScenarioError(field: "sensor.exposure", line: nil,
                                reason: "\(TimeSpanFormat.text(sensor.exposureNs)) is not shorter than a frame of \(schedule.rate) fps")
        }
        let phaseLocked = capture(for: strategy) == .phaseLocked
        let streams = sensor.mode == .continuous || phaseLocked
        let multiple = streams ? 1 : sensor.rateMultiple
        let sensorPeriodPs = Int128(schedule.rate.nominalPeriod.nanoseconds / multiple) * 1000
        if sensorPeriodPs / Int128(sensor.lineTimePs) > Int128(sensor.maxFrameLengthLines) {
            throw ScenarioError(
                field: "sensor.max-frame-length-lines", line: nil,
                reason: "the sensor cannot run as slowly as \(multiple)× \(schedule.rate) fps with line-time \(TimeSpanFormat.text(sensor.lineTimePs / 1000))")
        }
        if Int128(sensor.lineTimePs) * Int128(sensor.minFrameLengthLines) > sensorPeriodPs {
            throw ScenarioError(
                field: "sensor.line-time", line: nil,
                reason: "the sensor cannot run at \(multiple)× \(schedule.rate) fps with min-frame-length-lines \(sensor.minFrameLengthLines) (profile \(sensor.profile.rawValue))")
        }
        if phaseLocked && Int128(sensor.lineTimePs) * Int128(sensor.streamingTiming.minFrameLengthLines) > sensorPeriodPs {
            throw ScenarioError(
                field: "sensor.exposure", line: nil,
                reason: "with phase-locked capture, a frame of \(schedule.rate) fps must be longer than exposure plus interrupt-latency")
        }
    }

    /// `strategies.phase-gain` … `loss-threshold`: ``PhaseLock/Configuration``.
    static func phaseLock(_ s: inout YAMLFields, _ c: inout PhaseLock.Configuration) throws(ScenarioError) {
        try s.double("phase-gain", &c.phaseGain, range: 0.01...1.5)
        try s.double("frequency-gain", &c.frequencyGain, range: 0...1)
        // The tracker's settings with the clock's adjustment fed forward (simulated nodes read it
        // unless clock.adjustment-readable is false), or without, as `-without-adjustment`.
        try tracker(&s, "", &c.tracker)
        try tracker(&s, "-without-adjustment", &c.trackerWithoutClockAdjustment)
        try s.bool("predicts-clock-adjustment", &c.predictsClockAdjustment)
        var prior = Int64(c.trackerPriorFrames)
        try s.int("tracker-prior-frames", &prior, range: 1...100_000)
        c.trackerPriorFrames = Int(prior)
        var reset = c.phaseFilterResetThreshold.nanoseconds
        try s.duration("phase-filter-reset", &reset)
        c.phaseFilterResetThreshold = .nanoseconds(reset)
        var lock = c.lockThreshold.nanoseconds
        try s.duration("lock-threshold", &lock)
        c.lockThreshold = .nanoseconds(lock)
        var frames = Int64(c.framesToLock)
        try s.int("frames-to-lock", &frames, range: 1...10_000)
        c.framesToLock = Int(frames)
        var loss = c.lossThreshold.nanoseconds
        try s.duration("loss-threshold", &loss)
        c.lossThreshold = .nanoseconds(loss)
        if c.lossThreshold < c.lockThreshold {
            throw ScenarioError(field: "strategies.loss-threshold", line: s.line, reason: "is below strategies.lock-threshold")
        }
    }

    /// `phase-filter-gain`, `frequency-filter-gain` and `reconverging-threshold`, each with `suffix`.
    private static func tracker(_ s: inout YAMLFields, _ suffix: String, _ t: inout PhaseLock.TrackerSettings) throws(ScenarioError) {
        var phase = t.phase, frequency = t.frequency, reconverging = t.reconvergingThreshold.nanoseconds
        try s.double("phase-filter-gain" + suffix, &phase, range: 0.01...1)
        try s.double("frequency-filter-gain" + suffix, &frequency, range: 0...1)
        try s.duration("reconverging-threshold" + suffix, &reconverging)
        t = PhaseLock.TrackerSettings(phase: phase, frequency: frequency, reconvergingThreshold: .nanoseconds(reconverging))
    }

    static func fault(_ node: Node, index: Int, nodes: Int) throws(ScenarioError) -> Fault {
        var f = try YAMLFields(node, path: "faults[\(index)]")
        let line = f.line ?? 0
        var at: Int64 = -1
        try f.duration("at", &at)
        if at < 0 { throw ScenarioError(field: f.join("at"), line: f.line, reason: "every fault needs 'at'") }
        var targets: [Int]? = nil
        if let (n, l) = f.node("nodes") {
            guard let seq = n.sequence else {
                throw ScenarioError(field: f.join("nodes"), line: l, reason: "expected a list of node numbers")
            }
            targets = []
            for item in seq {
                guard let v = item.int, (0..<nodes).contains(v) else {
                    throw ScenarioError(field: f.join("nodes"), line: item.mark?.line ?? l, reason: "'\(item.string ?? "?")' is not a node number in 0..<\(nodes)")
                }
                targets!.append(v)
            }
        }
        var forNs: Int64 = 1_000_000_000
        try f.duration("for", &forNs)
        var kinds: [Fault.Kind] = []
        if let (t, l) = try f.scalar("step") {
            kinds.append(.step(byNs: try YAMLFields.parseDuration(t, field: f.join("step"), line: l, allowNegative: true)))
        }
        if f.hasKey("slew-ppm") {
            var ppm = 0.0
            try f.double("slew-ppm", &ppm, range: -100_000...100_000)
            kinds.append(.slew(ppm: ppm, durationNs: forNs))
        }
        if let (t, l) = try f.scalar("grandmaster-failover") {
            let byNs = try YAMLFields.parseDuration(t, field: f.join("grandmaster-failover"), line: l, allowNegative: true)
            // The servos slew it away at their 500 ppm at most (no step once locked): 1000 h took
            // a 1 s run minutes with no output. A real grandmaster's time is within seconds.
            guard abs(byNs) <= Self.maximumFailoverNs else {
                throw ScenarioError(field: f.join("grandmaster-failover"), line: l, reason: "at most \(TimeSpanFormat.text(Self.maximumFailoverNs)) either way")
            }
            kinds.append(.grandmasterFailover(byNs: byNs))
        }
        if f.hasKey("message-loss-ppm") {
            var ppm: Int64 = 0
            try f.int("message-loss-ppm", &ppm, range: 0...1_000_000)
            kinds.append(.messageLoss(ppm: ppm, durationNs: forNs))
        }
        if let (t, l) = try f.scalar("crash") {
            let downNs = try YAMLFields.parseDuration(t, field: f.join("crash"), line: l, allowNegative: false)
            // The node is down for that long: a crash of no time explains no missing frame.
            guard downNs > 0 else { throw ScenarioError(field: f.join("crash"), line: l, reason: "must be positive (how long the node is down)") }
            kinds.append(.crash(downNs: downNs))
        }
        if let (t, l) = try f.scalar("timer-overrun") {
            kinds.append(.timerOverrun(byNs: try YAMLFields.parseDuration(t, field: f.join("timer-overrun"), line: l, allowNegative: false)))
        }
        for (key, kind) in [("coordinator-hang", Fault.Kind.coordinatorHang), ("silent-camera", .silentCamera)] where f.hasKey(key) {
            var on = false
            try f.bool(key, &on)
            if on { kinds.append(kind) }
        }
        try f.finish()
        guard kinds.count == 1 else {
            throw ScenarioError(
                field: "faults[\(index)]", line: f.line,
                reason: "needs exactly one of step, slew-ppm, grandmaster-failover, message-loss-ppm, crash, timer-overrun, coordinator-hang, silent-camera")
        }
        return Fault(atNs: at, nodes: targets, kind: kinds[0], line: line)
    }
}

