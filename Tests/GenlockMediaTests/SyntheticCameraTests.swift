import Dispatch
import GenlockCore
import GenlockHAL
@testable import GenlockMedia
import GenlockTesting
import Synchronization
import Testing

final class Collector: Sendable {
    let outputs = Mutex<[CameraOutput]>([])
    func add(_ output: CameraOutput) { outputs.withLock { $0.append(output) } }
    var indices: [Int64] {
        outputs.withLock { $0.map { switch $0 { case .frame(_, let r), .dropped(let r): r.index } } }
    }
    var dropped: [Int64] {
        outputs.withLock { $0.compactMap { if case .dropped(let r) = $0 { r.index } else { nil } } }
    }
}

@Suite struct SyntheticCameraTests {
    /// Time stands still: every frame is stamped monotonic 1 s (realtime = monotonic + 1 s).
    let clock = VirtualClockPair(monotonic: MonotonicInstant(nanoseconds: 1_000_000_000),
                                 realtime: RealtimeInstant(nanosecondsSinceEpoch: 2_000_000_000))

    func request(_ index: Int64) -> CaptureRequest {
        CaptureRequest(index: index, scheduled: RealtimeInstant(nanosecondsSinceEpoch: 1_000 + index), wake: clock.sample(), wakeError: .microseconds(index))
    }

    @Test func rendersEachRequestInOrderWithItsIndexInThePixels() throws {
        let collector = Collector()
        let camera = try SyntheticCamera(name: "cam1", width: 320, height: 240, layout: .nv12, clock: clock, maximumPending: 100) {
            collector.add($0)
        }
        for index in 0..<10 { try camera.queue(request(Int64(index))) }
        camera.drain()
        #expect(collector.indices == Array(0..<10))
        for output in collector.outputs.withLock({ $0 }) {
            guard case .frame(let frame, let record) = output else { Issue.record("unexpected drop"); continue }
            #expect(frame.layout == .nv12 && frame.width == 320)
            #expect(TestPattern.decode(frame)?.index == record.index)
            #expect(TestPattern.decode(frame)?.scheduledNs == 1_000 + record.index)
            #expect(record.sensorMonotonic == MonotonicInstant(nanoseconds: 1_000_000_000))
            #expect(record.wakeError == .microseconds(record.index))
        }
        camera.stop()
        try camera.queue(request(10))
        camera.drain()
        #expect(collector.indices.count == 10)
    }

    @Test func requestsBeyondThePendingLimitAreDeliveredAsDroppedInOrder() throws {
        let collector = Collector()
        let gate = DispatchSemaphore(value: 0)
        let camera = try SyntheticCamera(name: "cam1", width: 64, height: 48, clock: clock, maximumPending: 1) { output in
            if case .frame(_, let r) = output, r.index == 0 { gate.wait() }
            collector.add(output)
        }
        for index in 0..<5 { try camera.queue(request(Int64(index))) }
        gate.signal()
        camera.drain()
        #expect(collector.indices == [0, 1, 2, 3, 4])
        #expect(collector.dropped == [1, 2, 3, 4])
    }

    @Test(arguments: [(2, 2), (4, 2), (16, 8), (64, 48), (130, 98)])
    func smallFramesRenderClippedAndClaimACodeOnlyWhenItFits(width: Int, height: Int) throws {
        let frame = TestPattern.render(index: 123, scheduledNs: 456, width: width, height: height, layout: .yuv420p)
        try frame.validate()
        // 68 cells of at least one pixel plus margins need 70 columns; narrower frames claim
        // no code rather than a wrong one.
        let decoded = TestPattern.decode(frame)
        #expect(decoded?.index == (width >= 70 ? 123 : nil))
        #expect(decoded?.scheduledNs == (width >= 70 ? 456 : nil))
    }

    @Test func oddSizesAreRefused() {
        #expect(throws: MediaError.self) { try SyntheticCamera(name: "c", width: 63, height: 48, clock: clock) { _ in } }
    }

    @Test func theSinkMergesSkipsIntoIndexOrderAndStopsAtTheStopIndex() throws {
        let root = Support.scratch("sink")
        defer { Support.remove(root) }
        let rate = try FrameRate(parsing: "30")
        let schedule = FrameSchedule(start: Support.epoch, rate: rate)
        let recorder = try CameraRecorder(directory: root, camera: "cam1", configuration: RecordingConfiguration(
            codec: .ffv1, width: 64, height: 48, frameRate: rate, epoch: Support.epoch))
        let errors = Mutex(0)
        let sink = RecordingSink(recorder: recorder, schedule: schedule) { _ in errors.withLock { $0 += 1 } }
        func frame(_ index: Int64) throws -> CameraOutput {
            .frame(VideoFrame(width: 64, height: 48, layout: .yuv420p), FrameRecord(index: index, scheduled: try schedule.deadline(of: index)))
        }
        sink.receive(try frame(0))
        sink.skipped(1..<3)        // reported before frame 3 arrives
        sink.receive(try frame(3))
        sink.skipped(4..<5)
        sink.stop(at: 6)
        sink.receive(try frame(5))
        sink.receive(try frame(6))  // at the stop index: not recorded
        sink.skipped(7..<8)         // after the stop: not written
        let summary = try sink.finish()
        #expect(errors.withLock { $0 } == 0)
        let rows = try SidecarFormat.parse(Support.read(recorder.files.sidecar), path: "sidecar")
        #expect(rows.map(\.index) == [0, 1, 2, 3, 4, 5])
        #expect(rows.map(\.flags.text) == ["", "skipped", "skipped", "", "skipped", ""])
        #expect(summary.recorded == 3 && summary.skipped == 3)
        #expect(try Support.probeFrameCount(recorder.files.video(segment: nil)) == 3)
    }
}
