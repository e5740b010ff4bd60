import GenlockCore

/// A camera node's life from launch to exit: a pure state machine, events in, actions out, like
/// ``CaptureScheduler``. It owns the rules no capture mode should restate: when a schedule begins,
/// where a STOP, a local stop (SIGINT, SIGTERM), a lost coordinator or a failure ends the run (the
/// next reachable frame, so every camera can end on the same index), when STATUS goes out, and
/// what the node exits with. The ``NodeRuntime`` carries the actions out; the simulator and the
/// tests feed it in virtual time.
///
/// Durations are measured on the monotonic clock (coordinator loss), and only the runtime's word
/// that authenticated traffic arrived counts as the coordinator being alive: the loss timeout runs
/// from the last authenticated frame, whatever happens to TCP connections in between.
public struct NodeLifecycle: Sendable {
    public struct Configuration: Hashable, Sendable {
        /// A stop that is not the coordinator's lands on the first frame at least this far ahead.
        public var joinMargin: TimeSpan
        /// After this long without an authenticated frame from the coordinator, a capturing node
        /// stops (nil: a standalone node, which has no coordinator to lose).
        public var coordinatorTimeout: TimeSpan?
        /// Where a lost coordinator's session ends: the first frame at or after the coordinator's
        /// time in its last HEARTBEAT plus the timeout plus this grace. Every node that heard the
        /// same last HEARTBEAT computes the same index; the grace covers the tick period, network
        /// delay and join margin, so the index is still ahead when the loss is noticed.
        public var lossGrace: TimeSpan

        public init(joinMargin: TimeSpan = .milliseconds(5), coordinatorTimeout: TimeSpan? = nil, lossGrace: TimeSpan = .seconds(1)) {
            self.joinMargin = joinMargin
            self.coordinatorTimeout = coordinatorTimeout
            self.lossGrace = lossGrace
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
        /// An authenticated frame from the coordinator arrived (`sample` is fresh); a HEARTBEAT
        /// carries the coordinator's realtime when it was sent.
        case coordinatorHeard(ClockSample, coordinatorTime: RealtimeInstant?)
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
    /// When the last authenticated frame from the coordinator arrived (monotonic), and the
    /// realtime the shared loss index is reckoned from (the coordinator's, from a HEARTBEAT, or
    /// this node's when it arrived).
    public private(set) var lastHeard: (at: MonotonicInstant, reference: RealtimeInstant)?
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
        case (.waiting, .scheduleReceived(var plan, let sample)):
            if let stopIndex { plan.stopIndex = min(stopIndex, plan.stopIndex ?? stopIndex) }
            phase = .capturing(plan)
            // The coordinator's START is authenticated traffic: the loss timeout runs from it at the latest.
            if lastHeard == nil { lastHeard = (sample.monotonic, sample.realtime) }
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
        case (_, .coordinatorHeard(let sample, let coordinatorTime)):
            lastHeard = (sample.monotonic, coordinatorTime ?? sample.realtime)
            return []
        case (.capturing(let plan), .tick(let sample, let last)):
            var actions: [Action] = [.sendStatus(finished: false)]
            if let heard = lastHeard, let timeout = configuration.coordinatorTimeout, !timedOut, sample.monotonic - heard.at >= timeout {
                timedOut = true
                actions += stopAfterLoss(plan, sample, after: last, reference: heard.reference, timeout: timeout)
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

    /// The coordinator is lost: the frame every node that heard the same last HEARTBEAT picks
    /// (`reference + timeout + lossGrace`), kept between the next reachable frame and the first
    /// frame `lossGrace` from now (so a coordinator's time far off cannot keep the node recording).
    private mutating func stopAfterLoss(
        _ plan: StartPlan, _ sample: ClockSample, after last: Int64?, reference: RealtimeInstant, timeout: TimeSpan
    ) -> [Action] {
        let reason = "no authenticated frame from the coordinator for \(timeout)"
        let note = "; frames recorded so far are kept"
        let schedule = plan.schedule
        guard let reachable = try? schedule.firstIndex(after: sample.realtime, margin: configuration.joinMargin),
              let latest = try? schedule.firstIndex(after: sample.realtime, margin: configuration.lossGrace) else {
            return [.log(.warning, "\(reason): ending the run"), .abortCapture]
        }
        // In 128 bits: the reference comes from the coordinator and may be any 64-bit value.
        let sharedNs = Int128(reference.nanosecondsSinceEpoch) + Int128(timeout.nanoseconds) + Int128(configuration.lossGrace.nanoseconds)
        var index = reachable
        if let ns = Int64(exactly: sharedNs), let shared = try? schedule.firstIndex(atOrAfter: RealtimeInstant(nanosecondsSinceEpoch: ns)) {
            index = min(max(shared, reachable), max(latest, reachable))
        }
        index = max(index, last.map { $0 + 1 } ?? index)
        let actions = stop(at: index)
        guard !actions.isEmpty else { return [] }
        return [.log(.warning, "\(reason): stopping at index \(index)\(note)")] + actions
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
