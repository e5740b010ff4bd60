import GenlockCore
import GenlockPTP

/// The capture strategy a run compares.
public enum StrategyKind: String, CaseIterable, Hashable, Sendable, Codable {
    /// Waits for the realtime clock to take one exact value (the classic field failure).
    case naive
    /// An absolute timer on CLOCK_REALTIME with the kernel's semantics.
    case realtimeTimer = "realtime-timer"
    /// Monotonic deadlines from an anchor taken at START, re-anchored periodically.
    case monotonic
    /// Genlock's own: the real CaptureScheduler through CaptureDriver on simulated HAL devices.
    case genlock
}

/// A complete, validated scenario: every field has a value (defaults filled in by the reader).
/// Durations are nanoseconds; rates are parts per million or billion as named.
public struct Scenario: Hashable, Sendable {
    public var name = "unnamed"
    public var seed: UInt64 = 1
    public var strategy: StrategyKind = .genlock
    public var nodes = 4
    public var clock = ClockModel()
    public var servo = ServoModel()
    public var timer = TimerModel()
    public var sensor = SensorModel()
    public var network = NetworkModel()
    public var schedule = ScheduleModel()
    /// The coordinator's PTP start gate (the rig file's `ptp` limits); nil: START is not gated.
    public var ptpGate: PTPGateModel? = nil
    public var strategies = StrategyOptions()
    public var watchdogTimeoutNs: Int64 = 1_000_000_000
    public var faults: [Fault] = []

    public init() {}

    /// Every duration, instant and step in a scenario lies within ± this (1000 hours), so no sum
    /// of them overflows 64-bit nanoseconds.
    public static let maximumSpanNs: Int64 = 1000 * 3_600_000_000_000

    public struct ClockModel: Hashable, Sendable {
        /// Each node's oscillator error is uniform in ± this (ppm).
        public var oscillatorSpreadPpm: Double = 20
        /// Random-walk wander of the oscillator, ppb per √second.
        public var wanderPpbPerSqrtSecond: Double = 1
        /// Each node's realtime starts uniformly within ± this of the grandmaster (ns).
        public var initialOffsetSpreadNs: Int64 = 0
        /// The servo's drift starts at the node's true oscillator error (ptp4l has been running).
        public var startLocked = true
        /// Nodes can read the kernel's frequency adjustment of their clocks (adjtimex, as on
        /// Linux), which phase-locked capture reads with each frame. False models nodes that cannot, for comparison.
        public var adjustmentReadable = true
    }

    public struct ServoModel: Hashable, Sendable {
        public var enabled = true
        public var syncIntervalNs: Int64 = 125_000_000
        /// Hardware timestamping selects linuxptp's hardware PI scales (0.7/0.3), software 0.1/0.001.
        public var hardwareTimestamping = true
        /// Standard deviation of each offset measurement (ns).
        public var measurementNoiseNs: Int64 = 30
        /// The gains the rig's ptp4l runs with: linuxptp's own (derived from the sync interval), or
        /// the ones `genlock ptp config` writes (``PTPServoTuning``, hardware time stamps only).
        public var tuning: PTPServoTuning = .linuxptp
        /// Explicit gains, overriding `tuning`.
        public var kp: Double? = nil
        public var ki: Double? = nil
        public var firstStepThresholdNs: Int64 = 20_000
        public var stepThresholdNs: Int64 = 0
        public var maxFrequencyPpm: Double = 500
        /// A node counts as re-converged after a fault once |true offset| stays within this.
        public var convergedWithinNs: Int64 = 1_000
    }

    public struct TimerModel: Hashable, Sendable {
        /// Every wake-up is at least this late.
        public var latencyMinNs: Int64 = 2_000
        /// Mean of the exponential part of the wake latency.
        public var latencyMeanNs: Int64 = 3_000
        /// Rare long preemptions: probability per wake-up (ppm) and the range of their length.
        public var preemptionPpm: Int64 = 0
        public var preemptionMinNs: Int64 = 200_000
        public var preemptionMaxNs: Int64 = 2_000_000
        /// Gap between each of the three reads of a clock-pair sample (ns, uniform 0...this).
        public var clockReadNs: Int64 = 60
    }

    public enum SensorMode: String, Hashable, Sendable { case requestTimed = "request-timed", continuous }

    /// How the genlock strategy captures (see DESIGN.md, "Two capture modes").
    public enum CaptureMode: String, CaseIterable, Hashable, Sendable, Codable {
        /// A capture request at each `Tn`; the sensor runs as `sensor.mode` says.
        case requestTimed = "request-timed"
        /// The sensor streams at the rate, every frame is taken, and ``PhaseLock`` steers its frame
        /// length until exposure starts land on `Tn`.
        case phaseLocked = "phase-locked"
    }

    /// Where the row exposure windows start.
    public enum Shutter: String, Hashable, Sendable, Codable {
        /// Row r starts exposing r line times after row 0.
        case rolling
        /// Every row exposes together; the line time only sets the frame-length granularity.
        case global
    }

    public struct SensorModel: Hashable, Sendable {
        /// The profile the values below came from (explicit keys override it).
        public var profile: SensorProfile = .custom
        /// Request-timed capture only: the sensor free-runs at `rateMultiple` × the rate
        /// (`.requestTimed`) or at the rate (`.continuous`). Phase-locked capture always streams at the rate.
        public var mode: SensorMode = .requestTimed
        /// Each sensor's crystal error is uniform in ± this (ppm).
        public var crystalSpreadPpm: Double = 30
        /// Nominal line time in picoseconds (a pixel clock does not divide into whole nanoseconds).
        public var lineTimePs: Int64 = 10_000_000
        public var shutter: Shutter = .rolling
        /// Request-timed sensors free-run this many times faster than the schedule.
        public var rateMultiple: Int64 = 2
        public var minFrameLengthLines: Int64 = 100
        public var maxFrameLengthLines: Int64 = 1_000_000
        public var exposureNs: Int64 = 2_000_000
        public var controlDelayFrames: Int64 = 2
        public var timestampJitterNs: Int64 = 1_000
        /// A queued request is taken by the first frame starting at least this long after it.
        public var pipelineLatencyNs: Int64 = 0
        /// From the end of exposure of row 0 to the frame-start interrupt's timestamp.
        public var interruptLatencyNs: Int64 = 20_000

        /// The sensor mode as the core sees it.
        public var timing: SensorTiming {
            SensorTiming(
                lineTimePs: lineTimePs, minFrameLengthLines: minFrameLengthLines,
                maxFrameLengthLines: maxFrameLengthLines, controlDelayFrames: Int(controlDelayFrames))
        }

        /// The sensor mode when streaming for phase-locked capture: no frame is shorter than its
        /// exposure plus the interrupt latency (plus a line). Real sensors clamp the frame length to
        /// the exposure plus a few lines (libcamera's `frameIntegrationDiff`, 22 lines on the IMX708);
        /// the interrupt latency keeps each frame's interrupt before the next frame starts, so the
        /// control delay counts from the frame in progress as the controller assumes.
        public var streamingTiming: SensorTiming {
            let busyLines = Int64((Int128(exposureNs + interruptLatencyNs) * 1000 + Int128(lineTimePs) - 1) / Int128(lineTimePs)) + 1
            return SensorTiming(
                lineTimePs: lineTimePs, minFrameLengthLines: min(max(minFrameLengthLines, busyLines), maxFrameLengthLines),
                maxFrameLengthLines: maxFrameLengthLines, controlDelayFrames: Int(controlDelayFrames))
        }
    }

    public struct NetworkModel: Hashable, Sendable {
        public var delayMinNs: Int64 = 100_000
        public var delayMeanNs: Int64 = 200_000
        public var lossPpm: Int64 = 0
        /// TCP's retransmission timeout for a lost segment (doubling on each retry); 200 ms is
        /// Linux's minimum, which a LAN connection's RTO settles at.
        public var retransmitNs: Int64 = 200_000_000
        /// A segment not delivered within this breaks the connection (the transport's
        /// `TCP_USER_TIMEOUT`); the node then reconnects with backoff.
        public var connectionTimeoutNs: Int64 = 10_000_000_000
    }

    public struct ScheduleModel: Hashable, Sendable {
        public var rate: FrameRate = try! FrameRate(numerator: 120)
        /// True time at which the coordinator sends START.
        public var startAtNs: Int64 = 1_000_000_000
        /// `T0` is this far after the coordinator's clock when it sends START.
        public var leadNs: Int64 = 500_000_000
        /// Recording length: the stop index covers this much from `T0`.
        public var durationNs: Int64 = 10_000_000_000
        /// STOP is sent this long before the stop index's deadline.
        public var stopLeadNs: Int64 = 500_000_000
        /// CaptureScheduler's join margin.
        public var joinMarginNs: Int64 = 5_000_000
    }

    /// The PTP start gate, as on a rig: each node judges its servo's offset samples with the
    /// production `LockGate` (|offset| below `maxOffsetNs` for `requiredSamples` in a row, port
    /// SLAVE) and reports the verdict; the coordinator holds START until every connected node
    /// reports locked within `maxOffsetNs` (the rig file's `ptp.maxOffset`).
    public struct PTPGateModel: Hashable, Sendable {
        public var maxOffsetNs: Int64 = 1_000
        /// Consecutive offset samples (one per sync) within the limit; by default the syncs that span
        /// ``LockGate/settlingWindow``, the 2 s a camera node and `genlock ptp wait` hold (16 at 8
        /// syncs per second).
        public var requiredSamples = LockGate.settlingReadings(every: .nanoseconds(ServoModel().syncIntervalNs))
        /// The run waits at most this long past `start-at` for the gate (a rig's coordinator waits
        /// forever; a simulation must end): then it ends with nothing recorded.
        public var timeoutNs: Int64 = 60_000_000_000
    }

    public struct StrategyOptions: Hashable, Sendable {
        /// naive: how often it polls realtime, and the granularity of the value it compares.
        public var naivePollNs: Int64 = 200_000
        public var naiveGranularityNs: Int64 = 1_000_000
        /// monotonic: re-anchor the realtime→monotonic mapping this often (0: never).
        public var monotonicReanchorNs: Int64 = 1_000_000_000
        /// genlock: request-timed or phase-locked capture (the baselines are always request-timed).
        public var capture: CaptureMode = .requestTimed
        /// genlock, phase-locked: the controller's gains and thresholds (defaults justified in ``PhaseLock``).
        public var phaseLock = PhaseLock.Configuration()
        /// genlock, request-timed: the deadline timer notices realtime steps while armed (the
        /// kernel's `TFD_TIMER_CANCEL_ON_SET`), as `genlock camera` does; false models a timer that
        /// does not (`genlock camera --ignore-realtime-steps`), for comparison.
        public var stepAware = true
    }

    /// One entry of the fault timeline.
    public struct Fault: Hashable, Sendable {
        public enum Kind: Hashable, Sendable {
            /// Realtime steps by `byNs` (either sign) on the target nodes.
            case step(byNs: Int64)
            /// A forced frequency offset for a while (an operator or chrony slewing).
            case slew(ppm: Double, durationNs: Int64)
            /// The reference jumps by `byNs` for every node (a new grandmaster).
            case grandmasterFailover(byNs: Int64)
            /// Messages to and from the target nodes are lost with this probability for a while.
            case messageLoss(ppm: Int64, durationNs: Int64)
            /// The node's capture process dies and comes back after `downNs`.
            case crash(downNs: Int64)
            /// The next timer wake-up on the target nodes comes `byNs` late.
            case timerOverrun(byNs: Int64)
            /// The coordinator's process hangs for good (SIGSTOP): its connections stay open, it
            /// reads, writes and ticks nothing. Every node stops after its coordinator timeout, on
            /// the index the last HEARTBEAT implies.
            case coordinatorHang
            /// The target nodes keep capturing and stay connected but never send STATUS.
            case silentCamera
        }
        public var atNs: Int64
        /// Target nodes; nil means every node.
        public var nodes: [Int]?
        public var kind: Kind
        /// Where the fault was written (for messages).
        public var line: Int
    }

    /// The capture mode `strategy` runs with: the scenario's for genlock; the baselines only know requests.
    public func capture(for strategy: StrategyKind) -> CaptureMode { strategy == .genlock ? strategies.capture : .requestTimed }

    /// The nodes a fault applies to.
    public func targets(of fault: Fault) -> [Int] { fault.nodes ?? Array(0..<nodes) }
}
