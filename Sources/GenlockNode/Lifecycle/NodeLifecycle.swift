import GenlockCore

/// A camera node's life from launch to exit: a pure state machine, events in, actions out, like
/// ``CaptureScheduler``. It owns the rules no capture mode should restate: when a schedule begins,
/// where a STOP, a local stop (SIGINT, SIGTERM), a lost coordinator or a failure ends the run (the
/// next reachable frame, so every camera can end on the same index), when STATUS goes out, and
/// what the node exits with. The ``NodeRuntime`` carries the actions out; the simulator and the
/// tests feed it in virtual time.
///
/// Durations are measured on the monotonic clock (coordinator loss), and only the runtime's word
/// that authenticated traffic arrived counts as the coordinator being alive.
public struct NodeLifecycle: Sendable {
    public struct Configuration: Hashable, Sendable {
        /// A stop that is not the coordinator's lands on the first frame at least this far ahead.
        public var joinMargin: TimeSpan
        /// After this long without the coordinator, a capturing node stops at the next reachable
        /// frame (nil: a standalone node, which has no coordinator to lose).
        public var coordinatorTimeout: TimeSpan?

        public init(joinMargin: TimeSpan = .milliseconds(5), coordinatorTimeout: TimeSpan? = nil) {
            self.joinMargin = joinMargin
            self.coordinatorTimeout = coordinatorTimeout
        }
    }

    public enum Event: Hashable, Sendable {
        /// START (from the coordinator, or a standalone node's own schedule); `sample` is fresh.
        case scheduleReceived(StartPlan, ClockSample)
        /// The coordinator's STOP: capture only frames before this index.
        case stopReceived(Int64)
        /// A local stop (`reason` names it: "SIGTERM"): end at the next reachable frame.
        /// `lastCaptured` is the last index captured so far (the stop never lands before it: after a
        /// realtime step back, "reachable" by the clock can be behind what was already captured).
        case localStop(reason: String, ClockSample, lastCaptured: Int64?)
        /// The connection to the coordinator is gone (monotonic time of the loss).
        case coordinatorLost(MonotonicInstant)
        /// Authenticated traffic from the coordinator arrived.
        case coordinatorHeard(MonotonicInstant)
        /// The periodic tick (STATUS, the coordinator-loss timeout); `sample` is fresh.
        case tick(ClockSample, lastCaptured: Int64?)
        /// The deadline timer could not be armed (`reason` says why).
        case armFailed(reason: String)
        /// Writing the recording failed (`reason` says why); `sample` is fresh.
        case recordingFailed(reason: String, ClockSample, lastCaptured: Int64?)
        /// The capture run ended: its stop index, and why it failed if it did.
        case captureFinished(stopIndex: Int64?, failure: String?)
        /// The recording is closed (nil), or closing it failed (the reason).
        case recordingClosed(failure: String?)
    }

    public enum Action: Hashable, Sendable {
        /// Start capturing (and recording) for this plan.
        case beginCapture(StartPlan)
        /// Capture only frames before this index.
        case stopCapture(at: Int64)
        /// End the run now, whatever index it is at (nothing more can be captured).
        case abortCapture
        /// Report to the coordinator; `finished` once the run and its recording are over.
        case sendStatus(finished: Bool)
        /// Close the recording, leaving out frames at or after the stop index.
        case closeRecording(stopIndex: Int64?)
        case log(NodeLogLevel, String)
        /// The node is done: exit the process with this status.
        case exit(NodeExit)
    }

    public enum Phase: Hashable, Sendable {
        /// Before START.
        case waiting
        case capturing(StartPlan)
        /// The run ended; the recording is being closed.
        case closing
        case exited(NodeExit)
    }

    public let configuration: Configuration
    public private(set) var phase: Phase = .waiting
    /// When the coordinator was lost (nil while connected, or before the first connection).
    public private(set) var coordinatorLostAt: MonotonicInstant?
    /// The stop index asked for so far (by STOP, a local stop, a timeout or a failure).
    public private(set) var stopIndex: Int64?
    /// The first failure (the exit status is 1 when there is one).
    public private(set) var failure: String?
    private var timedOut = false

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    public mutating func handle(_ event: Event) -> [Action] {
        switch (phase, event) {
        case (.exited, _):
            return []
        case (.waiting, .scheduleReceived(var plan, _)):
            if let stopIndex { plan.stopIndex = min(stopIndex, plan.stopIndex ?? stopIndex) }
            phase = .capturing(plan)
            return [.beginCapture(plan)]
        case (_, .scheduleReceived):
            return []  // one run per process; a repeated START of the same session changes nothing
        case (.waiting, .stopReceived(let index)):
            stopIndex = min(index, stopIndex ?? index)
            return []
        case (.capturing, .stopReceived(let index)):
            return stop(at: index)
        case (.waiting, .localStop(let reason, _, _)):
            return exit(NodeExit(status: 0, reason: "\(reason) before START: nothing was recorded"))
        case (.capturing(let plan), .localStop(let reason, let sample, let last)):
            return stopAtNextReachable(plan, sample, after: last, because: reason, level: .info)
        case (_, .coordinatorLost(let at)):
            guard coordinatorLostAt == nil else { return [] }
            coordinatorLostAt = at
            return []
        case (_, .coordinatorHeard):
            coordinatorLostAt = nil
            return []
        case (.capturing(let plan), .tick(let sample, let last)):
            var actions: [Action] = [.sendStatus(finished: false)]
            if let lost = coordinatorLostAt, let timeout = configuration.coordinatorTimeout, !timedOut, sample.monotonic - lost >= timeout {
                timedOut = true
                actions += stopAtNextReachable(
                    plan, sample, after: last, because: "no coordinator for \(timeout)", level: .warning, note: "; frames recorded so far are kept")
            }
            return actions
        case (.waiting, .tick):
            return [.sendStatus(finished: false)]
        case (.capturing, .armFailed(let reason)):
            fail("arming the deadline timer failed: \(reason)")
            return [.log(.error, "arming the deadline timer failed: \(reason); ending the run (what was recorded is kept)"), .abortCapture]
        case (.capturing(let plan), .recordingFailed(let reason, let sample, let last)):
            guard failure == nil else { return [] }
            fail("recording failed: \(reason)")
            return [.log(.error, "recording failed: \(reason)")]
                + stopAtNextReachable(plan, sample, after: last, because: "recording failed", level: .info)
        case (.capturing, .captureFinished(let stop, let runFailure)):
            if let runFailure { fail(runFailure) }
            phase = .closing
            return [.closeRecording(stopIndex: stop)]
        case (.closing, .recordingClosed(let closeFailure)):
            if let closeFailure { fail("recording failed: \(closeFailure)") }
            return [.sendStatus(finished: true)] + exit(NodeExit(status: failure == nil ? 0 : 1, reason: failure))
        default:
            return []
        }
    }

    private mutating func stop(at index: Int64) -> [Action] {
        guard index < (stopIndex ?? .max) else { return [] }
        stopIndex = index
        return [.stopCapture(at: index)]
    }

    /// The first frame at least the join margin ahead: the soonest every camera can still reach,
    /// and never before the frame after `last` (what was captured stays in the recording).
    private mutating func stopAtNextReachable(
        _ plan: StartPlan, _ sample: ClockSample, after last: Int64?, because reason: String, level: NodeLogLevel, note: String = ""
    ) -> [Action] {
        guard let reachable = try? plan.schedule.firstIndex(after: sample.realtime, margin: configuration.joinMargin) else {
            // No index after now fits in 64-bit time: nothing more can be captured.
            return [.log(level, "\(reason): ending the run"), .abortCapture]
        }
        let index = max(reachable, last.map { $0 + 1 } ?? reachable)
        let actions = stop(at: index)
        guard !actions.isEmpty else { return [] }
        return [.log(level, "\(reason): stopping at index \(index)\(note)")] + actions
    }

    private mutating func fail(_ reason: String) {
        if failure == nil { failure = reason }
    }

    private mutating func exit(_ result: NodeExit) -> [Action] {
        phase = .exited(result)
        return [.exit(result)]
    }
}

/// How bad a lifecycle message is.
public enum NodeLogLevel: String, Hashable, Sendable {
    case info, warning, error
}

/// What a node exits with: 0 after a clean run (however it was stopped), 1 when something failed.
public struct NodeExit: Hashable, Sendable {
    public var status: Int32
    /// What failed (status 1), or why there was nothing to do.
    public var reason: String?
    public init(status: Int32, reason: String?) {
        self.status = status
        self.reason = reason
    }
}
