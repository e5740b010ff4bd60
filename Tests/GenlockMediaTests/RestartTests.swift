import Foundation
import GenlockCore
@testable import GenlockMedia
import Testing

/// A recorder opened where an earlier run of the camera left files (a node restarted after
/// SIGKILL) continues them: nothing truncated, nothing overwritten, every segment readable.
@Suite struct RestartTests {
    static let rate = try! FrameRate(numerator: 30)

    /// Flushes every frame, so that every row an abandoned run wrote has its frame on disk.
    static func configuration(epoch: RealtimeInstant = Support.epoch, segment: TimeSpan? = nil) -> RecordingConfiguration {
        RecordingConfiguration(
            codec: .x264, width: 160, height: 120, frameRate: rate, epoch: epoch, segmentDuration: segment,
            flushInterval: .milliseconds(1))
    }

    static func name(_ path: String) -> String { (path as NSString).lastPathComponent }

    @Test func aRestartedRecorderContinuesIntoTheNextSegmentAndLosesNothing() throws {
        let root = Support.scratch("restart")
        defer { Support.remove(root) }
        let session = try SessionRecorder(outputRoot: root, session: "s")
        // The first run records 0…19 and "crashes": it is never finished (no trailer, no cues),
        // and stays alive, so nothing it holds in memory reaches the files; its descriptors for
        // the sidecar and timestamps close as a killed process's do. Before that, a second
        // recorder of the camera in this folder is refused: two writers would interleave rows.
        let crashed = try session.camera("cam1", configuration: Self.configuration())
        #expect(crashed.resumedAfter == nil)
        try Support.record(crashed, first: 0, count: 20, rate: Self.rate)
        do {
            _ = try session.camera("cam1", configuration: Self.configuration())
            Issue.record("a second recorder of cam1 was let in while the first still writes")
        } catch {
            #expect("\(error)".contains("cam1 is being recorded here by another recorder"), "\(error)")
        }
        crashed.abandon()

        let restarted = try session.camera("cam1", configuration: Self.configuration())
        #expect(restarted.resumedAfter == 19)
        try Support.record(restarted, first: 30, count: 15, rate: Self.rate)
        let summary = try restarted.finish()
        withExtendedLifetime(crashed) {}

        // Both segments are there and readable: the earlier one untouched, the new one next to it.
        let videos = try restarted.files.videos()
        #expect(videos.map(Self.name) == ["cam1.mkv", "cam1-001.mkv"])
        #expect(try videos.map { try Support.probeFrameCount($0) } == [20, 15])
        let allPTS = try videos.flatMap { try Support.probePTS($0) }
        #expect(allPTS.count == 35 && allPTS.strictlyIncreasing)

        // One sidecar, rows ordered by index across the runs, the restart marked.
        let rows = try SidecarFormat.parse(Support.read(restarted.files.sidecar), path: "sidecar")
        #expect(rows.map(\.index) == Array(0..<20) + Array(30..<45))
        #expect(rows.filter { $0.flags.contains(.segmentStart) }.map(\.index) == [30])
        #expect(Support.read(restarted.files.timecodes).split(separator: "\n").count == 1 + 35)

        // Each file joins its frames to their rows, pixels and index agreeing.
        for video in videos {
            for frame in try RecordingReader(path: video, sidecar: restarted.files.sidecar).readAll() {
                #expect(try #require(TestPattern.decode(frame.frame)).index == frame.index)
            }
        }

        // The session's exports stitch both runs.
        #expect(summary.recorded == 35 && summary.recordedIndices == 0...44)
        try session.finish()
        #expect(Support.read(session.directory + "/summary.csv").split(separator: "\n").last == "cam1,1,35,0,0,0,44,0")
        let stamps = Support.read(session.directory + "/timestamps.csv").split(separator: "\n").dropFirst()
        #expect(stamps.map { Int64($0.split(separator: ",")[0])! } == Array(0..<20) + Array(30..<45))
    }

    @Test func everyRestartTakesANewNumberAndNeverReusesOne() throws {
        let root = Support.scratch("renumber")
        defer { Support.remove(root) }
        // A segmented first run: cam1-000 and cam1-001.
        let first = try CameraRecorder(directory: root, camera: "cam1", configuration: Self.configuration(segment: .milliseconds(500)))
        try Support.record(first, count: 20, rate: Self.rate)
        // A stray later number (say a copy an operator made) is skipped over, not overwritten.
        let stray = root + "/cam1-003.mkv"
        try "not ours".write(toFile: stray, atomically: false, encoding: .utf8)
        // Another camera whose name extends this one's owns its own files.
        try "other".write(toFile: root + "/cam1-b.mkv", atomically: false, encoding: .utf8)

        first.abandon()
        let second = try CameraRecorder(directory: root, camera: "cam1", configuration: Self.configuration(segment: .milliseconds(500)))
        try Support.record(second, first: 25, count: 20, rate: Self.rate)
        try second.finish()
        withExtendedLifetime(first) {}
        #expect(try second.files.videos().map(Self.name) == ["cam1-000.mkv", "cam1-001.mkv", "cam1-003.mkv", "cam1-004.mkv", "cam1-005.mkv"])
        #expect(Support.read(stray) == "not ours")
        let rows = try SidecarFormat.parse(Support.read(second.files.sidecar), path: "sidecar")
        #expect(rows.map(\.index) == Array(0..<20) + Array(25..<45))
        #expect(rows.filter { $0.flags.contains(.segmentStart) }.map(\.index) == [0, 15, 25, 40])
    }

    @Test func aFolderHoldingAnotherSessionIsRefusedAndLeftAsItWas() throws {
        let root = Support.scratch("other-session")
        defer { Support.remove(root) }
        let first = try CameraRecorder(directory: root, camera: "cam1", configuration: Self.configuration())
        try Support.record(first, count: 5, rate: Self.rate)
        try first.finish()
        let sidecar = Support.read(first.files.sidecar)
        let video = try Data(contentsOf: URL(fileURLWithPath: first.files.video(segment: nil)))

        let otherT0 = Support.epoch + .seconds(1)
        #expect {
            _ = try CameraRecorder(directory: root, camera: "cam1", configuration: Self.configuration(epoch: otherT0))
        } throws: { error in
            guard case MediaError.refusingToOverwrite(let path, let reason) = error else { return false }
            return path == first.files.sidecar && reason.contains("another schedule") && "\(error)".contains("refusing to overwrite")
        }
        #expect(Support.read(first.files.sidecar) == sidecar)
        #expect(try Data(contentsOf: URL(fileURLWithPath: first.files.video(segment: nil))) == video)
        #expect(try first.files.videos().count == 1)
    }

    @Test func aTornSidecarIsRefusedNotRepaired() throws {
        let root = Support.scratch("torn")
        defer { Support.remove(root) }
        let files = CameraFiles(directory: root, camera: "cam1")
        let torn = SidecarFormat.header + "\n0,1700000000123456789,,,,,"
        try torn.write(toFile: files.sidecar, atomically: false, encoding: .utf8)
        #expect(throws: MediaError.self) {
            _ = try CameraRecorder(directory: root, camera: "cam1", configuration: Self.configuration())
        }
        #expect(Support.read(files.sidecar) == torn)
        #expect(try files.videos().isEmpty)
    }

    @Test func aVideoWithoutASidecarIsKeptAndTheRecordingGoesToTheNextSegment() throws {
        let root = Support.scratch("lone-video")
        defer { Support.remove(root) }
        let files = CameraFiles(directory: root, camera: "cam1")
        try "earlier".write(toFile: files.video(segment: nil), atomically: false, encoding: .utf8)
        let recorder = try CameraRecorder(directory: root, camera: "cam1", configuration: Self.configuration())
        try Support.record(recorder, count: 3, rate: Self.rate)
        try recorder.finish()
        #expect(Support.read(files.video(segment: nil)) == "earlier")
        #expect(try files.videos().map(Self.name) == ["cam1.mkv", "cam1-001.mkv"])
        #expect(try Support.probeFrameCount(files.video(segment: 1)) == 3)
    }
}

