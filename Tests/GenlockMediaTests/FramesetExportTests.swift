import GenlockCore
@testable import GenlockMedia
import Testing

/// `framesets.csv` from the cameras' sidecars: one row per index, complete or partial with each
/// camera's reason, and a summary naming the cameras and indices missing.
@Suite struct FramesetExportTests {
    func tn(_ n: Int64) -> RealtimeInstant { RealtimeInstant(nanosecondsSinceEpoch: 1_000_000_000 + n * 33_333_333) }

    func row(_ n: Int64, _ flags: FrameRecord.Flags = []) -> FrameRecord {
        FrameRecord(
            index: n, scheduled: tn(n), sensorRealtime: flags.isEmpty ? tn(n) + .microseconds(2_000) : nil,
            exposure: flags.isEmpty ? .microseconds(2_000) : nil, flags: flags)
    }

    @Test func everyIndexIsARowWithEachCamerasStateAndTheSummaryNamesWhatIsMissing() throws {
        let cam1 = (0..<6).map { row(Int64($0)) }
        // cam2: dropped 2, skipped 3, killed after 3 and back for 5.
        let cam2 = [row(0), row(1), row(2, .dropped), row(3, .skipped), row(5)]
        // cam3: joined late, at 2.
        let cam3 = (2..<6).map { row(Int64($0)) }
        let table = FramesetExport.table(cameras: ["cam1", "cam2", "cam3"], rows: [cam1, cam2, cam3])
        #expect(table.framesets.map(\.index) == Array(0..<6))
        #expect(table.complete == 1 && table.partial == 5)
        #expect(table.framesets[4].parts.map(\.state) == [.present, .absent, .present])
        #expect(table.summary == [
            "framesets 6: complete 1, partial 5",
            "  cam2 missing: 2 dropped, 3 skipped, 4 absent",
            "  cam3 missing: 0...1 absent",
        ])
        let lines = FramesetExport.csv(table).split(separator: "\n")
        #expect(lines.count == 7)
        #expect(lines[0] == "index,scheduled_realtime_ns,complete,cam1_state,cam1_exposure_start_ns,cam2_state,cam2_exposure_start_ns,cam3_state,cam3_exposure_start_ns")
        // Exposure start is the sensor instant minus the exposure: here Tn itself.
        let t5 = tn(5).nanosecondsSinceEpoch
        #expect(lines[6] == "5,\(t5),1,present,\(t5),present,\(t5),present,\(t5)")
        #expect(lines[3] == "2,\(tn(2).nanosecondsSinceEpoch),0,present,\(tn(2).nanosecondsSinceEpoch),dropped,,present,\(tn(2).nanosecondsSinceEpoch)")
    }

    @Test func aSessionFolderGetsItsFramesetsFileWithTheOtherExports() throws {
        let root = Support.scratch("framesets")
        defer { Support.remove(root) }
        let session = try SessionRecorder(outputRoot: root, session: "s")
        for name in ["camA", "camB"] {
            let rows = (0..<4).map { row(Int64($0), name == "camB" && $0 == 1 ? .dropped : []) }
            try FileSystem.writeAtomically(
                SidecarFormat.header + "\n" + rows.map { SidecarFormat.line($0) }.joined(),
                to: CameraFiles(directory: session.directory, camera: name).sidecar)
        }
        _ = try session.finish()
        let text = Support.read(session.directory + "/framesets.csv")
        #expect(text.split(separator: "\n").count == 5)
        #expect(text.contains("\n1,\(tn(1).nanosecondsSinceEpoch),0,present,"))
        #expect(try FramesetExport.table(sessionDirectory: session.directory).summary.last == "  camB missing: 1 dropped")
    }
}
