import Foundation
import Testing

/// `genlock session export`: a fresh recording exported for each tool opens in ffprobe; bad
/// requests exit non-zero naming what is wrong.
@Suite("genlock session export") struct SessionExportCLITests {
    static func record(_ root: String) throws -> String {
        let r = try GenlockBinary.run([
            "record", "--synthetic", "--fps", "30", "--start-in", "200ms", "--frames", "12", "--out", root, "--session", "s",
            "--codec", "x264", "--size", "160x120", "--segment", "200ms", "--quiet",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        return root + "/s"
    }

    static func scratch() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("genlock-export-\(UUID().uuidString)").path
    }

    @Test func eachToolsExportOfARecordingOpensWithEveryFrame() throws {
        let root = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let session = try Self.record(root)
        let expected: [String: String] = [
            "caliscope": "/recordings/s/cam_1.mp4", "anipose": "/s/videos-raw/s-cam1.mp4", "freemocap": "/s/synchronized_videos/cam1.mp4",
        ]
        // Under load the synthetic camera may drop or skip a frame: the counts come from the sidecar.
        let rows = try FFprobe.sidecarRows(session + "/cam1.frames.csv")
        let recorded = rows.count(where: FFprobe.isRecordedRow)
        let indices = Int(rows.last![0])! - Int(rows.first![0])! + 1
        #expect(indices == 12)
        for (tool, video) in expected.sorted(by: { $0.key < $1.key }) {
            let r = try GenlockBinary.run(["session", "export", session, "--to", tool])
            #expect(r.status == 0, "\(tool): \(r.stdout) \(r.stderr)")
            let out = session + "-" + tool
            // Caliscope: the camera's own frames; the others: one frame per index, fillers included.
            #expect(try FFprobe.frameCount(out + video) == (tool == "caliscope" ? recorded : indices), "\(tool) \(r.stdout)")
            #expect(r.stdout.contains("exported for \(tool) into \(out)"))
        }
        // The same export again: the folder is in use now.
        let again = try GenlockBinary.run(["session", "export", session, "--to", "freemocap"])
        #expect(again.status != 0)
        #expect(again.stderr.contains("\(session)-freemocap exists and is not empty"), "\(again.stderr)")
        // The session still verifies: nothing in it was touched.
        #expect(try GenlockBinary.run(["session", "verify", session]).status == 0)
    }

    @Test func badInputExitsNonZeroNamingTheProblem() throws {
        let root = Self.scratch()
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let notSession = try GenlockBinary.run(["session", "export", root, "--to", "caliscope", "--out", root + "-x"])
        #expect(notSession.status != 0)
        #expect(notSession.stderr.contains("not a session folder"), "\(notSession.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root + "-x"))
        let unknown = try GenlockBinary.run(["session", "export", root, "--to", "blender"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("unknown export tool 'blender'"), "\(unknown.stderr)")
    }

    /// A video cut short (here its last segment lost): the export's framesets.csv says the lost
    /// frames are absent (it used to call them present, beside a video without them), Caliscope's
    /// timestamps.csv lists only the frames its video holds, and the export warns naming them.
    @Test func framesLostFromTheVideoAreAbsentInTheExport() throws {
        let root = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let session = try Self.record(root)
        let segments = try FileManager.default.contentsOfDirectory(atPath: session).filter { $0.hasPrefix("cam1-") && $0.hasSuffix(".mkv") }.sorted()
        let lastSegment = try #require(segments.last)
        try FileManager.default.removeItem(atPath: session + "/" + lastSegment)
        for tool in ["caliscope", "anipose"] {
            let out = root + "/" + tool
            let r = try GenlockBinary.run(["session", "export", session, "--to", tool, "--out", out])
            #expect(r.status == 0, "\(tool): \(r.stderr)")
            #expect(r.stderr.contains("warning: cam1:") && r.stderr.contains("not in its video"), "\(r.stderr)")
            let framesets = try String(contentsOfFile: out + (tool == "caliscope" ? "/recordings/s" : "/s") + "/framesets.csv", encoding: .utf8)
                .split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
            #expect(framesets.count == 12, "\(tool): one row per index of the session")
            let present = framesets.filter { $0[3] == "present" }.count
            #expect(present > 0 && framesets.contains { $0[3] == "absent" }, "\(tool): \(framesets)")
            let video = out + (tool == "caliscope" ? "/recordings/s/cam_1.mp4" : "/s/videos-raw/s-cam1.mp4")
            if tool == "caliscope" {
                #expect(try FFprobe.frameCount(video) == present)
                let timestamps = try String(contentsOfFile: out + "/recordings/s/timestamps.csv", encoding: .utf8).split(separator: "\n").dropFirst()
                #expect(timestamps.count == present)
            } else {
                #expect(try FFprobe.frameCount(video) == 12)
            }
        }
    }

    /// A failed export leaves nothing behind: its half-made folder was refused as "not empty"
    /// when the export was tried again.
    @Test func aFailedExportLeavesNothingBehind() throws {
        let root = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let session = try Self.record(root)
        // No frame of the session decodes: anipose cannot size its black frames.
        for name in try FileManager.default.contentsOfDirectory(atPath: session) where name.hasSuffix(".mkv") {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: session + "/" + name))
            try handle.truncate(atOffset: 100)
            try handle.close()
        }
        let out = root + "/export"
        let failed = try GenlockBinary.run(["session", "export", session, "--to", "anipose", "--out", out])
        #expect(failed.status != 0, "\(failed.stdout)")
        #expect(!FileManager.default.fileExists(atPath: out), "the failed export left \(out)")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let intoEmpty = try GenlockBinary.run(["session", "export", session, "--to", "anipose", "--out", out])
        #expect(intoEmpty.status != 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).isEmpty, "an empty folder given is kept, and left empty")
    }
}
