import Dispatch
import Glibc
import GenlockCore
import GenlockLibcamera
import GenlockMedia
import GenlockPOSIX
import Logging

/// A libcamera camera opened at launch in its sensor's known mode, for either capture mode: a
/// missing camera, an unknown sensor or a configuration libcamera cannot deliver fails before the
/// node connects or arms anything.
struct LibcameraSensor: Sendable {
    let camera: LibcameraCamera
    let mode: SensorMode
    /// The fixed exposure the camera streams with.
    let exposure: TimeSpan

    /// Opens the camera `selector` names (nil: the only one) at the mode of its sensor model, or of
    /// `sensor` when given, with `buffers(mode)` frame buffers (libcamera may settle on another
    /// count, which is logged).
    static func open(
        selector: String?, sensor: String?, exposure: TimeSpan, log: Logger, buffers: (SensorMode) -> Int
    ) throws -> LibcameraSensor {
        let manager = try LibcameraManager()
        let identity: CameraIdentity
        do {
            identity = try CameraSelector.choose(selector, from: manager.cameras)
        } catch {
            throw CommandFailure("\(LibcameraError.noCamera(error, libcamera: LibcameraManager.libraryVersion))")
        }
        let model = sensor ?? identity.model
        guard let mode = SensorMode.known(model: model) else {
            let known = SensorMode.known.map(\.model).joined(separator: ", ")
            throw CommandFailure("no sensor timing for '\(model)' (camera \(identity.id)); known sensors: \(known) (--sensor)")
        }
        let asked = StreamConfiguration(width: mode.width, height: mode.height, pixelFormat: "YUV420", bufferCount: buffers(mode))
        let camera = try manager.open(identity.id, configuration: asked)
        log.info("camera \(identity.id) (\(identity.model)): \(camera.configuration), buffers from \(camera.bufferSource.rawValue), libcamera \(LibcameraManager.libraryVersion)")
        if camera.configuration.bufferCount != asked.bufferCount {
            log.warning("libcamera settled on \(camera.configuration.bufferCount) buffers (asked \(asked.bufferCount))")
        }
        return LibcameraSensor(camera: camera, mode: mode, exposure: exposure)
    }

    /// Frames the recorder may hold, in the phase-locked buffer count, before it drops new ones
    /// (each holds a camera buffer).
    static let framesWaitingToEncode = 2

    /// Frames the recorder may hold with the buffers libcamera settled on (at least one): the
    /// buffers left when the requests in flight and the frame being handled have theirs.
    var framesTheRecorderMayHold: Int {
        max(1, camera.configuration.bufferCount - mode.timing.controlDelayFrames - 1)
    }

    /// Starts the sensor streaming at `rate` for phase-locked capture: auto-exposure off, the fixed
    /// exposure, the frame duration pinned to the free-running length (which the lock then steers
    /// request by request).
    func startPhaseLocked(rate: FrameRate, log: Logger) throws {
        let frame = mode.timing.frameDuration(lines: mode.timing.nominalLines(for: rate.nominalPeriod))
        try camera.start(ExposureSettings(exposure: exposure, frameDurationLimits: frame...frame))
        log.info("streaming \(mode), exposure \(exposure), sensor timestamps read as \(SensorTimestampMeaning.startOfReadout.rawValue)")
    }

    /// The frames' size, the sensor mode's.
    var size: FrameSize { FrameSize(width: mode.width, height: mode.height) }

    /// How the frames' planes are laid out (libcamera's YUV420 or NV12).
    var layout: PixelLayout { camera.configuration.pixelFormat == LibcameraPixelFormat.nv12.name ? .nv12 : .yuv420p }

    /// Starts the sensor free-running for request-timed capture at `rate`: frames of `P / k`
    /// (``SensorTiming/requestTimedMultiple(for:preferring:)``), so each request queued at `Tn`
    /// is filled by the next sensor frame, at most `P / k` later.
    func startFreeRunning(rate: FrameRate, log: Logger) throws {
        let period = rate.nominalPeriod
        let multiple = mode.timing.requestTimedMultiple(for: period)
        let lines = mode.timing.nominalLines(for: TimeSpan(nanoseconds: period.nanoseconds / Int64(multiple)))
        let frame = mode.timing.frameDuration(lines: lines)
        try camera.start(ExposureSettings(exposure: exposure, frameDurationLimits: frame...frame))
        log.info("streaming \(mode) free-running at \(multiple)× the rate (frames of \(frame)), exposure \(exposure); one request per Tn")
    }

    /// Says whether every buffer came back: after the camera stopped and every frame was released,
    /// a buffer still queued or held is a leak.
    func logBuffers(_ log: Logger) {
        let counts = camera.bufferCounts
        if counts.free == counts.total {
            log.info("camera buffers: \(counts)")
        } else {
            log.error("camera buffers leaked: \(counts)")
        }
    }
}

/// Request-timed capture on a libcamera sensor: the ``RequestedFramePipeline`` and the task that
/// pumps the camera's completions into it.
final class LibcameraRequestCapture: Sendable {
    let sensor: LibcameraSensor
    let pipeline: RequestedFramePipeline<LibcameraCamera>
    let log: Logger
    private let pumped = DispatchSemaphore(value: 0)

    /// Starts the sensor free-running at `rate` and pumps its completions into `recorder` (nil:
    /// frames are released unrecorded).
    init(sensor: LibcameraSensor, rate: FrameRate, recorder: CameraFrameRecorder?, log: Logger) throws {
        try sensor.startFreeRunning(rate: rate, log: log)
        self.sensor = sensor
        self.log = log
        pipeline = RequestedFramePipeline(camera: sensor.camera, recorder: recorder) { problem in log.warning("\(problem)") }
        Task { [pipeline, pumped] in
            await pipeline.run()
            pumped.signal()
        }
    }

    /// Stops the camera, waits for its last completion, closes the recording (nil without one),
    /// and logs whether every buffer came back. Call from a thread that may block (not a task).
    func finish(stopIndex: Int64?, log: Logger) throws(MediaError) -> CameraSummary? {
        // The last request was queued at the last Tn; let the sensor fill it (a frame or two of the
        // free-running sensor) instead of cancelling it, but never wait for a wedged camera.
        let clock = PosixClockPair()
        let giveUp = clock.monotonicNow() + .seconds(1)
        while pipeline.requestsInFlight > 0, clock.monotonicNow() < giveUp { usleep(1_000) }
        sensor.camera.stop()
        pumped.wait()
        defer { sensor.logBuffers(log) }
        let counts = pipeline.progress
        log.info("camera frames delivered \(counts.frames), requests dropped \(counts.dropped)")
        return try pipeline.finish(stopIndex: stopIndex)
    }
}
