import GenlockCore
import GenlockHAL
import Synchronization

/// The camera for machines without one, for request-timed capture: it renders a ``TestPattern``
/// frame for each request, in real time, on its own serial queue, and delivers it as a
/// ``CameraFrame`` through ``completions``, like a libcamera sensor does.
///
/// The "sensor timestamp" is the clock pair read when rendering starts (monotonic, and realtime as
/// the frame's wall clock), which is when a real sensor would start reading out; exposure is
/// unknown. When more than `maximumPending` frames wait to be rendered (the consumer cannot keep
/// up), a new request fails at once instead of queuing without bound.
public final class SyntheticCamera: CaptureSource {
    public let name: String
    public let width: Int
    public let height: Int
    public let layout: PixelLayout
    public let completions: AsyncStream<CameraCompletion>
    private let continuation: AsyncStream<CameraCompletion>.Continuation
    private let clock: any ClockPair
    private let maximumPending: Int
    private let handOff: BoundedHandOff
    /// Whether the camera stopped. Requests are handed to the renderer under this lock, so none
    /// can slip in after ``stop()`` drained the renderer and finished the stream.
    private let stopped = Mutex(false)

    /// A camera rendering `width`×`height` frames in `layout`.
    public init(
        name: String, width: Int, height: Int, layout: PixelLayout = .yuv420p, clock: any ClockPair, maximumPending: Int = 4
    ) throws(MediaError) {
        try layout.validate(width: width, height: height)
        self.name = name
        self.width = width
        self.height = height
        self.layout = layout
        self.clock = clock
        self.maximumPending = maximumPending
        handOff = BoundedHandOff(label: "genlock.synthetic.\(name)", maximumPending: maximumPending)
        (completions, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    /// Nothing to set up: frames are rendered on request, so there is no frame length to hold and
    /// no exposure to fix (a node need not start it).
    public func start(_ settings: ExposureSettings) {}

    /// Renders frame `request.index` (the frame duration, a streaming sensor's control, does not
    /// apply). Throws once the camera stopped.
    public func queue(_ request: CaptureRequest, frameDuration: TimeSpan?) throws {
        try stopped.withLock { (stopped) throws(SyntheticCameraStopped) in
            guard !stopped else { throw SyntheticCameraStopped(camera: name, index: request.index) }
            handOff.submit(
                { [self] in
                    let sensor = clock.sample()
                    let image = TestPattern.render(
                        index: request.index, scheduledNs: request.scheduled.nanosecondsSinceEpoch, width: width, height: height,
                        layout: layout)
                    continuation.yield(.frame(.rendered(
                        image, index: request.index, sequence: request.index, sensorTimestamp: sensor.monotonic, wallClock: sensor.realtime)))
                },
                afterRefusal: { [continuation, maximumPending] in
                    continuation.yield(.failed(index: request.index, reason: "\(maximumPending) frames already wait to be rendered"))
                })
        }
    }

    /// Stops: the frames already requested are rendered and delivered, then ``completions`` finishes.
    public func stop() {
        let first = stopped.withLock { stopped in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        handOff.drain()
        continuation.finish()
    }
}

/// A request to a stopped synthetic camera.
public struct SyntheticCameraStopped: Error, CustomStringConvertible {
    public var camera: String
    public var index: Int64
    public var description: String { "camera \(camera) is stopped: frame \(index) not queued" }
}
