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
        #expect(r.status != 0 && r.status != 1)
        #expect(r.stderr.contains("/nonexistent-genlock-session"), "\(r.stderr)")
    }
}
