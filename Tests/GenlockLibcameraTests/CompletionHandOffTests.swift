import CLibcameraShim
import GenlockCore
import GenlockHAL
import Synchronization
import Testing

@testable import GenlockLibcamera

/// The hand-off from libcamera's thread: the shim's C callback (`deliverCompletion`) fed with
/// completions as the shim produces them, read back from the stream the node consumes.
@Suite("libcamera completion hand-off")
struct CompletionHandOffTests {
    /// The buffers a sink handed back, in order.
    final class Releases: Sendable {
        let buffers = Mutex<[UInt32]>([])
        var value: [UInt32] { buffers.withLock { $0 } }
    }

    let releases = Releases()
    let sink: CompletionSink

    init() {
        let releases = self.releases
        sink = CompletionSink { buffer in releases.buffers.withLock { $0.append(buffer) } }
    }

    static func completion(_ kind: glc_completion_kind, index: Int64, buffer: UInt32 = 0) -> glc_completion {
        var completion = glc_completion()
        completion.kind = kind
        completion.frame_index = index
        completion.sequence = UInt32(index + 1000)
        completion.sensor_timestamp_ns = -1
        completion.buffer = buffer
        return completion
    }

    func send(_ completion: glc_completion) {
        var completion = completion
        deliverCompletion(sink.context, &completion)
    }

    func drain() async -> [CameraCompletion] {
        sink.finish()
        var all: [CameraCompletion] = []
        for await completion in sink.completions { all.append(completion) }
        return all
    }

    @Test func aFrameCarriesIndexSequenceTimestampAndTheMappedPlanesUncopied() async throws {
        let image = UnsafeMutableRawPointer.allocate(byteCount: 24, alignment: 16)
        defer { image.deallocate() }
        let base = UnsafePointer(image.assumingMemoryBound(to: UInt8.self))
        var completion = Self.completion(GLC_COMPLETION_FRAME, index: 12, buffer: 2)
        completion.sensor_timestamp_ns = 5_000_000
        completion.plane_count = 3
        completion.planes = (
            glc_plane(data: base, stride: 4, length: 16), glc_plane(data: base + 16, stride: 2, length: 4),
            glc_plane(data: base + 20, stride: 2, length: 4))
        send(completion)
        let received = await drain()
        try #require(received.count == 1)
        guard case .frame(let frame) = received[0] else {
            Issue.record("expected a frame, got \(received[0])")
            return
        }
        #expect(frame.index == 12)
        #expect(frame.sequence == 1012)
        #expect(frame.sensorTimestamp == MonotonicInstant(nanoseconds: 5_000_000))
        #expect(frame.planes.map(\.base) == [UnsafeRawPointer(base), UnsafeRawPointer(base + 16), UnsafeRawPointer(base + 20)])
        #expect(frame.planes.map(\.strideBytes) == [4, 2, 2])
        #expect(frame.planes.map(\.lengthBytes) == [16, 4, 4])
        #expect(releases.value.isEmpty)
        frame.release()
        frame.release()
        #expect(releases.value == [2])
    }

    @Test func aFrameWithoutSensorTimestampSaysSo() async throws {
        send(Self.completion(GLC_COMPLETION_FRAME, index: 3, buffer: 1))
        let received = await drain()
        try #require(received.count == 1)
        guard case .frame(let frame) = received[0] else {
            Issue.record("expected a frame, got \(received[0])")
            return
        }
        #expect(frame.sensorTimestamp == nil)
        #expect(frame.planes.isEmpty)
    }

    @Test func cancelledAndFailedRequestsNameTheirFrameAndHoldNoBuffer() async {
        send(Self.completion(GLC_COMPLETION_CANCELLED, index: 40, buffer: 3))
        send(Self.completion(GLC_COMPLETION_FAILED, index: 41, buffer: 0))
        let received = await drain()
        #expect(received.count == 2)
        if case .cancelled(let index) = received.first { #expect(index == 40) } else { Issue.record("\(received)") }
        if case .failed(let index, let reason) = received.last {
            #expect(index == 41)
            #expect(reason.contains("sequence 1041"))
        } else {
            Issue.record("\(received)")
        }
        #expect(releases.value.isEmpty)
    }

    /// libcamera's thread must never wait for the node: many completions delivered before anyone
    /// reads are all kept, in order (a bounded buffer would drop some here).
    @Test func deliveringNeverWaitsForTheReaderAndKeepsEveryCompletionInOrder() async {
        for index in 0..<1_000 {
            send(Self.completion(GLC_COMPLETION_CANCELLED, index: Int64(index)))
        }
        let indices = await drain().compactMap { completion -> Int64? in
            if case .cancelled(let index) = completion { return index }
            return nil
        }
        #expect(indices.count == 1_000)
        #expect(indices.elementsEqual(0..<1_000))
    }
}
