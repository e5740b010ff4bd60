import GenlockCore
import GenlockHAL
import Synchronization

extension CameraFrame {
    /// A rendered image as a camera frame, the one frame shape every capture source delivers: the
    /// planes are copied into buffers the frame owns (so they stay put however the frame travels)
    /// and freed, once, when the frame is released.
    static func rendered(
        _ image: VideoFrame, index: Int64, sequence: Int64, sensorTimestamp: MonotonicInstant, wallClock: RealtimeInstant?
    ) -> CameraFrame {
        let buffers = image.planes.map { plane -> UnsafeMutableRawBufferPointer in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: plane.bytes.count, alignment: 64)
            buffer.copyBytes(from: plane.bytes)
            return buffer
        }
        let planes = zip(buffers, image.planes).map { buffer, plane in
            FramePlane(base: UnsafeRawPointer(buffer.baseAddress!), strideBytes: plane.stride, lengthBytes: buffer.count)
        }
        let owned = OwnedBuffers(buffers)
        return CameraFrame(
            index: index, sequence: sequence, sensorTimestamp: sensorTimestamp, wallClock: wallClock, planes: planes,
            release: { owned.free() })
    }
}

/// A rendered frame's pixels, freed once when the frame is released. `@unchecked Sendable`: the
/// buffers are only touched under the lock, and freed once.
private final class OwnedBuffers: @unchecked Sendable {
    private var buffers: [UnsafeMutableRawBufferPointer]?
    private let lock = Mutex(())

    init(_ buffers: [UnsafeMutableRawBufferPointer]) { self.buffers = buffers }

    func free() {
        lock.withLock { _ in
            buffers?.forEach { $0.deallocate() }
            buffers = nil
        }
    }
}
