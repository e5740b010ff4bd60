import CLibcameraShim
import GenlockCore
import GenlockHAL

/// Owns one acquired camera in the shim: its configuration, buffers and mappings.
///
/// Frames keep it alive, so buffers stay mapped while any frame can still be read; the camera is
/// released when the last owner lets go. `@unchecked Sendable`: the pointer is only used through
/// shim calls, which lock what they share, and ``LibcameraCamera`` serializes start, queue and stop.
final class ShimCamera: @unchecked Sendable {
    let pointer: OpaquePointer
    // The camera must be released before libcamera's manager stops.
    private let manager: ManagerHandle

    init(pointer: OpaquePointer, manager: ManagerHandle) {
        self.pointer = pointer
        self.manager = manager
    }

    deinit { glc_camera_close(pointer) }
}

/// Turns the shim's completions into ``CameraCompletion``s on an unbounded stream.
///
/// Separate from ``ShimCamera`` so that frames buffered in the stream (which own the camera
/// through `releaseBuffer`) never form a cycle with the stream's own continuation.
final class CompletionSink: Sendable {
    let completions: AsyncStream<CameraCompletion>
    private let continuation: AsyncStream<CameraCompletion>.Continuation
    private let releaseBuffer: @Sendable (UInt32) -> Void

    /// A sink whose frames give buffer `i` back with `releaseBuffer(i)`.
    init(releaseBuffer: @escaping @Sendable (UInt32) -> Void) {
        self.releaseBuffer = releaseBuffer
        // Unbounded: libcamera's thread must never wait for the node; the buffer count bounds how
        // many frames can be outstanding anyway.
        (completions, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    /// The context pointer handed to the shim. Valid while the sink lives, which
    /// ``LibcameraCamera`` guarantees by stopping the camera before letting the sink go.
    var context: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    /// Runs on libcamera's thread: wrap and hand over, nothing else.
    func deliver(_ completion: glc_completion) {
        switch completion.kind {
        case GLC_COMPLETION_FRAME:
            let buffer = completion.buffer
            let releaseBuffer = self.releaseBuffer
            let frame = CameraFrame(
                index: completion.frame_index,
                sequence: Int64(completion.sequence),
                sensorTimestamp: completion.sensor_timestamp_ns < 0
                    ? nil : MonotonicInstant(nanoseconds: completion.sensor_timestamp_ns),
                wallClock: completion.wall_clock_ns < 0 ? nil : RealtimeInstant(nanosecondsSinceEpoch: completion.wall_clock_ns),
                planes: Self.planes(of: completion),
                release: { releaseBuffer(buffer) })
            continuation.yield(.frame(frame))
        case GLC_COMPLETION_CANCELLED:
            continuation.yield(.cancelled(index: completion.frame_index))
        default:
            continuation.yield(
                .failed(index: completion.frame_index, reason: "libcamera reported a frame error (sequence \(completion.sequence))"))
        }
    }

    /// No more completions will come (the camera stopped).
    func finish() { continuation.finish() }

    private static func planes(of completion: glc_completion) -> [FramePlane] {
        withUnsafeBytes(of: completion.planes) { raw in
            raw.bindMemory(to: glc_plane.self).prefix(Int(completion.plane_count)).compactMap { plane in
                plane.data.map {
                    FramePlane(base: UnsafeRawPointer($0), strideBytes: Int(plane.stride), lengthBytes: Int(plane.length))
                }
            }
        }
    }
}

/// The shim's completion callback: a C function pointer, so it finds its sink through `context`.
let deliverCompletion: glc_completion_fn = { context, completion in
    guard let context, let completion else { return }
    Unmanaged<CompletionSink>.fromOpaque(context).takeUnretainedValue().deliver(completion.pointee)
}

/// Owns libcamera's camera manager; stops it when the manager object and every camera opened
/// from it are gone. `@unchecked Sendable`: the pointer never changes, and the shim's manager
/// calls used after start only read.
final class ManagerHandle: @unchecked Sendable {
    let pointer: OpaquePointer

    init(pointer: OpaquePointer) { self.pointer = pointer }

    deinit { glc_manager_stop(pointer) }
}

/// A `glc_error`'s message as a String.
func message(of error: glc_error) -> String {
    withUnsafeBytes(of: error.message) { raw in
        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
    }
}
