import Foundation
import GenlockCore
@testable import GenlockMedia
import Testing

/// A STOP for index N that arrives after frames ≥ N were written: they stay in the video, flagged
/// `after-stop` in the sidecar, and out of the session's exports.
@Suite struct LateStopTests {
    @Test func framesWrittenPastALateStopAreFlaggedAndLeftOutOfTheSession() throws {
        let root = Support.scratch("late-stop")
        defer { Support.remove(root) }
        let rate = RestartTests.rate
        let schedule = FrameSchedule(start: Support.epoch, rate: rate)
        let session = try SessionRecorder(outputRoot: root, session: "s")
        let recorder = try session.camera("cam1", configuration: RestartTests.configuration())
        let errors = Errors()
        let sink = RecordingSink(recorder: recorder, schedule: schedule) { errors.append($0) }
        func deliver(_ index: Int64) throws {
            let scheduled = try schedule.deadline(of: index)
            let frame = TestPattern.render(index: index, scheduledNs: scheduled.nanosecondsSinceEpoch, width: 160, height: 120, layout: .yuv420p)
            sink.receive(.frame(frame, FrameRecord(index: index, scheduled: scheduled)))
        }
        for index in Int64(0)..<10 { try deliver(index) }
        sink.stop(at: 7)  // arrives after 7, 8 and 9 were written
        try deliver(10)   // reaches the recorder after the STOP: not written
        let summary = try sink.finish()
        #expect(errors.all.isEmpty)

        #expect(summary.recorded == 7 && summary.afterStop == 3 && summary.recordedIndices == 0...6)
        let rows = try SidecarFormat.parse(Support.read(recorder.files.sidecar), path: "sidecar")
        #expect(rows.map(\.index) == Array(0..<10))
        #expect(rows.map(\.flags.text) == Array(repeating: "", count: 7) + Array(repeating: "after-stop", count: 3))
        // The video and the timestamp file still agree one to one with the rows.
        let video = recorder.files.video(segment: nil)
        #expect(try Support.probeFrameCount(video) == 10)
        #expect(Support.read(recorder.files.timecodes).split(separator: "\n").count == 1 + 10)
        let read = try RecordingReader(path: video, sidecar: recorder.files.sidecar).readAll()
        #expect(read.map { $0.record?.flags.contains(.afterStop) } == Array(repeating: false, count: 7) + Array(repeating: true, count: 3))

        try session.finish()
        #expect(Support.read(session.directory + "/summary.csv").split(separator: "\n").last == "cam1,1,7,0,0,0,6,3")
        let stamps = Support.read(session.directory + "/timestamps.csv").split(separator: "\n").dropFirst()
        #expect(stamps.map { Int64($0.split(separator: ",")[0])! } == Array(0..<7))
        #expect(try FileSystem.list(session.directory).allSatisfy { !$0.hasSuffix(".tmp") })
    }

    @Test func aStopAheadOfTheFramesChangesNoRow() throws {
        let root = Support.scratch("timely-stop")
        defer { Support.remove(root) }
        let recorder = try CameraRecorder(directory: root, camera: "cam1", configuration: RestartTests.configuration())
        try Support.record(recorder, count: 5, rate: RestartTests.rate)
        let before = Support.read(recorder.files.sidecar)
        try recorder.stop(at: 5)
        try recorder.stop(at: 9)  // a later, larger index does not move the stop
        #expect(Support.read(recorder.files.sidecar) == before)
        try Support.record(recorder, first: 5, count: 1, rate: RestartTests.rate)  // written past the stop: flagged
        let summary = try recorder.finish()
        #expect(summary.recorded == 5 && summary.afterStop == 1)
        #expect(try SidecarFormat.parse(Support.read(recorder.files.sidecar), path: "s").last?.flags == .afterStop)
    }

    final class Errors: @unchecked Sendable {
        private let lock = NSLock()
        private var errors: [MediaError] = []
        func append(_ e: MediaError) { lock.withLock { errors.append(e) } }
        var all: [MediaError] { lock.withLock { errors } }
    }
}
