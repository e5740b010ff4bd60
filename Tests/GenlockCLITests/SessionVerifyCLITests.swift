import Foundation
import Testing

/// `genlock session verify`: a fresh recording is consistent; each hand-made corruption is named.
@Suite("genlock session verify") struct SessionVerifyCLITests {
    func record(_ root: String) throws -> String {
        let r = try GenlockBinary.run([
            "record", "--synthetic", "--fps", "30", "--start-in", "200ms", "--frames", "12", "--out", root, "--session", "s",
            "--codec", "ffv1", "--size", "160x120", "--quiet",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        return root + "/s"
    }

    func scratch() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("genlock-verify-\(UUID().uuidString)").path
    }

    @Test func aFreshRecordingIsConsistent() throws {
        let root = scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let session = try record(root)
        let r = try GenlockBinary.run(["session", "verify", session])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("is consistent"))
        #expect(r.stdout.contains("camera cam1: recorded"))
    }

    @Test func aSidecarRowRemovedIsNamed() throws {
        let root = scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let session = try record(root)
        let path = session + "/cam1.frames.csv"
        var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        lines.remove(at: 5)  // the row of index 4
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let r = try GenlockBinary.run(["session", "verify", session])
        #expect(r.status == 1)
        #expect(r.stdout.contains("PROBLEM \(path): video holds"), "\(r.stdout)")
        #expect(r.stdout.contains("frames whose PTS matches no sidecar row"), "\(r.stdout)")
        #expect(r.stdout.contains("summary.csv: cam1: says recorded"), "\(r.stdout)")
    }

    @Test func aTruncatedVideoAndAWrongTimestampFileAreNamed() throws {
        let root = scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let session = try record(root)
        let video = session + "/cam1.mkv"
        let data = try Data(contentsOf: URL(fileURLWithPath: video))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: video))
        try "# timecode format v2\n0.000\n".write(toFile: session + "/cam1.pts.txt", atomically: true, encoding: .utf8)
        let r = try GenlockBinary.run(["session", "verify", session])
        #expect(r.status == 1)
        #expect(r.stdout.contains("PROBLEM \(video)") || r.stdout.contains("not in the video"), "\(r.stdout)")
        #expect(r.stdout.contains("cam1.pts.txt: does not match the sidecar: 1 timestamps for"), "\(r.stdout)")
    }

    @Test func aFolderThatIsNotASessionIsABadArgument() throws {
        let r = try GenlockBinary.run(["session", "verify", "/nonexistent-genlock-session"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("/nonexistent-genlock-session"), "\(r.stderr)")
        let root = scratch()
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let empty = try GenlockBinary.run(["session", "verify", root])
        #expect(empty.status == 2 && empty.stderr == "genlock: error: \(root) holds no camera sidecars (<camera>.frames.csv): not a session folder\n", "\(empty.stderr)")
    }

    /// A camera whose sidecar is lost is found by its other files: verify names them, framesets
    /// says it is in none, export and the analyzer refuse (each used to drop it silently, and
    /// verify then called the session consistent).
    @Test func aCameraWithoutItsSidecarIsNamedNotDropped() throws {
        let root = scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let session = try record(root)
        try FileManager.default.copyItem(atPath: session + "/cam1.mkv", toPath: session + "/cam2.mkv")
        let verify = try GenlockBinary.run(["session", "verify", session])
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("PROBLEM \(session)/cam2.mkv: no sidecar cam2.frames.csv"), "\(verify.stdout)")
        #expect(!verify.stderr.contains("ExitCode"), "\(verify.stderr)")
        let framesets = try GenlockBinary.run(["framesets", session, "--quiet"])
        #expect(framesets.status == 1)
        #expect(framesets.stderr.contains("warning: cam2.mkv belongs to cam2, which has no sidecar"), "\(framesets.stderr)")
        #expect(!framesets.stderr.contains("ExitCode"), "\(framesets.stderr)")
        let export = try GenlockBinary.run(["session", "export", session, "--to", "caliscope", "--out", root + "/export"])
        #expect(export.status != 0 && export.stderr.contains("cam2.mkv belongs to cam2"), "\(export.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root + "/export"))
        try FileManager.default.removeItem(atPath: session + "/cam2.mkv")
        #expect(try GenlockBinary.run(["session", "verify", session]).status == 0)
    }

    /// Caliscope pairs frames by `timestamps.csv`: a wrong row there is a problem.
    @Test func aWrongTimestampsFileIsNamed() throws {
        let root = scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let session = try record(root)
        let path = session + "/timestamps.csv"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n")
        try #require(lines.count > 2 && lines[1].hasPrefix("0,1,"))
        try text.replacingOccurrences(of: lines[1], with: "0,7," + lines[1].dropFirst(4)).write(toFile: path, atomically: true, encoding: .utf8)
        let r = try GenlockBinary.run(["session", "verify", session])
        #expect(r.status == 1)
        #expect(r.stdout.contains("PROBLEM \(path): does not match the sidecars"), "\(r.stdout)")
    }
}
