import GenlockCore
import Synchronization

/// One plane of a captured image, in memory the camera owns (mapped, not copied).
///
/// `@unchecked Sendable`: the bytes are read-only and stay valid until the owning
/// ``CameraFrame`` is released, whichever thread reads them.
public struct FramePlane: @unchecked Sendable {
    /// The first byte of the plane.
    public let base: UnsafeRawPointer
    /// Bytes from one row to the next.
    public let strideBytes: Int
    /// Bytes in the plane.
    public let lengthBytes: Int

    public init(base: UnsafeRawPointer, strideBytes: Int, lengthBytes: Int) {
        self.base = base
        self.strideBytes = strideBytes
        self.lengthBytes = lengthBytes
    }

    /// The plane's bytes, without copying; valid until the frame is released.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: lengthBytes) }
}

/// A completed capture: the image planes and the sensor's timestamp.
///
/// The planes live in the camera's buffer, which the camera cannot reuse until ``release()``.
/// Release as soon as the image is consumed (encoded or copied); dropping the last reference
/// releases too, so a forgotten frame never starves the camera for good.
public final class CameraFrame: Sendable {
    /// The frame index `n` of the request this frame completed.
    public let index: Int64
    /// The camera's own frame counter (gaps mean the sensor produced frames nobody requested).
    public let sequence: Int64
    /// The sensor's timestamp on CLOCK_MONOTONIC. On the Pi 5 this is the frame-start interrupt:
    /// the start of readout of the first line, about one exposure time after it began exposing.
    /// `nil` when the pipeline reported none.
    public let sensorTimestamp: MonotonicInstant?
    /// The same instant on CLOCK_REALTIME as the camera's pipeline mapped it (libcamera 0.5+'s
    /// `FrameWallClock`, which the Pi pipelines report), nil when it reports none. The pipeline's
    /// mapping is a regression smoothed over many frames, so it lags a realtime step by frames:
    /// the phase lock maps ``sensorTimestamp`` through a fresh clock pair instead (DESIGN.md's
    /// rule), and recordings list this as the frame's realtime instant when it is there.
    public let wallClock: RealtimeInstant?
    /// The image planes (Y, U, V for YUV420; Y, UV for NV12).
    public let planes: [FramePlane]
    private let releaseBuffer: Mutex<ReleaseHook>

    /// The camera's release hook, in a struct so that the mutex holds the closure as it is: a bare
    /// closure as the mutex's generic value is held behind a reabstraction thunk, an allocation for
    /// every frame.
    private struct ReleaseHook: Sendable {
        var run: (@Sendable () -> Void)?
    }

    public init(
        index: Int64, sequence: Int64, sensorTimestamp: MonotonicInstant?, wallClock: RealtimeInstant? = nil,
        planes: [FramePlane], release: @escaping @Sendable () -> Void
    ) {
        self.index = index
        self.sequence = sequence
        self.sensorTimestamp = sensorTimestamp
        self.wallClock = wallClock
        self.planes = planes
        self.releaseBuffer = Mutex(ReleaseHook(run: release))
    }

    /// Gives the buffer back to the camera. The planes must not be read afterwards. Idempotent.
    public func release() {
        let hook = releaseBuffer.withLock { hook in
            defer { hook.run = nil }
            return hook
        }
        hook.run?()
    }

    deinit { release() }
}

/// What became of one queued capture.
public enum CameraCompletion: Sendable {
    /// The frame was captured.
    case frame(CameraFrame)
    /// The request was cancelled by ``CaptureSource/stop()`` before it was filled.
    case cancelled(index: Int64)
    /// The camera reported a bad frame for the request (`reason` says what it said).
    case failed(index: Int64, reason: String)
}
