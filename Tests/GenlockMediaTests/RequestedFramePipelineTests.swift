import GenlockCore
import GenlockHAL
@testable import GenlockMedia
import Synchronization
import Testing

/// A camera that takes requests (refusing the indices it is told to) and delivers nothing by
/// itself: the tests hand the pipeline each completion, as the pump would.
private final class RequestTakingCamera: CaptureSource {
    struct Refused: Error {}

    let name = "scripted"
    let completions = AsyncStream<CameraCompletion> { $0.finish() }
    let refused: Set<Int64>
    let queued = Mutex<[Int64]>([])

    init(refusing refused: Set<Int64> = []) { self.refused = refused }

    func start(_ settings: ExposureSettings) {}

    func queue(_ request: CaptureRequest, frameDuration: TimeSpan?) throws {
        if refused.contains(request.index) { throw Refused() }
        queued.withLock { $0.append(request.index) }
    }

    func stop() {}
}

@Suite struct RequestedFramePipelineTests {
    static func request(_ index: Int64, _ frames: MappedFrames) throws -> CaptureRequest {
        let scheduled = try frames.schedule.deadline(of: index)
        let wake = ClockSample(realtime: scheduled + .microseconds(40), monotonic: MonotonicInstant(nanoseconds: 4_000_000_000 + index * 1_000))
        return CaptureRequest(index: index, scheduled: scheduled, wake: wake, wakeError: .microseconds(40))
    }

    @Test func everyIndexBecomesARowAndEveryDeliveredFrameIsRecordedAndReleasedOnce() throws {
        let root = Support.scratch("reqpipe")
        defer { Support.remove(root) }
        let frames = try MappedFrames()
        let recorder = try frames.recorder(root)
        let camera = RequestTakingCamera(refusing: [1])
        let problems = Mutex<[String]>([])
        let pipeline = RequestedFramePipeline(
            camera: camera,
            recorder: CameraFrameRecorder(recorder: recorder, schedule: frames.schedule, exposure: .milliseconds(3), maximumPending: 16) { _ in }
        ) { problem in problems.withLock { $0.append(problem) } }
        for index in Int64(0)...4 { pipeline.capture(try Self.request(index, frames)) }
        pipeline.handle(.frame(try frames.frame(0).frame))
        pipeline.handle(.failed(index: 2, reason: "sensor error"))
        pipeline.handle(.frame(try frames.frame(3).frame))
        pipeline.handle(.frame(try frames.frame(4).frame))
        pipeline.skipped(5..<7)
        pipeline.capture(try Self.request(7, frames))
        pipeline.handle(.frame(try frames.frame(7).frame))
        pipeline.capture(try Self.request(8, frames))
        // A frame nobody asked for is released and named, never numbered.
        pipeline.handle(.frame(try frames.frame(20).frame))
        // The camera stopped before filling 8.
        pipeline.handle(.cancelled(index: 8))
        #expect(camera.queued.withLock { $0 } == [0, 2, 3, 4, 7, 8])
        let summary = try #require(try pipeline.finish(stopIndex: 9))

        #expect(pipeline.progress == .init(frames: 4, dropped: 3))
        #expect(frames.releases.withLock { $0 } == [0: 1, 3: 1, 4: 1, 7: 1, 20: 1])
        #expect(summary.recorded == 4 && summary.skipped == 2 && summary.dropped == 3)
        let reader = try RecordingReader(path: recorder.files.video(segment: nil), sidecar: recorder.files.sidecar)
        #expect(reader.records.map(\.index) == Array(0...8))
        #expect(reader.records.map(\.flags) == [[], .dropped, .dropped, [], [], .skipped, .skipped, [], .dropped])
        // The frame's row: its request's Tn and wake error, the sensor timestamp mapped through the
        // pair sampled at wake-up (the scripted frames carry no wall clock), the camera's exposure.
        let row = try #require(reader.records.first { $0.index == 3 })
        let sensor = frames.sensor(3)
        #expect(row.scheduled == (try frames.schedule.deadline(of: 3)))
        #expect(row.sensorMonotonic == sensor)
        #expect(row.sensorRealtime == (try Self.request(3, frames)).wake.realtime(at: sensor))
        #expect(row.wakeError == .microseconds(40))
        #expect(row.exposure == .milliseconds(3))
        #expect(try reader.readAll().map(\.index) == [0, 3, 4, 7])
        // The refusal, the failure and the stray frame are named; the cancellation at stop is not a problem.
        let said = problems.withLock { $0 }
        #expect(said.count == 3)
        #expect(said.first?.hasPrefix("frame 1 not queued") == true)
        #expect(said.dropFirst().first == "frame 2: sensor error")
        #expect(said.last == "the camera delivered frame 20, which was not requested")
    }

    @Test func withoutARecorderFramesAreReleasedAtOnce() throws {
        let frames = try MappedFrames()
        let pipeline = RequestedFramePipeline(camera: RequestTakingCamera(), recorder: nil) { _ in }
        for index in Int64(0)..<3 {
            pipeline.capture(try Self.request(index, frames))
            pipeline.handle(.frame(try frames.frame(index).frame))
        }
        #expect(try pipeline.finish(stopIndex: nil) == nil)
        #expect(frames.releases.withLock { $0 } == [0: 1, 1: 1, 2: 1])
        #expect(pipeline.progress == .init(frames: 3, dropped: 0))
    }

    @Test func framesAtOrAfterTheStopIndexAreLeftOut() throws {
        let root = Support.scratch("reqstop")
        defer { Support.remove(root) }
        let frames = try MappedFrames()
        let recorder = try frames.recorder(root)
        let pipeline = RequestedFramePipeline(
            camera: RequestTakingCamera(),
            recorder: CameraFrameRecorder(recorder: recorder, schedule: frames.schedule, exposure: nil, maximumPending: 16) { _ in }
        ) { _ in }
        for index in Int64(0)..<2 {
            pipeline.capture(try Self.request(index, frames))
            pipeline.handle(.frame(try frames.frame(index).frame))
        }
        // STOP(3) arrives while frames 3 and 4 were already requested.
        pipeline.capture(try Self.request(2, frames))
        pipeline.capture(try Self.request(3, frames))
        pipeline.capture(try Self.request(4, frames))
        pipeline.stop(at: 3)
        for index in Int64(2)..<5 { pipeline.handle(.frame(try frames.frame(index).frame)) }
        _ = try pipeline.finish(stopIndex: 3)
        let reader = try RecordingReader(path: recorder.files.video(segment: nil), sidecar: recorder.files.sidecar)
        #expect(reader.records.map(\.index) == [0, 1, 2])
        #expect(try reader.readAll().map(\.index) == [0, 1, 2])
        #expect(frames.releases.withLock { $0 } == [0: 1, 1: 1, 2: 1, 3: 1, 4: 1])
    }
}
