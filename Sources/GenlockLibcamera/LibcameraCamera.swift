import CLibcameraShim
import GenlockCore
import GenlockHAL
import Synchronization

/// A camera driven through libcamera: fixed exposure, frame duration limits, one 4:2:0 stream
/// (YUV420 or NV12), frames handed over as mapped buffers (no copy).
///
/// Lifecycle: ``LibcameraManager/open(_:configuration:)`` → ``start(_:)`` → ``queue(_:frameDuration:)``
/// per frame → ``stop()``. A camera streams once; open it again to stream again. The camera is
/// released when this object and every frame it delivered are gone.
public final class LibcameraCamera: CaptureSource {
    private enum State { case configured, streaming, stopped }

    /// Where the frame buffers came from.
    public enum BufferSource: String, Sendable {
        /// libcamera's FrameBufferAllocator: the pipeline's own buffers (a Pi).
        case allocator
        /// memfd planes the shim made because the allocator could not allocate (no dma-heap: a
        /// machine without a camera, running libcamera's virtual pipeline).
        case memfd
    }

    /// How many buffers are free, queued to the camera, and held by frames not yet released.
    public struct BufferCounts: Hashable, Sendable, CustomStringConvertible {
        public var free: Int
        public var queued: Int
        public var held: Int
        public var total: Int { free + queued + held }
        public init(free: Int, queued: Int, held: Int) {
            self.free = free
            self.queued = queued
            self.held = held
        }
        public var description: String { "\(free) of \(total) buffers free, \(queued) queued, \(held) held" }
    }

    /// The camera's id.
    public var name: String { identity.id }
    /// Which camera this is.
    public let identity: CameraIdentity
    /// The stream as configured: the size asked, in the 4:2:0 format and with the buffer count
    /// libcamera settled on (see ``LibcameraManager/open(_:configuration:)``).
    public let configuration: StreamConfiguration
    /// Where the frame buffers came from.
    public let bufferSource: BufferSource
    /// Completions, handed over from libcamera's thread without blocking it.
    /// One consumer: the node's capture loop.
    public var completions: AsyncStream<CameraCompletion> { sink.completions }

    private let camera: ShimCamera
    private let sink: CompletionSink
    // Serializes start, queue and stop; never taken on libcamera's thread.
    private let state = Mutex(State.configured)

    init(camera: ShimCamera, identity: CameraIdentity, configuration: StreamConfiguration, bufferSource: BufferSource) {
        self.camera = camera
        self.sink = CompletionSink { buffer in glc_camera_release_buffer(camera.pointer, buffer) }
        self.identity = identity
        self.configuration = configuration
        self.bufferSource = bufferSource
    }

    /// The buffers' states now. After ``stop()``, with every delivered frame released, all are
    /// free: anything queued or held then is a leak.
    public var bufferCounts: BufferCounts {
        let counts = glc_camera_buffer_counts(camera.pointer)
        return BufferCounts(free: Int(counts.free), queued: Int(counts.queued), held: Int(counts.held))
    }

    /// Starts streaming with auto-exposure off, `settings.exposure` fixed, and the frame duration
    /// held within `settings.frameDurationLimits` (libcamera rounds both to microseconds).
    public func start(_ settings: ExposureSettings) throws(LibcameraError) {
        try state.withLock { (state) throws(LibcameraError) in
            guard state == .configured else {
                throw .wrongState(detail: "camera '\(name)' was already started; a camera streams once")
            }
            var controls = glc_start_controls()
            controls.exposure_time_us = Int32(settings.exposure.microsecondsRounded)
            controls.frame_duration_min_us = settings.frameDurationLimits.lowerBound.microsecondsRounded
            controls.frame_duration_max_us = settings.frameDurationLimits.upperBound.microsecondsRounded
            var error = glc_error()
            guard glc_camera_start(camera.pointer, &controls, deliverCompletion, sink.context, &error) == GLC_OK else {
                throw .failed(detail: message(of: error))
            }
            state = .streaming
        }
    }

    /// Queues frame `request.index`; a `frameDuration` pins this request's frame duration
    /// (the phase lock's per-frame correction), `nil` keeps the limits set at start.
    public func queue(_ request: CaptureRequest, frameDuration: TimeSpan?) throws(LibcameraError) {
        let durationMicroseconds = frameDuration?.microsecondsRounded ?? 0
        if let frameDuration, durationMicroseconds <= 0 {
            throw .invalidConfiguration(detail: "frame duration \(frameDuration) for frame \(request.index) is shorter than 1 µs")
        }
        try state.withLock { (state) throws(LibcameraError) in
            guard state == .streaming else {
                throw .wrongState(detail: "camera '\(name)' is not streaming; frame \(request.index) not queued")
            }
            var error = glc_error()
            switch glc_camera_queue(camera.pointer, request.index, durationMicroseconds, &error) {
            case GLC_OK: return
            case GLC_NO_FREE_BUFFER: throw .noFreeBuffer(detail: "camera '\(name)': \(message(of: error))")
            default: throw .failed(detail: "camera '\(name)': \(message(of: error))")
            }
        }
    }

    /// Stops streaming: pending requests complete as ``CameraCompletion/cancelled(index:)``, then
    /// ``completions`` finishes. Frames already delivered stay readable until released.
    public func stop() {
        state.withLock { state in
            guard state != .stopped else { return }
            glc_camera_stop(camera.pointer)
            state = .stopped
        }
        sink.finish()
    }

    // The shim calls back into `sink` while streaming, so streaming ends before the sink can go.
    deinit { stop() }
}
