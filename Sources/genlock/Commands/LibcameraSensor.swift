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

    /// The frames' size, the sensor mode's.
    var size: FrameSize { FrameSize(width: mode.width, height: mode.height) }

    /// How the frames' planes are laid out (libcamera's YUV420 or NV12).
    var layout: PixelLayout { camera.configuration.pixelFormat == LibcameraPixelFormat.nv12.name ? .nv12 : .yuv420p }

    /// Request-timed capture at `rate` on this sensor, recording into `recorder` (nil: frames are
    /// released unrecorded): the sensor free-runs at ``SensorTiming/freeRunningSettings(for:exposure:)``.
    func requestTimed(rate: FrameRate, recorder: CameraFrameRecorder?, log: Logger) throws -> RequestedCaptures<LibcameraCamera> {
        let settings = try mode.timing.freeRunningSettings(for: rate.nominalPeriod, exposure: exposure)
        let captures = try RequestedCaptures(
            source: camera, settings: settings, recorder: recorder, session: nil, writesSessionExports: false, log: log,
            afterStop: { logBuffers(log) })
        let multiple = mode.timing.requestTimedMultiple(for: rate.nominalPeriod)
        log.info("streaming \(mode) free-running at \(multiple)× the rate (frames of \(settings.frameDurationLimits.lowerBound)), exposure \(exposure); one request per Tn")
        return captures
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
