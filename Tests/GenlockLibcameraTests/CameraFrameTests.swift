import GenlockCore
import GenlockHAL
import Synchronization
import Testing

@Suite("camera frames")
struct CameraFrameTests {
    final class Counter: Sendable {
        let count = Atomic(0)
        var value: Int { count.load(ordering: .relaxed) }
    }

    static func frame(_ releases: Counter, bytes: UnsafeRawPointer) -> CameraFrame {
        CameraFrame(
            index: 7, sequence: 42, sensorTimestamp: MonotonicInstant(nanoseconds: 1_000),
            planes: [FramePlane(base: bytes, strideBytes: 4, lengthBytes: 8)],
            release: { releases.count.add(1, ordering: .relaxed) })
    }

    @Test func planesReadTheCamerasMemoryAndReleaseHappensExactlyOnce() {
        let releases = Counter()
        let storage: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        storage.withUnsafeBytes { raw in
            let frame = Self.frame(releases, bytes: raw.baseAddress!)
            #expect(Array(frame.planes[0].bytes) == storage)
            #expect(frame.planes[0].bytes.baseAddress == raw.baseAddress)
            frame.release()
            frame.release()
            #expect(releases.value == 1)
        }
        #expect(releases.value == 1)
    }

    @Test func droppingAnUnreleasedFrameReleasesIt() {
        let releases = Counter()
        let storage: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0]
        storage.withUnsafeBytes { raw in
            _ = Self.frame(releases, bytes: raw.baseAddress!)
        }
        #expect(releases.value == 1)
    }
}
