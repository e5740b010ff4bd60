/// How a phase-locked run ended.
public struct PhaseLockSummary: Hashable, Sendable {
    public enum Outcome: Hashable, Sendable {
        /// The stop index was reached.
        case stopped
        /// The camera's completions ended before the stop index (the camera stopped or failed).
        case cameraEnded
        /// The camera delivered nothing (no frame, no failed request) for this long while running.
        case cameraSilent(TimeSpan)
        /// A frame's exposure start lies outside the schedule's 64-bit range.
        case failed(ScheduleError)
    }
    public var outcome: Outcome
    /// The first index this node may number (the session's, or a late joiner's).
    public var joinedAt: Int64?
    /// The stop index in force at the end.
    public var stopIndex: Int64?
    /// Frames numbered and handed on.
    public var captured: Int64 = 0
    /// Indices between numbered frames that no frame landed on (a forward clock step, a dropped frame).
    public var skipped: Int64 = 0
    /// Frames steered but not numbered because their `Tn` is before the join index.
    public var preRoll: Int64 = 0
    /// Frames nearest an index already taken (a backward clock step): dropped, never renumbered.
    public var duplicates: Int64 = 0
    /// Requests the camera failed, frames without a timestamp, requests it refused.
    public var failures: Int64 = 0
    /// The last index numbered.
    public var lastIndex: Int64?
    /// The lock's status at the end (nil if no frame arrived).
    public var status: PhaseLock.Status?

    public init(outcome: Outcome, joinedAt: Int64?, stopIndex: Int64?) {
        self.outcome = outcome
        self.joinedAt = joinedAt
        self.stopIndex = stopIndex
    }
}
