import Dispatch
import GenlockCore
import GenlockHAL
@testable import GenlockMedia
import GenlockTesting
import Synchronization
import Testing

/// A clock whose first sample waits for the test to open the gate: it holds the renderer on the
/// first frame, so the requests behind it meet a full queue.
private final class GatedClock: ClockPair {
    let inner: VirtualClockPair
    let gate = DispatchSemaphore(value: 0)
    let waited = Mutex(false)
    init(_ inner: VirtualClockPair) { self.inner = inner }
    func sample() -> ClockSample {
        if !waited.withLock({ w in defer { w = true }; return w }) { gate.wait() }
        return inner.sample()
    }
    func monotonicNow() -> MonotonicInstant { inner.monotonicNow() }
}

@Suite struct SyntheticCameraTests {
    /// Time stands still: every frame is stamped monotonic 1 s (realtime = monotonic + 1 s).
    let clock = VirtualClockPair(monotonic: MonotonicInstant(nanoseconds: 1_000_000_000),
                                 realtime: RealtimeInstant(nanosecondsSinceEpoch: 2_000_000_000))

    func request(_ index: Int64) -> CaptureRequest {
        CaptureRequest(index: index, scheduled: RealtimeInstant(nanosecondsSinceEpoch: 1_000 + index), wake: clock.sample(), wakeError: .microseconds(index))
    }

    /// Stops the camera and collects every completion it delivered.
    func completions(_ camera: SyntheticCamera) async -> [CameraCompletion] {
        camera.stop()
        var all: [CameraCompletion] = []
        for await completion in camera.completions { all.append(completion) }
        return all
    }

    @Test func rendersEachRequestInOrderAsACameraFrameWithItsIndexInThePixels() async throws {
        let camera = try SyntheticCamera(name: "cam1", width: 320, height: 240, layout: .nv12, clock: clock, maximumPending: 100)
        camera.start(try ExposureSettings(exposure: .milliseconds(1), frameDurationLimits: .milliseconds(33)...(.milliseconds(33))))
        for index in 0..<10 { try camera.queue(request(Int64(index))) }
        let all = await completions(camera)
        #expect(all.count == 10)
        for (i, completion) in all.enumerated() {
            guard case .frame(let frame) = completion else { Issue.record("unexpected \(completion)"); continue }
            #expect(frame.index == Int64(i) && frame.sequence == Int64(i))
            #expect(frame.sensorTimestamp == MonotonicInstant(nanoseconds: 1_000_000_000))
            #expect(frame.wallClock == RealtimeInstant(nanosecondsSinceEpoch: 2_000_000_000))
            // The planes are the rendered image: Y then interleaved UV for NV12.
            #expect(frame.planes.count == 2 && frame.planes[0].strideBytes >= 320)
            let image = VideoFrame(width: 320, height: 240, layout: .nv12, planes: frame.planes.map {
                VideoFrame.Plane(bytes: Array($0.bytes), stride: $0.strideBytes)
            })
            #expect(TestPattern.decode(image)?.index == Int64(i))
            #expect(TestPattern.decode(image)?.scheduledNs == 1_000 + Int64(i))
            frame.release()
        }
        // A stopped camera refuses requests (the pipeline rows them as dropped).
        #expect(throws: SyntheticCameraStopped.self) { try camera.queue(request(10)) }
    }

    @Test func requestsBeyondThePendingLimitFailInOrder() async throws {
        let gated = GatedClock(clock)
        let camera = try SyntheticCamera(name: "cam1", width: 64, height: 48, clock: gated, maximumPending: 1)
        for index in 0..<5 { try camera.queue(request(Int64(index))) }
        gated.gate.signal()
        let all = await completions(camera)
        let summary = all.map { completion -> String in
            switch completion {
            case .frame(let f): defer { f.release() }; return "frame \(f.index)"
            case .failed(let i, _): return "failed \(i)"
            case .cancelled(let i): return "cancelled \(i)"
            }
        }
        #expect(summary == ["frame 0", "failed 1", "failed 2", "failed 3", "failed 4"])
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
        #expect(throws: MediaError.self) { try SyntheticCamera(name: "c", width: 63, height: 48, clock: clock) }
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
