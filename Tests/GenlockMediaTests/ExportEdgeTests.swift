import Foundation
import Synchronization
import GenlockCore
@testable import GenlockMedia
import Testing

/// The export's edges: the demux it shares with the ingest (`PacketReader`, container headers
/// only), a camera that recorded nothing, NV12 sources, and never replacing a file.
@Suite struct ExportEdgeTests {
    static let rate = try! FrameRate(numerator: 30)

    /// A session `s` under `root`: per camera its codec and layout, and the indices it records
    /// (the rest of 0..<frames noted `dropped`; a camera recording none has no video at all).
    /// Frame `n`'s luma is ``ExportTests/luma(_:)``; NV12 frames carry U = 90, V = 170.
    static func record(
        _ root: String, frames: Int64, cameras: [(name: String, codec: VideoCodec, layout: PixelLayout, records: (Int64) -> Bool)]
    ) throws -> (directory: String, parameters: [String: EncodedStreamParameters]) {
        let session = try SessionRecorder(outputRoot: root, session: "s")
        let schedule = FrameSchedule(start: Support.epoch, rate: rate)
        var recorders: [(String, CameraRecorder)] = []
        for camera in cameras {
            recorders.append((camera.name, try session.camera(camera.name, configuration: RecordingConfiguration(
                codec: camera.codec, width: 64, height: 48, layout: camera.layout, frameRate: rate, epoch: Support.epoch,
                flushInterval: .milliseconds(1)))))
        }
        for index in 0..<frames {
            let record = FrameRecord(index: index, scheduled: try schedule.deadline(of: index))
            for (camera, (_, recorder)) in zip(cameras, recorders) {
                if camera.records(index) {
                    try recorder.append(frame(camera.layout, luma: ExportTests.luma(index)), record: record)
                } else {
                    try recorder.note(record)
                }
            }
        }
        var parameters: [String: EncodedStreamParameters] = [:]
        for (name, recorder) in recorders {
            parameters[name] = recorder.streamParameters
            try recorder.finish()
        }
        try session.finish()
        return (session.directory, parameters)
    }

    static func frame(_ layout: PixelLayout, luma: UInt8) -> VideoFrame {
        var frame = VideoFrame(width: 64, height: 48, layout: layout, luma: luma)
        if layout == .nv12 {
            for i in stride(from: 0, to: frame.planes[1].bytes.count, by: 2) {
                frame.planes[1].bytes[i] = 90
                frame.planes[1].bytes[i + 1] = 170
            }
        }
        return frame
    }

    static func mean(_ plane: VideoFrame.Plane, width: Int, rows: Int) -> Int {
        var sum = 0
        for row in 0..<rows { for x in 0..<width { sum += Int(plane.bytes[row * plane.stride + x]) } }
        return sum / (width * rows)
    }

    static func probe(_ path: String, _ entry: String) throws -> String {
        let r = try Support.run("/usr/bin/ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=\(entry)", "-of", "csv=p=0", path])
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The NAL units of an Annex B byte string (start codes of 3 or 4 bytes).
    static func nalUnits(_ bytes: [UInt8]) -> [[UInt8]] {
        var units: [[UInt8]] = []
        var start: Int?
        var i = 0
        while i + 2 < bytes.count {
            if bytes[i] == 0, bytes[i + 1] == 0, bytes[i + 2] == 1 {
                if let s = start { units.append(Array(bytes[s..<(i > 0 && bytes[i - 1] == 0 ? i - 1 : i)])) }
                start = i + 3
                i += 3
            } else {
                i += 1
            }
        }
        if let s = start, s < bytes.count { units.append(Array(bytes[s...])) }
        return units
    }

    /// The export is moved into `--out` whole at the end, never over a name something else took
    /// there meanwhile; then nothing of it is kept, and the other file is untouched.
    @Test func anExportMovedIntoPlaceNeverReplacesANameTakenMeanwhile() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-publish-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let stage = root + "/out/.stage", output = root + "/out"
        try FileManager.default.createDirectory(atPath: stage + "/s/videos-raw", withIntermediateDirectories: true)
        try "export\n".write(toFile: stage + "/s/videos-raw/s-cam1.mp4", atomically: true, encoding: .utf8)
        try "export\n".write(toFile: stage + "/config.toml", atomically: true, encoding: .utf8)
        try "someone else's\n".write(toFile: output + "/config.toml", atomically: true, encoding: .utf8)
        #expect(throws: MediaError.self) { try SessionExporter.publish(stage, into: output) }
        #expect(try String(contentsOfFile: output + "/config.toml", encoding: .utf8) == "someone else's\n")
        #expect(!FileManager.default.fileExists(atPath: output + "/s"), "what was moved went back")
        #expect(FileManager.default.fileExists(atPath: stage + "/s/videos-raw/s-cam1.mp4"))
        // With the name free, all of it moves and the stage is gone.
        try FileManager.default.removeItem(atPath: output + "/config.toml")
        try SessionExporter.publish(stage, into: output)
        #expect(try FileManager.default.contentsOfDirectory(atPath: output).sorted() == ["config.toml", "s"])
        #expect(try String(contentsOfFile: output + "/s/videos-raw/s-cam1.mp4", encoding: .utf8) == "export\n")
    }

    @Test func packetReaderTakesCodecSizeAndHeaderFromMatroskaAlone() throws {
        let root = Support.scratch("export-reader")
        defer { Support.remove(root) }
        let (session, written) = try Self.record(root, frames: 4, cameras: [
            ("cam1", .x264, .yuv420p, { _ in true }), ("cam2", .ffv1, .yuv420p, { _ in true }), ("cam3", .raw, .nv12, { _ in true }),
        ])
        for (camera, codec) in [("cam1", VideoCodec.x264), ("cam2", .ffv1), ("cam3", .raw)] {
            let reader = try PacketReader(path: try CameraFiles(directory: session, camera: camera).videos()[0])
            #expect(reader.codec == codec, "\(camera)")
            #expect(reader.width == 64 && reader.height == 48, "\(camera): \(reader.width)x\(reader.height)")
            #expect(reader.all().count == 4, "\(camera)")
            let parameters = try #require(reader.streamParameters(), "\(camera)")
            #expect(parameters.codec == codec && parameters.width == 64 && parameters.height == 48)
            let encoder = try #require(written[camera])
            switch codec {
            case .x264:
                // Matroska keeps H.264's header as avcC (version 1, then the SPS/PPS with lengths):
                // every NAL unit the encoder gave (Annex B) is in it, byte for byte.
                #expect(reader.extradata.first == 1, "avcC")
                let units = Self.nalUnits(encoder.extradata)
                #expect(units.count >= 2, "SPS and PPS from x264")
                for unit in units {
                    #expect(reader.extradata.firstRange(of: unit) != nil, "NAL type \(unit[0] & 0x1f) in the file's avcC")
                }
            case .ffv1, .raw:
                #expect(reader.extradata == encoder.extradata, "\(camera): the header as the encoder gave it")
            }
        }
    }

    @Test func caliscopeGetsABlackVideoWithRowsForACameraThatRecordedNothing() throws {
        let root = Support.scratch("export-blank")
        defer { Support.remove(root) }
        let (session, _) = try Self.record(root, frames: 12, cameras: [
            ("cam1", .x264, .yuv420p, { _ in true }), ("cam2", .ffv1, .yuv420p, { $0 != 4 }), ("cam3", .x264, .yuv420p, { _ in false }),
        ])
        #expect(try CameraFiles(directory: session, camera: "cam3").videos().isEmpty, "cam3 has a sidecar and no video")
        let out = root + "/cal"
        let report = try SessionExporter.export(sessionDirectory: session, tool: .caliscope, to: out)
        let folder = out + "/recordings/s"
        // Caliscope's rule: a cam_N.mp4 for every camera and no other .mp4.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".mp4") }.sorted()
            == ["cam_1.mp4", "cam_2.mp4", "cam_3.mp4"])
        #expect(report.videos.map(\.method) == ["remuxed", "re-encoded", "black"])
        #expect(report.videos.last?.frames == 12 && report.videos.last?.filled == 12)
        #expect(try Support.probeFrameCount(folder + "/cam_3.mp4") == 12)
        #expect(try Self.probe(folder + "/cam_3.mp4", "width,height") == "64,48")
        let levels = try ExportTests.lumas(folder + "/cam_3.mp4")
        #expect(levels.count == 12 && levels.allSatisfy { ExportTests.near($0, 16) }, "\(levels)")
        // Its rows: one per index at Tn, parsed back; the other cameras' rows are their frames.
        let schedule = FrameSchedule(start: Support.epoch, rate: Self.rate)
        var rows: [Int: [(Int64, String)]] = [:]
        for line in Support.read(folder + "/timestamps.csv").split(separator: "\n").dropFirst() {
            let cells = line.split(separator: ",")
            rows[Int(cells[1])!, default: []].append((Int64(cells[0])!, String(cells[2])))
        }
        #expect(rows[3]?.map { $0.0 } == Array(0..<12))
        for (index, time) in rows[3] ?? [] {
            let ns = try schedule.deadline(of: index).nanosecondsSinceEpoch
            #expect(time == "\(ns / 1_000_000_000).\(String(ns % 1_000_000_000).leftPadded(9))")
        }
        #expect(rows[1]?.count == 12 && rows[2]?.map { $0.0 } == [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11])
        // The export's frameset table says why cam3 has no frame anywhere.
        let table = Support.read(folder + "/framesets.csv").split(separator: "\n").dropFirst()
        #expect(table.count == 12 && table.allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false)[7] == "dropped" })
    }

    @Test(arguments: [ExportTool.caliscope, .freemocap])
    func nv12RecordingsAreExportedAsYUV420pWithTheirChroma(tool: ExportTool) throws {
        let root = Support.scratch("export-nv12-\(tool)")
        defer { Support.remove(root) }
        // Raw NV12 (decoded back as NV12, so the export converts it); frame 3 dropped.
        let (session, _) = try Self.record(root, frames: 8, cameras: [("cam1", .raw, .nv12, { $0 != 3 })])
        #expect(try RecordingReader(path: try CameraFiles(directory: session, camera: "cam1").videos()[0], records: []).readAll().first?.frame.layout == .nv12)
        let out = root + "/x"
        let report = try SessionExporter.export(sessionDirectory: session, tool: tool, to: out)
        #expect(report.videos.map(\.method) == ["re-encoded"])
        let path = report.videos[0].path
        #expect(try Self.probe(path, "codec_name,pix_fmt") == "h264,yuv420p")
        let expected: [Int64] = tool == .caliscope ? [0, 1, 2, 4, 5, 6, 7] : Array(0..<8)
        #expect(try Support.probeFrameCount(path) == expected.count)
        let frames = try RecordingReader(path: path, records: []).readAll()
        #expect(frames.count == expected.count)
        for (frame, index) in zip(frames.map(\.frame), expected) {
            #expect(frame.layout == .yuv420p)
            let y = Self.mean(frame.planes[0], width: 64, rows: 48)
            let u = Self.mean(frame.planes[1], width: 32, rows: 24), v = Self.mean(frame.planes[2], width: 32, rows: 24)
            if index == 3 {
                #expect(ExportTests.near(y, 16) && ExportTests.near(u, 128) && ExportTests.near(v, 128), "filler \(y) \(u) \(v)")
            } else {
                // U and V de-interleaved into their planes, not swapped or mixed.
                #expect(ExportTests.near(y, ExportTests.luma(index)) && ExportTests.near(u, 90) && ExportTests.near(v, 170), "index \(index): Y \(y) U \(u) V \(v)")
            }
        }
    }

    @Test func anExistingFileIsNeverReplaced() throws {
        let root = Support.scratch("export-noreplace")
        defer { Support.remove(root) }
        let (session, _) = try Self.record(root, frames: 6, cameras: [("cam1", .x264, .yuv420p, { _ in true }), ("cam2", .ffv1, .yuv420p, { _ in true })])
        let folder = root + "/taken"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        func keep(_ name: String) throws -> String {
            try "keep \(name)".write(toFile: folder + "/" + name, atomically: false, encoding: .utf8)
            return folder + "/" + name
        }
        func kept(_ name: String) -> Bool { Support.read(folder + "/" + name) == "keep \(name)" }
        // Text files (timestamps, frameset tables): placed in one step that refuses a taken name.
        var report = SessionExporter.Report(tool: .caliscope, root: folder, videos: [], files: [])
        let text = try keep("timestamps.csv")
        #expect(throws: MediaError.refusingToOverwrite(path: text, reason: "already exists")) {
            try SessionExporter.write("sync_index,cam_id,frame_time\n", text, &report)
        }
        #expect(kept("timestamps.csv") && report.files.isEmpty)
        // Videos, remuxed and re-encoded: claimed with O_EXCL, and what is there is not removed.
        let inputs = try CameraFiles(directory: session, camera: "cam1").videos()
        let parameters = try PacketRemuxer.check(inputs).get()
        let remuxed = try keep("cam_1.mp4")
        #expect(throws: MediaError.refusingToOverwrite(path: remuxed, reason: "already exists")) {
            try PacketRemuxer.remux(inputs, parameters: parameters, records: [], frameRate: Self.rate,
                                    epoch: Support.epoch, origin: Support.epoch, to: remuxed)
        }
        let encoded = try keep("cam_2.mp4")
        #expect(throws: MediaError.refusingToOverwrite(path: encoded, reason: "already exists")) {
            let files = CameraFiles(directory: session, camera: "cam2")
            return try FrameTranscoder.transcode(try files.videos(), records: try SidecarFormat.parse(Support.read(files.sidecar), path: files.sidecar), frameRate: Self.rate,
                                          fill: 0...5, scheduled: { _ in Support.epoch }, origin: Support.epoch, to: encoded)
        }
        #expect(kept("cam_1.mp4") && kept("cam_2.mp4"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["cam_1.mp4", "cam_2.mp4", "timestamps.csv"], "no temporary file left")
    }

    @Test func racingWritersOfOneNameLeaveExactlyOneWholeFile() throws {
        let root = Support.scratch("export-race")
        defer { Support.remove(root) }
        for round in 0..<5 {
            let path = root + "/framesets-\(round).csv"
            let writers = 8
            let outcomes = Mutex<[Int: Result<Void, MediaError>]>([:])
            DispatchQueue.concurrentPerform(iterations: writers) { writer in
                // Distinct, large contents: a torn or replaced file would show.
                let text = String(repeating: "writer \(writer)\n", count: 20_000)
                let outcome: Result<Void, MediaError>
                do throws(MediaError) { try FileSystem.writeNew(text, to: path); outcome = .success(()) } catch { outcome = .failure(error) }
                outcomes.withLock { $0[writer] = outcome }
            }
            let all = outcomes.withLock { $0 }
            let winners = all.filter { if case .success = $0.value { true } else { false } }.map(\.key)
            #expect(winners.count == 1, "round \(round): \(winners.count) writers succeeded")
            for (writer, outcome) in all where !winners.contains(writer) {
                if case .failure(let error) = outcome { #expect(error == .refusingToOverwrite(path: path, reason: "already exists")) }
            }
            if let winner = winners.first {
                #expect(Support.read(path) == String(repeating: "writer \(winner)\n", count: 20_000), "round \(round): the winner's file, whole")
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).count == 5, "no temporary file left")
    }
}
