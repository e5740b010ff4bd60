import GenlockControl
import GenlockCore
import GenlockHAL
import Synchronization

/// One camera node, run the same way by `genlock camera`, the simulator and the tests: the pure
/// ``NodeLifecycle`` fed by the outside world (the control link, signals, a ticker, the capture
/// mode's reports) and its actions carried out against a ``NodeCapture`` and the node's outputs.
///
/// It owns no thread and never blocks on its own: events arrive through the methods below from
/// whatever thread the host has (NIO's loop, a signal thread, a timer thread, libcamera's pump),
/// the lifecycle decides under a lock, and the actions run outside it. The host waits for
/// ``Outputs/exit``.
public final class NodeRuntime: Sendable {
    /// Where a node's decisions go.
    public struct Outputs: Sendable {
        /// Send STATUS to the coordinator (dropped when not connected).
        public var sendStatus: @Sendable (ControlMessage.Status) -> Void
        /// The node's PTP state now, for STATUS.
        public var ptp: @Sendable () -> PTPReport
        public var log: @Sendable (NodeLogLevel, String) -> Void
        /// The node is done (once).
        public var exit: @Sendable (NodeExit) -> Void
        /// Runs work that may block (closing the recording waits for its encoder) away from the
        /// thread that reported the event: that may be the recorder's own queue, or the timer's.
        /// A host in virtual time runs it inline.
        public var offload: @Sendable (@escaping @Sendable () -> Void) -> Void
        /// The node's preflight summary for STATUS, once its checks have run (nil before, or none).
        public var preflight: @Sendable () -> String?
        /// Frames dropped, lateness p99 and disk free for STATUS (nil: the host cannot tell).
        public var health: @Sendable () -> ControlMessage.HealthReport?

        public init(
            sendStatus: @escaping @Sendable (ControlMessage.Status) -> Void, ptp: @escaping @Sendable () -> PTPReport,
            log: @escaping @Sendable (NodeLogLevel, String) -> Void, exit: @escaping @Sendable (NodeExit) -> Void,
            offload: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void = { $0() },
            preflight: @escaping @Sendable () -> String? = { nil },
            health: @escaping @Sendable () -> ControlMessage.HealthReport? = { nil }
        ) {
            self.health = health
            self.sendStatus = sendStatus
            self.ptp = ptp
            self.log = log
            self.exit = exit
            self.offload = offload
            self.preflight = preflight
        }
    }

    private let clock: any ClockPair
    private let capture: any NodeCapture
    private let outputs: Outputs
    private let lifecycle: Mutex<NodeLifecycle>

    public init(configuration: NodeLifecycle.Configuration, clock: any ClockPair, capture: any NodeCapture, outputs: Outputs) {
        self.clock = clock
        self.capture = capture
        self.outputs = outputs
        self.lifecycle = Mutex(NodeLifecycle(configuration: configuration))
    }

    /// START: the coordinator's, or a standalone node's own.
    public func scheduleReceived(_ plan: StartPlan) { feed(.scheduleReceived(plan, clock.sample())) }

    /// The coordinator's STOP.
    public func stopReceived(_ index: Int64) { feed(.stopReceived(index)) }

    /// SIGINT, SIGTERM, or another local reason to end at the next reachable frame.
    public func localStop(reason: String) {
        feed(.localStop(reason: reason, clock.sample(), lastCaptured: capture.progress.lastIndex))
    }

    /// An authenticated frame from the coordinator arrived (a HEARTBEAT carries the coordinator's
    /// realtime when it sent it). Nothing else counts as the coordinator being alive.
    public func coordinatorHeard(coordinatorTime: RealtimeInstant?) {
        feed(.coordinatorHeard(clock.sample(), coordinatorTime: coordinatorTime))
    }

    /// The host's periodic tick (twice a second on a node): STATUS, timeouts, camera silence.
    public func tick() {
        capture.tick()
        feed(.tick(clock.sample(), lastCaptured: capture.progress.lastIndex))
    }

    /// Where the lifecycle stands.
    public var phase: NodeLifecycle.Phase { lifecycle.withLock { $0.phase } }

    /// The STATUS a node sends now.
    public func status(finished: Bool) -> ControlMessage.Status {
        let p = capture.progress
        return ControlMessage.Status(
            ptp: outputs.ptp(), framesCaptured: p.captured, framesSkipped: p.skipped, lastIndex: p.lastIndex, finished: finished,
            phaseLock: p.phaseLock, lateness: p.lateness, preflight: outputs.preflight(), health: outputs.health())
    }

    private func captured(_ report: NodeCaptureReport) {
        switch report {
        case .armFailed(let reason): feed(.armFailed(reason: reason))
        case .recordingFailed(let reason): feed(.recordingFailed(reason: reason, clock.sample(), lastCaptured: capture.progress.lastIndex))
        case .finished(let stopIndex, let failure): feed(.captureFinished(stopIndex: stopIndex, failure: failure))
        }
    }

    private func feed(_ event: NodeLifecycle.Event) {
        let actions = lifecycle.withLock { $0.handle(event) }
        for action in actions { perform(action) }
    }

    private func perform(_ action: NodeLifecycle.Action) {
        switch action {
        case .beginCapture(let plan):
            outputs.log(.info, "START: T0=\(plan.schedule.start.nanosecondsSinceEpoch) ns, \(plan.schedule.rate) fps, first index \(plan.firstIndex)"
                + (plan.stopIndex.map { ", stop index \($0)" } ?? ""))
            capture.begin(plan) { [self] report in captured(report) }
        case .stopCapture(let index):
            capture.stop(at: index)
        case .abortCapture:
            capture.abort()
        case .sendStatus(let finished):
            outputs.sendStatus(status(finished: finished))
        case .closeRecording(let stopIndex):
            outputs.offload { [self] in feed(.recordingClosed(failure: capture.closeRecording(stopIndex: stopIndex))) }
        case .log(let level, let text):
            outputs.log(level, text)
        case .exit(let result):
            outputs.exit(result)
        }
    }
}
