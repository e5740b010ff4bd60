import Foundation
import GenlockCore
@testable import GenlockMedia
import Testing

@Suite struct RecorderTests {
    static let cases: [(VideoCodec, PixelLayout)] = [
        (.x264, .yuv420p), (.x264, .nv12), (.x264, .gray8), (.ffv1, .yuv420p), (.ffv1, .nv12), (.ffv1, .gray8), (.raw, .nv12),
    ]

    @Test(arguments: cases)
    func recordsEveryFrameWithPTSAtTnAndReadsBackJoinedBySidecar(codec: VideoCodec, layout: PixelLayout) throws {
        let root = Support.scratch("rec")
        defer { Support.remove(root) }
        let rate = try FrameRate(parsing: "30000/1001")
        let session = try SessionRecorder(outputRoot: root, session: "s")
        let recorder = try session.camera("cam1", configuration: RecordingConfiguration(
            codec: codec, width: 640, height: 480, layout: layout, frameRate: rate, epoch: Support.epoch))
        try Support.record(recorder, first: 5, count: 24, rate: rate)
        let summary = try recorder.finish()
        #expect(summary.recorded == 24 && summary.recordedIndices == 5...28)

        let video = recorder.files.video(segment: nil)
        #expect(try Support.probeFrameCount(video) == 24)
        let schedule = FrameSchedule(start: Support.epoch, rate: rate)
        let clock = PresentationClock(epoch: Support.epoch)
        let expected = try (5...28).map { try clock.pts(of: schedule.deadline(of: Int64($0))) }
        let pts = try Support.probePTS(video)
        #expect(pts == expected)
        #expect(pts.strictlyIncreasing)

        let reader = try RecordingReader(path: video, sidecar: recorder.files.sidecar)
        #expect(reader.epoch == Support.epoch)
        let frames = try reader.readAll()
        #expect(frames.map(\.pts) == expected)
        #expect(frames.map(\.index) == (5...28).map { Optional(Int64($0)) })
        #expect(!reader.endedEarly)
        for frame in frames {
            // The pixels carry their own index: the join put each row on the right picture.
            let code = try #require(TestPattern.decode(frame.frame))
            #expect(code.index == frame.index)
            #expect(code.scheduledNs == frame.record?.scheduled.nanosecondsSinceEpoch)
        }
        // The mkvmerge timestamp file: header + one line per frame, ms from T0.
        let timecodes = Support.read(recorder.files.timecodes).split(separator: "\n")
        #expect(timecodes.first == "# timecode format v2")
        #expect(timecodes.count == 25)
        #expect(timecodes[1] == "166.833")  // T5 at 30000/1001 fps: 5 × 33.366 ms
    }

    @Test func lossyAndLosslessCodecsKeepThePixels() throws {
        let root = Support.scratch("lossless")
        defer { Support.remove(root) }
        let rate = try FrameRate(parsing: "30")
        let recorder = try CameraRecorder(directory: root, camera: "cam1", configuration: RecordingConfiguration(
            codec: .ffv1, width: 320, height: 240, layout: .yuv420p, frameRate: rate, epoch: Support.epoch))
        try Support.record(recorder, count: 3, rate: rate)
        try recorder.finish()
        let frames = try RecordingReader(path: recorder.files.video(segment: nil)).readAll()
        let scheduled = try FrameSchedule(start: Support.epoch, rate: rate).deadline(of: 2)
        let original = TestPattern.render(index: 2, scheduledNs: scheduled.nanosecondsSinceEpoch, width: 320, height: 240, layout: .yuv420p)
        #expect(frames.count == 3)
        #expect(frames[2].frame.planes.map(\.bytes) == original.planes.map(\.bytes))
    }

    @Test func skippedAndDroppedIndicesAreRowsButNotFrames() throws {
        let root = Support.scratch("gaps")
        defer { Support.remove(root) }
        let rate = try FrameRate(parsing: "30")
        let schedule = FrameSchedule(start: Support.epoch, rate: rate)
        let session = try SessionRecorder(outputRoot: root, session: "s")
        let recorder = try session.camera("cam3", configuration: RecordingConfiguration(
            codec: .x264, width: 320, height: 240, frameRate: rate, epoch: Support.epoch))
        try Support.record(recorder, first: 0, count: 3, rate: rate)
        try recorder.note(FrameRecord(index: 3, scheduled: try schedule.deadline(of: 3), flags: .skipped))
        try recorder.note(FrameRecord(index: 4, scheduled: try schedule.deadline(of: 4)))  // dropped by default
        try Support.record(recorder, first: 5, count: 2, rate: rate)
        #expect(throws: MediaError.indexNotIncreasing(index: 6, previous: 6)) {
            try Support.record(recorder, first: 6, count: 1, rate: rate)
        }
        try recorder.finish()
        let summaries = try session.finish()
        #expect(summaries.map(\.description) == ["cam3: recorded 5, dropped 1, skipped 1, indices 0...6"])

        let rows = try SidecarFormat.parse(Support.read(recorder.files.sidecar), path: "sidecar")
        #expect(rows.map(\.index) == [0, 1, 2, 3, 4, 5, 6])
        #expect(rows.map(\.flags.text) == ["", "", "", "skipped", "dropped", "", ""])
        #expect(try Support.probeFrameCount(recorder.files.video(segment: nil)) == 5)
        #expect(Support.read(session.directory + "/summary.csv")
            == "camera,cam_id,frames_recorded,frames_dropped,frames_skipped,first_index,last_index,frames_after_stop\ncam3,3,5,1,1,0,6,0\n")
        let timestamps = Support.read(session.directory + "/timestamps.csv").split(separator: "\n")
        #expect(timestamps.first == "sync_index,cam_id,frame_time")
        #expect(timestamps.dropFirst().map { $0.split(separator: ",")[0] } == ["0", "1", "2", "5", "6"])
        #expect(timestamps[1] == "0,3,1700000000.123456789")
    }

    @Test func camerasOfOneSessionLineUpByPTSAndShareTimestampsCSV() throws {
        let root = Support.scratch("session")
        defer { Support.remove(root) }
        let rate = try FrameRate(parsing: "30")
        let session = try SessionRecorder(outputRoot: root, session: "take1")
        let configuration = RecordingConfiguration(codec: .x264, width: 320, height: 240, frameRate: rate, epoch: Support.epoch)
        let cam1 = try session.camera("cam1", configuration: configuration)
        let cam2 = try session.camera("cam2", configuration: configuration)
        try Support.record(cam1, first: 0, count: 10, rate: rate)
        try Support.record(cam2, first: 4, count: 6, rate: rate)  // joined late
        try cam1.finish()
        try cam2.finish()
        try session.finish()
        let pts1 = try Support.probePTS(cam1.files.video(segment: nil))
        let pts2 = try Support.probePTS(cam2.files.video(segment: nil))
        #expect(Array(pts1.suffix(6)) == pts2)
        let rows = Support.read(session.directory + "/timestamps.csv").split(separator: "\n").dropFirst()
        #expect(rows.count == 16)
        #expect(rows.filter { $0.hasPrefix("4,") } == ["4,1,1700000000.256790122", "4,2,1700000000.256790122"])
    }

    @Test func segmentsSplitByDurationAndEachStartsFlagged() throws {
        let root = Support.scratch("segments")
        defer { Support.remove(root) }
        let rate = try FrameRate(parsing: "30")
        let recorder = try CameraRecorder(directory: root, camera: "cam1", configuration: RecordingConfiguration(
            codec: .x264, width: 320, height: 240, frameRate: rate, epoch: Support.epoch, segmentDuration: .milliseconds(500)))
        try Support.record(recorder, count: 40, rate: rate)
        try recorder.finish()
        let videos = try recorder.files.videos()
        #expect(videos.map { ($0 as NSString).lastPathComponent } == ["cam1-000.mkv", "cam1-001.mkv", "cam1-002.mkv"])
        #expect(try videos.map { try Support.probeFrameCount($0) } == [15, 15, 10])
        let allPTS = try videos.flatMap { try Support.probePTS($0) }
        #expect(allPTS.count == 40 && allPTS.strictlyIncreasing)
        let rows = try SidecarFormat.parse(Support.read(recorder.files.sidecar), path: "sidecar")
        #expect(rows.filter { $0.flags.contains(.segmentStart) }.map(\.index) == [0, 15, 30])
    }
}
