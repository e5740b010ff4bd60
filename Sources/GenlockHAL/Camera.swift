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

/// The one thing a node captures from: a libcamera sensor on a Pi, the synthetic cameras on a
/// machine without one, the simulator's sensor models and the tests' scripted sensor. Both capture
/// modes use it the same way: start it, queue one request per frame (request-timed: at each `Tn`;
/// phase-locked: every sensor frame, each with the frame duration the lock decided), take the
/// completions (one ``CameraFrame`` shape for every source), stop it.
public protocol CaptureSource: AnyObject, Sendable {
    /// A name for logs (`cam1`, a camera id).
    var name: String { get }
    /// Starts the source, once, with auto-exposure off at `settings.exposure` and the frame
    /// duration held within `settings.frameDurationLimits`. A streaming sensor free-runs at that
    /// length until a request pins another; a source that renders on request (the request-timed
    /// synthetic camera) has no frame length to hold.
    func start(_ settings: ExposureSettings) throws
    /// Queues the capture of frame `request.index`; a `frameDuration` pins the duration of the
    /// frame this request's controls reach (the phase lock's correction), nil keeps the limits set
    /// at start. Must not block for the duration of a frame.
    func queue(_ request: CaptureRequest, frameDuration: TimeSpan?) throws
    /// Stops capturing: pending requests complete as cancelled, then ``completions`` finishes.
    func stop()
    /// Every queued request's completion, in the order the source completed them, handed over
    /// without blocking the source's own thread. A source whose owner hands completions on itself
    /// (the simulator's, in virtual time) returns a finished stream.
    var completions: AsyncStream<CameraCompletion> { get }
}

extension CaptureSource {
    /// Queues frame `request.index` with the frame duration limits set at start.
    public func queue(_ request: CaptureRequest) throws { try queue(request, frameDuration: nil) }
}
