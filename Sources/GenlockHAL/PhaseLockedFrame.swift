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
