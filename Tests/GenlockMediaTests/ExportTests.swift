import Foundation
import GenlockCore
@testable import GenlockMedia
import Testing

/// `SessionExporter` on a freshly recorded two-camera session: cam1 (x264) in 200 ms segments with
/// frame 7 dropped; cam2 (FFV1) joining at 2, frame 5 skipped, leaving after 17. Every frame is
/// a flat gray whose level encodes its index, so each exported frame can be traced back.
@Suite struct ExportTests {
    static let rate = try! FrameRate(numerator: 30)
    static let frames: Int64 = 20

    static func luma(_ index: Int64) -> UInt8 { UInt8(40 + index * 8) }

    /// Records the session into `<root>/s` and returns its folder.
    static func recordSession(_ root: String) throws -> String {
        let session = try SessionRecorder(outputRoot: root, session: "s")
        let schedule = FrameSchedule(start: Support.epoch, rate: rate)
        let cam1 = try session.camera("cam1", configuration: RecordingConfiguration(
            codec: .x264, width: 64, height: 48, frameRate: rate, epoch: Support.epoch,
            segmentDuration: .milliseconds(200), flushInterval: .milliseconds(1)))
        let cam2 = try session.camera("cam2", configuration: RecordingConfiguration(
            codec: .ffv1, width: 64, height: 48, frameRate: rate, epoch: Support.epoch, flushInterval: .milliseconds(1)))
        for index in 0..<frames {
            let record = FrameRecord(index: index, scheduled: try schedule.deadline(of: index))
            let frame = VideoFrame(width: 64, height: 48, layout: .yuv420p, luma: luma(index))
            if index == 7 { try cam1.note(record) } else { try cam1.append(frame, record: record) }
            guard (2...17).contains(index) else { continue }
            if index == 5 {
                var skipped = record
                skipped.flags = .skipped
                try cam2.note(skipped)
            } else {
                try cam2.append(frame, record: record)
            }
        }
        try cam1.finish()
        try cam2.finish()
        try session.finish()
        return session.directory
    }

    /// Every file of `folder` with its size and modification time.
    static func snapshot(_ folder: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            let info = try FileManager.default.attributesOfItem(atPath: folder + "/" + name)
            out[name] = "\(info[.size] ?? 0) \(info[.modificationDate] ?? Date.distantPast)"
        }
        return out
    }

    /// The mean luma of each frame of `path`, decoded.
    static func lumas(_ path: String) throws -> [Int] {
        let reader = try RecordingReader(path: path, records: [])
        return try reader.readAll().map { frame in
            let plane = frame.frame.planes[0]
            var sum = 0
            for row in 0..<frame.frame.height { for x in 0..<frame.frame.width { sum += Int(plane.bytes[row * plane.stride + x]) } }
            return sum / (frame.frame.width * frame.frame.height)
        }
    }

    static func near(_ a: Int, _ b: UInt8) -> Bool { abs(a - Int(b)) <= 3 }

    @Test func caliscopeGetsRemuxedAndReencodedVideosWithOneTimestampRowPerFrame() throws {
        let root = Support.scratch("export-caliscope")
        defer { Support.remove(root) }
        let session = try Self.recordSession(root)
        #expect(try CameraFiles(directory: session, camera: "cam1").videos().count > 1, "cam1 is in segments")
        let before = try Self.snapshot(session)
        let out = root + "/cal"
        let report = try SessionExporter.export(sessionDirectory: session, tool: .caliscope, to: out)
        #expect(try Self.snapshot(session) == before, "the session is only read")

        let folder = out + "/recordings/s"
        #expect(report.videos.map(\.method) == ["remuxed", "re-encoded"])
        #expect(try Support.probeFrameCount(folder + "/cam_1.mp4") == 19)
        #expect(try Support.probeFrameCount(folder + "/cam_2.mp4") == 15)
        // timestamps.csv parsed back: per camera, its rows in order are its video's frames.
        let rows = Support.read(folder + "/timestamps.csv").split(separator: "\n")
        #expect(rows.first == "sync_index,cam_id,frame_time")
        var byCamera: [Int: [(index: Int64, time: String)]] = [:]
        for row in rows.dropFirst() {
            let cells = row.split(separator: ",")
            byCamera[Int(cells[1])!, default: []].append((Int64(cells[0])!, String(cells[2])))
        }
        let schedule = FrameSchedule(start: Support.epoch, rate: Self.rate)
        for (id, camera) in [(1, "cam1"), (2, "cam2")] {
            let sidecar = CameraFiles(directory: session, camera: camera).sidecar
            let recorded = try SidecarFormat.parse(Support.read(sidecar), path: sidecar).filter(\.isInSession)
            let listed = byCamera[id] ?? []
            #expect(listed.map(\.index) == recorded.map(\.index))
            for (entry, record) in zip(listed, recorded) {
                let ns = record.scheduled.nanosecondsSinceEpoch
                #expect(entry.time == "\(ns / 1_000_000_000).\(String(ns % 1_000_000_000).leftPadded(9))")
                #expect(record.scheduled == (try schedule.deadline(of: record.index)))
            }
            // Frame k of the video is the k-th row's frame.
            let levels = try Self.lumas(folder + "/cam_\(id).mp4")
            #expect(levels.count == listed.count)
            for (level, entry) in zip(levels, listed) { #expect(Self.near(level, Self.luma(entry.index)), "cam_\(id) index \(entry.index): \(level)") }
        }
        #expect(Support.read(folder + "/framesets.csv") == Support.read(session + "/framesets.csv"))
    }

    @Test(arguments: [ExportTool.anipose, .freemocap])
    func frameByFrameToolsGetEqualCountsWithBlackFillers(tool: ExportTool) throws {
        let root = Support.scratch("export-\(tool)")
        defer { Support.remove(root) }
        let session = try Self.recordSession(root)
        let before = try Self.snapshot(session)
        let out = root + "/x"
        let report = try SessionExporter.export(sessionDirectory: session, tool: tool, to: out)
        #expect(try Self.snapshot(session) == before)
        let paths = tool == .anipose
            ? [out + "/s/videos-raw/s-cam1.mp4", out + "/s/videos-raw/s-cam2.mp4"]
            : [out + "/s/synchronized_videos/cam1.mp4", out + "/s/synchronized_videos/cam2.mp4"]
        #expect(report.videos.map(\.path) == paths)
        #expect(report.videos.map(\.filled) == [1, 5])
        for path in paths { #expect(try Support.probeFrameCount(path) == Int(Self.frames), "\(path)") }
        // Frame k is index k in both; what a camera lacks is black.
        let missing: [Set<Int64>] = [[7], [0, 1, 5, 18, 19]]
        for (path, gaps) in zip(paths, missing) {
            let levels = try Self.lumas(path)
            #expect(levels.count == Int(Self.frames))
            for (k, level) in levels.enumerated() {
                let expected = gaps.contains(Int64(k)) ? 16 : Self.luma(Int64(k))
                #expect(Self.near(level, expected), "\(path) frame \(k): \(level), expected \(expected)")
            }
        }
        // framesets.csv says which frames are fillers: row k's states.
        let table = Support.read(out + "/s/framesets.csv").split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(table.count == Int(Self.frames))
        #expect(table[7][3] == "dropped" && table[5][5] == "skipped" && table[0][5] == "absent" && table[19][5] == "absent")
        if tool == .anipose {
            let config = Support.read(out + "/config.toml")
            #expect(config.contains("cam_regex = '-cam([0-9]+)$'") && config.contains("video_extension = 'mp4'") && config.contains("nesting = 1"))
        }
    }

    @Test func badRequestsAreRefusedWithTheReasonAndWriteNothing() throws {
        let root = Support.scratch("export-bad")
        defer { Support.remove(root) }
        let session = try Self.recordSession(root)
        let before = try Self.snapshot(session)
        // An output folder in use.
        let used = root + "/used"
        try FileManager.default.createDirectory(atPath: used, withIntermediateDirectories: true)
        try "keep".write(toFile: used + "/mine.txt", atomically: true, encoding: .utf8)
        #expect(throws: MediaError.export("\(used) exists and is not empty: refusing to overwrite or mix exports (choose a new --out)")) {
            try SessionExporter.export(sessionDirectory: session, tool: .freemocap, to: used)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: used) == ["mine.txt"])
        // Inside the session.
        #expect(throws: MediaError.self) { try SessionExporter.export(sessionDirectory: session, tool: .caliscope, to: session + "/x") }
        #expect(!FileManager.default.fileExists(atPath: session + "/x"))
        #expect(try Self.snapshot(session) == before)
        // Not a session; an unknown tool.
        #expect(throws: MediaError.self) { try SessionExporter.export(sessionDirectory: used, tool: .anipose, to: root + "/y") }
        #expect(throws: MediaError.export("unknown export tool 'blender' (expected caliscope, anipose or freemocap)")) { try ExportTool(parsing: "blender") }
        #expect(throws: MediaError.self) {
            try SessionExporter.export(sessionDirectory: session, tool: .caliscope, to: root + "/z", calibration: true)
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
