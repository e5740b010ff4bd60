import Dispatch
import GenlockCore
import GenlockHAL
@testable import GenlockMedia
import Synchronization
import Testing

/// Camera frames built in memory, as a libcamera buffer would look: planes with padded strides,
/// and a release hook that counts (and frees the bytes, so reading after release cannot pass).
final class MappedFrames: Sendable {
    let releases = Mutex<[Int64: Int]>([:])
    static let width = 160, height = 120, padding = 32
    let schedule: FrameSchedule

    init() throws { schedule = FrameSchedule(start: Support.epoch, rate: try FrameRate(numerator: 30)) }

    /// Frame `index` carrying its test pattern; `shortY` cuts the Y plane short (an invalid frame);
    /// `onRelease` runs inside the release hook.
    func frame(_ index: Int64, shortY: Bool = false, onRelease: @escaping @Sendable () -> Void = {}) throws -> PhaseLockedFrame {
        let scheduled = try schedule.deadline(of: index)
        let pattern = TestPattern.render(index: index, scheduledNs: scheduled.nanosecondsSinceEpoch,
                                         width: Self.width, height: Self.height, layout: .yuv420p)
        var planes: [FramePlane] = []
        var buffers: [UnsafeMutableRawBufferPointer] = []
        for (p, plane) in pattern.planes.enumerated() {
            let size = PixelLayout.yuv420p.planeSize(p, width: Self.width, height: Self.height)
            let stride = size.rowBytes + Self.padding
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: stride * size.rows, alignment: 64)
            buffer.initializeMemory(as: UInt8.self, repeating: 0xEE)
            for row in 0..<size.rows {
                let source = plane.bytes[(row * plane.stride)..<(row * plane.stride + size.rowBytes)]
                UnsafeMutableRawBufferPointer(rebasing: buffer[(row * stride)...]).copyBytes(from: source)
            }
            buffers.append(buffer)
            planes.append(FramePlane(base: UnsafeRawPointer(buffer.baseAddress!), strideBytes: stride,
                                     lengthBytes: p == 0 && shortY ? stride * 2 : buffer.count))
        }
        let owned = buffers.map { UnsafeMutableRawPointer($0.baseAddress!) }
        let sendable = SendablePointers(owned)
        let camera = CameraFrame(index: index, sequence: index, sensorTimestamp: sensor(index), planes: planes) { [self] in
            sendable.pointers.forEach { $0.deallocate() }
            releases.withLock { $0[index, default: 0] += 1 }
            onRelease()
        }
        return PhaseLockedFrame(
            PhaseLockScheduler.NumberedFrame(
                index: index, scheduled: scheduled, sensorTimestamp: sensor(index),
                sensorRealtime: scheduled + .microseconds(2_100), exposureStart: scheduled + .microseconds(100),
                phaseError: .microseconds(100), state: .locked),
            frame: camera)
    }

    func sensor(_ index: Int64) -> MonotonicInstant { MonotonicInstant(nanoseconds: 5_000_000_000 + index * 1_000) }

    func recorder(_ root: String) throws -> CameraRecorder {
        try SessionRecorder(outputRoot: root, session: "s").camera("cam1", configuration: RecordingConfiguration(
            codec: .ffv1, width: Self.width, height: Self.height, layout: .yuv420p, frameRate: schedule.rate, epoch: Support.epoch))
    }
}

struct SendablePointers: @unchecked Sendable {
    let pointers: [UnsafeMutableRawPointer]
    init(_ pointers: [UnsafeMutableRawPointer]) { self.pointers = pointers }
}

@Suite struct CameraFrameRecorderTests {
    @Test func numberedFramesAreRecordedAtTnWithSkipRowsAndEachFrameIsReleasedOnce() throws {
        let root = Support.scratch("camframes")
        defer { Support.remove(root) }
        let frames = try MappedFrames()
        let recorder = try frames.recorder(root)
        let errors = Mutex(0)
        // Room for every frame: none is dropped however slowly the encoder starts.
        let sink = CameraFrameRecorder(recorder: recorder, schedule: frames.schedule, exposure: .milliseconds(2), maximumPending: 8) { _ in
            errors.withLock { $0 += 1 }
        }
        sink.record(try frames.frame(3))
        sink.record(try frames.frame(4))
        sink.skipped(5..<7)
        sink.record(try frames.frame(7))
        sink.record(try frames.frame(8))
        let summary = try sink.finish(stopIndex: 9)

        #expect(errors.withLock { $0 } == 0)
        #expect(frames.releases.withLock { $0 } == [3: 1, 4: 1, 7: 1, 8: 1])
        #expect(summary.recorded == 4 && summary.skipped == 2 && summary.dropped == 0)
        let video = recorder.files.video(segment: nil)
        let clock = PresentationClock(epoch: Support.epoch)
        let expected = try [3, 4, 7, 8].map { try clock.pts(of: frames.schedule.deadline(of: Int64($0))) }
        #expect(try Support.probeFrameCount(video) == 4)
        #expect(try Support.probePTS(video) == expected)

        let reader = try RecordingReader(path: video, sidecar: recorder.files.sidecar)
        #expect(reader.records.map(\.index) == [3, 4, 5, 6, 7, 8])
        #expect(reader.records.map(\.flags) == [[], [], .skipped, .skipped, [], []])
        let decoded = try reader.readAll()
        #expect(decoded.map(\.pts) == expected)
        for frame in decoded {
            // The pixels carry their own index: strides were honoured and the copy preceded the release.
            #expect(TestPattern.decode(frame.frame)?.index == frame.index)
            let record = try #require(frame.record)
            let scheduled = try frames.schedule.deadline(of: record.index)
            #expect(record.sensorMonotonic == frames.sensor(record.index))
            #expect(record.sensorRealtime == scheduled + .microseconds(2_100))
            #expect(record.exposure == .milliseconds(2))
            #expect(record.wakeError == nil)
        }
    }

    @Test func framesArrivingWhileTheEncoderIsBehindAreReleasedAtOnceAndRowedAsDropped() throws {
        let root = Support.scratch("camdrops")
        defer { Support.remove(root) }
        let frames = try MappedFrames()
        let recorder = try frames.recorder(root)
        let sink = CameraFrameRecorder(recorder: recorder, schedule: frames.schedule, exposure: nil, maximumPending: 1) { _ in }
        // Frame 0 holds the queue (inside its release, after its copy) until frames 1-3 were handed over.
        let held = DispatchSemaphore(value: 0), gate = DispatchSemaphore(value: 0)
        // Bounded waits: a recorder that released on the caller's thread would otherwise hang here.
        sink.record(try frames.frame(0) { held.signal(); _ = gate.wait(timeout: .now() + .seconds(30)) })
        #expect(held.wait(timeout: .now() + .seconds(30)) == .success)
        for index in Int64(1)...3 { sink.record(try frames.frame(index)) }
        // Released before the encoder got to them.
        #expect(frames.releases.withLock { $0 } == [0: 1, 1: 1, 2: 1, 3: 1])
        gate.signal()
        let summary = try sink.finish(stopIndex: nil)

        #expect(frames.releases.withLock { $0 } == [0: 1, 1: 1, 2: 1, 3: 1])
        #expect(summary.recorded == 1 && summary.dropped == 3)
        let reader = try RecordingReader(path: recorder.files.video(segment: nil), sidecar: recorder.files.sidecar)
        #expect(reader.records.map(\.index) == [0, 1, 2, 3])
        #expect(reader.records.map(\.flags) == [[], .dropped, .dropped, .dropped])
        #expect(try reader.readAll().map(\.index) == [0])
    }

    @Test func aRecorderErrorStopsRecordingButEveryFrameIsStillReleasedOnce() throws {
        let root = Support.scratch("camerror")
        defer { Support.remove(root) }
        let frames = try MappedFrames()
        let recorder = try frames.recorder(root)
        let errors = Mutex<[MediaError]>([])
        let sink = CameraFrameRecorder(recorder: recorder, schedule: frames.schedule, exposure: nil) { e in errors.withLock { $0.append(e) } }
        sink.record(try frames.frame(0))
        sink.record(try frames.frame(1, shortY: true))
        sink.record(try frames.frame(2))
        sink.record(try frames.frame(3))
        let summary = try sink.finish(stopIndex: nil)

        #expect(frames.releases.withLock { $0 } == [0: 1, 1: 1, 2: 1, 3: 1])
        let reported = errors.withLock { $0 }
        #expect(reported.count == 1)
        guard case .invalidFrame = reported.first else { Issue.record("expected invalidFrame, got \(reported)"); return }
        #expect(sink.error != nil)
        #expect(summary.recorded == 1)
        let reader = try RecordingReader(path: recorder.files.video(segment: nil), sidecar: recorder.files.sidecar)
        #expect(reader.records.map(\.index) == [0])
        #expect(try reader.readAll().count == 1)
    }
}
