import GenlockCore

/// A camera whose requests can each carry the frame duration the sensor should use: what the
/// phase lock steers.
public protocol FrameDurationCamera: FrameDeliveringCamera {
    /// Queues `request`; a `frameDuration` pins the duration of the frame this request's controls
    /// reach (nil keeps the limits set at start).
    func queue(_ request: CaptureRequest, frameDuration: TimeSpan?) throws
}

/// A frame the phase lock numbered: frame `index`, exposed (by the sensor's own account) at
/// ``exposureStart``, which the lock steers onto ``scheduled``.
public struct PhaseLockedFrame: Sendable {
    /// The frame index `n`: the `Tn` nearest the exposure start.
    public var index: Int64
    /// `Tn`.
    public var scheduled: RealtimeInstant
    /// The sensor's timestamp (monotonic), as the camera reported it.
    public var sensorTimestamp: MonotonicInstant
    /// ``sensorTimestamp`` on the shared timeline, through the clock pair sampled when the frame
    /// arrived (what a recording's sidecar lists as the sensor's realtime instant).
    public var sensorRealtime: RealtimeInstant
    /// The exposure start of row 0 on the shared timeline (the timestamp read per its meaning and
    /// mapped through a clock pair sampled when the frame arrived).
    public var exposureStart: RealtimeInstant
    /// ``exposureStart`` minus ``scheduled``.
    public var phaseError: TimeSpan
    /// The lock's state after this frame.
    public var state: PhaseLock.State
    /// The image. The receiver releases it once encoded or copied.
    public var frame: CameraFrame

    public init(
        index: Int64, scheduled: RealtimeInstant, sensorTimestamp: MonotonicInstant, sensorRealtime: RealtimeInstant,
        exposureStart: RealtimeInstant, phaseError: TimeSpan, state: PhaseLock.State, frame: CameraFrame
    ) {
        self.index = index
        self.scheduled = scheduled
        self.sensorTimestamp = sensorTimestamp
        self.sensorRealtime = sensorRealtime
        self.exposureStart = exposureStart
        self.phaseError = phaseError
        self.state = state
        self.frame = frame
    }
}

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
