import GenlockCore

/// A request for one frame: index `n`, due at `Tn`.
public struct CaptureRequest: Hashable, Sendable {
    /// The frame index; frame `n` always means `scheduled == Tn`.
    public var index: Int64
    /// `Tn` on the shared realtime timeline.
    public var scheduled: RealtimeInstant
    /// The clock pair sampled when the node woke for this frame.
    public var wake: ClockSample
    /// The timer's wake error (monotonic), when a timer was involved.
    public var wakeError: TimeSpan

    public init(index: Int64, scheduled: RealtimeInstant, wake: ClockSample, wakeError: TimeSpan) {
        self.index = index
        self.scheduled = scheduled
        self.wake = wake
        self.wakeError = wakeError
    }
}

/// A camera as the capture node sees it: it accepts frame requests and reports frames.
///
/// Backends: the libcamera backend on a Pi, the synthetic camera for machines without one, and
/// the simulator's sensor model.
public protocol Camera: AnyObject, Sendable {
    /// A name for logs (`cam1`, a sensor model).
    var name: String { get }
    /// Queue the capture of frame `request.index`. Must not block for the duration of a frame.
    func queue(_ request: CaptureRequest) throws
    /// Stop capturing; pending requests are cancelled.
    func stop()
}
