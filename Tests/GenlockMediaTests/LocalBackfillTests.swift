import GenlockCore
import GenlockMedia
import Testing

@Suite struct LocalBackfillTests {
    /// 60 frames of x264 with keyframes every 15, finished.
    func recording(_ root: String) throws -> CameraRecorder {
        let rate = try FrameRate(parsing: "30")
        let session = try SessionRecorder(outputRoot: root, session: "s")
        let recorder = try session.camera("cam1", configuration: RecordingConfiguration(
            codec: .x264, width: 320, height: 240, layout: .yuv420p, frameRate: rate, epoch: Support.epoch, keyframeInterval: 15))
        try Support.record(recorder, first: 0, count: 60, rate: rate)
        try recorder.finish()
        return recorder
    }

    @Test func consecutiveRequestsReadEachPacketOnceAndAnEarlierOneSeeksBack() throws {
        let root = Support.scratch("backfill")
        defer { Support.remove(root) }
        let recorder = try recording(root)
        let whole = try LocalBackfill.rows(recorder.files, epoch: Support.epoch, codec: .x264, in: [0...59])
        #expect(whole.map(\.record.index) == Array(0...59))
        #expect(whole.allSatisfy { $0.packet != nil })

        let backfill = LocalBackfill(files: recorder.files, epoch: Support.epoch, codec: .x264)
        var pieces: [RecordedRow] = []
        for start in stride(from: Int64(0), to: 60, by: 10) { pieces += try backfill.rows(in: [start...(start + 9)]) }
        #expect(pieces.map(\.record) == whole.map(\.record))
        #expect(pieces.map(\.previous) == whole.map(\.previous))
        #expect(pieces.map(\.packet) == whole.map(\.packet))
        // The reader stayed where it was: each packet demuxed once (the one-shot reading of
        // every request from the start would have read 10 + 20 + ... + 60 = 210).
        #expect(backfill.packetsRead == 60)

        // Asked again for rows it has passed (a reminder): the same packets, read from the
        // keyframe before them (15), not from the start.
        let again = try backfill.rows(in: [20...22])
        #expect(again.map(\.packet) == Array(whole[20...22]).map(\.packet))
        #expect(backfill.packetsRead <= 60 + 8)
    }

    @Test func rowsNotYetOnDiskEndTheAnswerAndComeLater() throws {
        let root = Support.scratch("backfill-grow")
        defer { Support.remove(root) }
        let rate = try FrameRate(parsing: "30")
        let session = try SessionRecorder(outputRoot: root, session: "s")
        let recorder = try session.camera("cam1", configuration: RecordingConfiguration(
            codec: .x264, width: 320, height: 240, layout: .yuv420p, frameRate: rate, epoch: Support.epoch,
            flushInterval: .milliseconds(100), keyframeInterval: 15))
        try Support.record(recorder, first: 0, count: 30, rate: rate)
        let backfill = LocalBackfill(files: recorder.files, epoch: Support.epoch, codec: .x264)
        let early = try backfill.rows(in: [0...59])
        // Only whole rows whose packets are on disk, in order from 0.
        #expect(early.map(\.record.index) == Array(0..<Int64(early.count)))
        #expect(early.count <= 30)
        try Support.record(recorder, first: 30, count: 30, rate: rate)
        try recorder.finish()
        let rest = try backfill.rows(in: [Int64(early.count)...59])
        #expect((early + rest).map(\.record.index) == Array(0...59))
        let whole = try LocalBackfill.rows(recorder.files, epoch: Support.epoch, codec: .x264, in: [0...59])
        #expect((early + rest).map(\.packet) == whole.map(\.packet))
    }
}
