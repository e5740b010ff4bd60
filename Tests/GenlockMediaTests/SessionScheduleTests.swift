import Foundation
import GenlockCore
@testable import GenlockMedia
import Testing

/// Frame n is one instant on every camera of a session: a camera recorded into a finished
/// session under its name minutes later is refused by the recorder, and sidecars that disagree
/// are refused by every reader (verify names it; the frameset table and export refuse).
@Suite struct SessionScheduleTests {
    static let rate = try! FrameRate(numerator: 30)

    private func rows(_ indices: ClosedRange<Int64>, epoch: RealtimeInstant) throws -> [FrameRecord] {
        let schedule = FrameSchedule(start: epoch, rate: Self.rate)
        return try indices.map { FrameRecord(index: $0, scheduled: try schedule.deadline(of: $0)) }
    }

    @Test func camerasOnOneScheduleAgreeWhetherOrNotTheyShareIndices() throws {
        let e = Support.epoch
        #expect(SessionSchedule.conflict(cameras: ["a", "b"], rows: [try rows(0...99, epoch: e), try rows(50...149, epoch: e)]) == nil)
        #expect(SessionSchedule.conflict(cameras: ["a", "b"], rows: [try rows(0...9, epoch: e), try rows(5_000...5_009, epoch: e)]) == nil)
        // A writer that rounded its period to whole ns (16 666 666 ns at 60 fps) is not another session.
        let rounded = (0...39).map { FrameRecord(index: Int64($0), scheduled: e + .nanoseconds(Int64($0) * 16_666_666)) }
        let exact = try (0...39).map { FrameRecord(index: Int64($0), scheduled: try FrameSchedule(start: e, rate: FrameRate(numerator: 60)).deadline(of: Int64($0))) }
        #expect(SessionSchedule.conflict(cameras: ["a", "b"], rows: [exact, rounded]) == nil)
    }

    @Test func aCameraOnAnotherScheduleIsNamedWhetherOrNotItSharesIndices() throws {
        let e = Support.epoch, later = Support.epoch + .seconds(444) + .milliseconds(7)
        let shared = try #require(SessionSchedule.conflict(cameras: ["cam1", "cam4"], rows: [try rows(0...99, epoch: e), try rows(0...9, epoch: later)]))
        #expect(shared.contains("cam4 says index 0"), "\(shared)")
        let disjoint = try #require(SessionSchedule.conflict(cameras: ["cam1", "cam4"], rows: [try rows(0...99, epoch: e), try rows(200...209, epoch: later)]))
        #expect(disjoint.contains("cam4's index 200"), "\(disjoint)")
    }

    @Test func aRecorderJoiningASessionOnAnotherScheduleIsRefusedAndReadersRefuseSuchAFolder() throws {
        let root = Support.scratch("schedule")
        defer { Support.remove(root) }
        let session = try SessionRecorder(outputRoot: root, session: "s")
        let first = try session.camera("cam1", configuration: RestartTests.configuration())
        try Support.record(first, first: 0, count: 10, rate: Self.rate)
        _ = try first.finish()
        // Minutes later, a new camera under the same session name: refused before it writes.
        let late = Support.epoch + .seconds(444) + .milliseconds(7)
        #expect(throws: MediaError.self) { _ = try session.camera("cam4", configuration: RestartTests.configuration(epoch: late)) }
        #expect(!FileManager.default.fileExists(atPath: session.directory + "/cam4.frames.csv"))
        // On the session's schedule it may join.
        let joined = try session.camera("cam2", configuration: RestartTests.configuration())
        try Support.record(joined, first: 0, count: 10, rate: Self.rate)
        _ = try joined.finish()

        // A folder mixed by hand: verify names it, the frameset table refuses it.
        try FileManager.default.copyItem(atPath: session.directory, toPath: root + "/mixed")
        let foreign = try rows(0...9, epoch: late).map(SidecarFormat.line).joined()
        try (SidecarFormat.header + "\n" + foreign).write(toFile: root + "/mixed/cam2.frames.csv", atomically: true, encoding: .utf8)
        let report = try SessionVerifier.verify(sessionDirectory: root + "/mixed")
        #expect(report.problems.contains { $0.text.contains("not one session") }, "\(report.problems)")
        #expect(throws: MediaError.self) { try FramesetExport.table(sessionDirectory: root + "/mixed") }
        #expect(try FramesetExport.table(sessionDirectory: session.directory).complete == 10)
    }
}

/// A camera's video of another recording beside this one's (its sidecar lost, the new run
/// continued in the next segment): the export placed every frame through the first video's T0, so
/// the new frames landed nowhere. It now refuses, naming both files.
@Suite struct ForeignSegmentTests {
    @Test func anExportRefusesACameraWhoseVideosHaveDifferentT0() throws {
        let root = Support.scratch("foreign-segment")
        defer { Support.remove(root) }
        let earlier = try SessionRecorder(outputRoot: root, session: "earlier")
        let old = try earlier.camera("cam1", configuration: RestartTests.configuration(epoch: Support.epoch - .seconds(600)))
        try Support.record(old, first: 0, count: 5, rate: RestartTests.rate)
        _ = try old.finish()
        let session = try SessionRecorder(outputRoot: root, session: "s")
        try FileManager.default.copyItem(atPath: earlier.directory + "/cam1.mkv", toPath: session.directory + "/cam1.mkv")
        let recorder = try session.camera("cam1", configuration: RestartTests.configuration())
        try Support.record(recorder, first: 0, count: 5, rate: RestartTests.rate)
        _ = try recorder.finish()
        #expect(try recorder.files.videos().map(RestartTests.name) == ["cam1.mkv", "cam1-001.mkv"])
        let error = #expect(throws: MediaError.self) {
            _ = try SessionExporter.export(sessionDirectory: session.directory, tool: .caliscope, to: root + "/export")
        }
        #expect(error.map { "\($0)" }?.contains("cam1's videos were recorded with different T0 (cam1.mkv: ") == true, "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: root + "/export"))
    }
}
