import GenlockCore
import Testing
@testable import GenlockSimulator

@Suite("Scenario reader")
struct ScenarioReaderTests {
    private func error(_ yaml: String) -> ScenarioError? {
        do {
            _ = try Scenario(yaml: yaml)
            return nil
        } catch {
            return error
        }
    }

    @Test("an empty mapping gives the documented defaults")
    func defaults() throws {
        let s = try Scenario(yaml: "name: x\n")
        #expect(s.nodes == 4)
        #expect(s.strategy == .genlock)
        #expect(s.servo.syncIntervalNs == 125_000_000)
        #expect(s.servo.firstStepThresholdNs == 20_000)
        #expect(s.servo.stepThresholdNs == 0)
        #expect(s.servo.maxFrequencyPpm == 500)
        #expect(s.schedule.rate.numerator == 120)
    }

    @Test("values are read with units and exact rates")
    func values() throws {
        let s = try Scenario(yaml: """
            nodes: 3
            strategy: monotonic
            servo:
              timestamping: software
              noise: 1.5us
            schedule:
              rate: 30000/1001
              duration: 2m
            faults:
              - at: 1.25s
                step: -30ms
                nodes: [0, 2]
              - at: 2s
                grandmaster-failover: 1ms
            """)
        #expect(s.nodes == 3)
        #expect(s.strategy == .monotonic)
        #expect(!s.servo.hardwareTimestamping)
        #expect(s.servo.measurementNoiseNs == 1_500)
        #expect(s.schedule.rate.numerator == 30000 && s.schedule.rate.denominator == 1001)
        #expect(s.schedule.durationNs == 120_000_000_000)
        #expect(s.faults.count == 2)
        #expect(s.faults[0] == Scenario.Fault(atNs: 1_250_000_000, nodes: [0, 2], kind: .step(byNs: -30_000_000), line: s.faults[0].line))
        #expect(s.targets(of: s.faults[1]) == [0, 1, 2])
    }

    @Test("an unknown (misspelt) field is named with its line")
    func unknownField() throws {
        let e = try #require(error("nodes: 2\nservo:\n  nosie: 3us\n"))
        #expect(e.field == "servo.nosie")
        #expect(e.line == 3)
    }

    @Test("a bad duration names the field, the line and why")
    func badDuration() throws {
        let e = try #require(error("schedule:\n  rate: 120\n  duration: 10 parsecs\n"))
        #expect(e.field == "schedule.duration")
        #expect(e.line == 3)
        #expect(e.description.contains("10 parsecs"))
    }

    @Test("malformed YAML reports the line Yams gives")
    func malformedYAML() throws {
        let e = try #require(error("nodes: 2\nservo: [1, 2\n"))
        #expect(e.line != nil)
        #expect(e.description.contains("not valid YAML"))
    }

    @Test("a setting written twice names the key and the line of its first")
    func duplicateKey() throws {
        let e = try #require(error("name: x\nnodes: 2\nseed: 3\nnodes: 4\n"))
        #expect(e.line == 2)
        #expect(e.description.contains("'nodes' set more than once"), "\(e)")
    }

    @Test("a fault must say exactly one thing, on an existing node", arguments: [
        ("faults:\n  - at: 1s\n    step: 1ms\n    crash: 1s\n", "faults[0]"),
        ("faults:\n  - at: 1s\n", "faults[0]"),
        ("nodes: 2\nfaults:\n  - at: 1s\n    step: 1ms\n    nodes: [5]\n", "faults[0].nodes"),
        ("faults:\n  - step: 1ms\n", "faults[0].at"),
        ("strategy: fastest\n", "strategy"),
        ("nodes: 0\n", "nodes"),
        ("schedule:\n  rate: 0\n", "schedule.rate"),
        ("sensor:\n  control-delay-frames: 0\n", "sensor.control-delay-frames"),
        ("sensor:\n  min-frame-length-lines: 500\n  max-frame-length-lines: 400\n", "sensor.max-frame-length-lines"),
        ("sensor:\n  line-time: 1ms\n", "sensor.line-time"),
        ("sensor:\n  profile: imx999\n", "sensor.profile"),
        ("sensor:\n  shutter: diagonal\n", "sensor.shutter"),
        // The global-shutter sensor's shortest frame (1118 lines, 16.6 ms) cannot keep up with 120 fps.
        ("sensor:\n  profile: global-shutter\n", "sensor.line-time"),
        ("strategies:\n  capture: sometimes\n", "strategies.capture"),
        ("servo:\n  tuning: aggressive\n", "servo.tuning"),
        // Genlock's gains are written for hardware time stamps only.
        ("servo:\n  timestamping: software\n  tuning: genlock\n", "servo.tuning"),
        ("strategies:\n  phase-gain: 3\n", "strategies.phase-gain"),
        ("strategies:\n  lock-threshold: 50us\n  loss-threshold: 20us\n", "strategies.loss-threshold"),
        // Phase-locked at 120 fps, an 8.4 ms exposure leaves no room to shorten a frame.
        ("sensor:\n  exposure: 8.4ms\nstrategies:\n  capture: phase-locked\n", "sensor.exposure"),
        ("faults:\n  - at: 1s\n    step: 2000000h\n", "faults[0].step"),
        // A STOP before the run begins, a join margin past its end, an exposure longer than a
        // frame, a crash of no time and a failover no servo slews away within the run.
        ("schedule:\n  duration: 1s\n  stop-lead: 100s\n", "schedule.stop-lead"),
        ("schedule:\n  duration: 1s\n  join-margin: 100s\n", "schedule.join-margin"),
        ("sensor:\n  exposure: 10s\n", "sensor.exposure"),
        ("faults:\n  - at: 1s\n    crash: 0s\n", "faults[0].crash"),
        ("faults:\n  - at: 1s\n    grandmaster-failover: 1000h\n", "faults[0].grandmaster-failover"),
    ])
    func rejected(yaml: String, field: String) throws {
        let e = try #require(error(yaml))
        #expect(e.field == field, "\(e)")
    }

    @Test("a sensor profile sets the mode's timing, and explicit keys override it")
    func profiles() throws {
        let imx = try Scenario(yaml: "schedule:\n  rate: 30\nsensor:\n  profile: imx708\n")
        #expect(imx.sensor.profile == .imx708)
        #expect(imx.sensor.timing == SensorTiming(lineTimePs: 9_209_040, minFrameLengthLines: 904, maxFrameLengthLines: 65_500, controlDelayFrames: 3))
        #expect(imx.sensor.shutter == .rolling)
        let gs = try Scenario(yaml: "schedule:\n  rate: 30\nsensor:\n  profile: global-shutter\n  control-delay-frames: 4\n  line-time: 14us\n")
        #expect(gs.sensor.shutter == .global)
        #expect(gs.sensor.controlDelayFrames == 4)
        #expect(gs.sensor.lineTimePs == 14_000_000)
        #expect(gs.sensor.minFrameLengthLines == 1_118)
        let custom = try Scenario(yaml: "sensor:\n  profile: custom\n")
        #expect(custom.sensor == Scenario.SensorModel())
    }

    @Test("the servo's tuning selects ptp4l's gains as genlock ptp config writes them; explicit gains override it")
    func servoTuning() throws {
        #expect(try Scenario(yaml: "name: x\n").servo.tuning == .linuxptp)
        let tuned = try Scenario(yaml: "servo:\n  tuning: genlock\n")
        #expect(tuned.servo.tuning == .genlock)
        let constants = try #require(tuned.servo.tuning.constants)
        let servo = Simulation(scenario: tuned, seed: 1).nodes[0].servo?.configuration
        #expect(servo?.kp == constants.proportional && servo?.ki == constants.integral)
        // linuxptp's hardware gains at 8 syncs per second are what the tuning replaces.
        let linuxptp = Simulation(scenario: try Scenario(yaml: "name: x\n"), seed: 1).nodes[0].servo?.configuration
        #expect(linuxptp.map { ($0.kp * 1000).rounded() } == 1306 && linuxptp.map { ($0.ki * 10000).rounded() } == 1306)
        let explicit = Simulation(scenario: try Scenario(yaml: "servo:\n  tuning: genlock\n  kp: 0.5\n"), seed: 1).nodes[0].servo?.configuration
        #expect(explicit?.kp == 0.5 && explicit?.ki == constants.integral)
    }

    @Test("a PTP gate without samples holds for the syncs of the 2 s settling window")
    func gateSamplesFromTheSettlingWindow() throws {
        #expect(try Scenario(yaml: "ptp-gate:\n  max-offset: 5us\n").ptpGate?.requiredSamples == 16)
        #expect(try Scenario(yaml: "servo:\n  sync-interval: 250ms\nptp-gate:\n  max-offset: 5us\n").ptpGate?.requiredSamples == 8)
        #expect(try Scenario(yaml: "ptp-gate:\n  samples: 3\n").ptpGate?.requiredSamples == 3)
    }

    @Test("genlock's capture mode and the phase lock's gains are read from strategies")
    func captureAndGains() throws {
        let s = try Scenario(yaml: """
            clock:
              adjustment-readable: false
            strategies:
              capture: phase-locked
              phase-gain: 0.5
              frequency-gain: 0.1
              frequency-filter-gain: 0.02
              reconverging-threshold: 2us
              phase-filter-gain-without-adjustment: 0.25
              tracker-prior-frames: 7
              lock-threshold: 5us
              frames-to-lock: 3
              loss-threshold: 80us
            """)
        #expect(s.strategies.capture == .phaseLocked)
        #expect(s.capture(for: .genlock) == .phaseLocked)
        #expect(s.capture(for: .naive) == .requestTimed)
        #expect(s.strategies.phaseLock == PhaseLock.Configuration(
            phaseGain: 0.5, frequencyGain: 0.1,
            tracker: .init(phase: PhaseLock.TrackerSettings.fedForward.phase, frequency: 0.02, reconvergingThreshold: .microseconds(2)),
            trackerWithoutClockAdjustment: .init(
                phase: 0.25, frequency: PhaseLock.TrackerSettings.learning.frequency,
                reconvergingThreshold: PhaseLock.TrackerSettings.learning.reconvergingThreshold),
            trackerPriorFrames: 7, lockThreshold: .microseconds(5), framesToLock: 3, lossThreshold: .microseconds(80)))
        #expect(!s.clock.adjustmentReadable)
        #expect(try Scenario(yaml: "name: x\n").clock.adjustmentReadable)
        // Streaming, no frame is shorter than exposure + interrupt latency (+ a line): 2.02 ms / 10 µs + 1.
        #expect(s.sensor.streamingTiming.minFrameLengthLines == 203)
        #expect(try Scenario(yaml: "name: x\n").strategies.capture == .requestTimed)
    }
}
