import GenlockControl
import GenlockCore

/// A capture mode as the ``NodeRuntime`` drives it: request-timed (``RequestTimedCapture``) or
/// phase-locked (``PhaseLockedCapture``), each with its recording. Events may come from any
/// thread; implementations lock what they share.
public protocol NodeCapture: AnyObject, Sendable {
    /// Starts capturing `plan`; what happens is told to `report` (from any thread).
    func begin(_ plan: StartPlan, report: @escaping @Sendable (NodeCaptureReport) -> Void)
    /// Capture only frames before `index`.
    func stop(at index: Int64)
    /// End the run where it stands.
    func abort()
    /// The periodic tick (a streaming camera's silence is judged here).
    func tick()
    /// Closes the recording once the run has finished; returns why that failed, nil when fine.
    /// May block until the last frames are written.
    func closeRecording(stopIndex: Int64?) -> String?
    /// Counts for STATUS.
    var progress: NodeProgress { get }
}

/// What a capture mode tells the runtime.
public enum NodeCaptureReport: Sendable {
    /// The deadline timer could not be armed.
    case armFailed(String)
    /// Writing the recording failed.
    case recordingFailed(String)
    /// The run ended: its stop index, and why it failed if it did.
    case finished(stopIndex: Int64?, failure: String?)
}

/// A node's counts, for STATUS while it runs and at the end.
public struct NodeProgress: Hashable, Sendable {
    public var captured: Int64 = 0
    public var skipped: Int64 = 0
    public var lastIndex: Int64?
    /// Phase-locked capture: the lock's state and last phase error.
    public var phaseLock: ControlMessage.PhaseLockReport?
    /// Request-timed capture: realtime lateness (realtime on waking − Tn), latest and worst.
    public var lateness: ControlMessage.LatenessReport?

    public init(
        captured: Int64 = 0, skipped: Int64 = 0, lastIndex: Int64? = nil, phaseLock: ControlMessage.PhaseLockReport? = nil,
        lateness: ControlMessage.LatenessReport? = nil
    ) {
        self.captured = captured
        self.skipped = skipped
        self.lastIndex = lastIndex
        self.phaseLock = phaseLock
        self.lateness = lateness
    }

    /// A frame was captured `ns` after its `Tn` on the realtime clock.
    public mutating func noteLateness(_ ns: Int64) {
        lateness = ControlMessage.LatenessReport(lastNs: ns, maxNs: Swift.max(ns, lateness?.maxNs ?? ns))
    }
}
