import Foundation
import Testing

/// `genlock framesets --follow`: started before a recording, it prints every frameset while the
/// sidecars grow and ends by itself when the session's end is known; its lines are the ones the
/// finished session's framesets.csv gives.
@Suite("genlock framesets --follow") struct FramesetsFollowCLITests {
    /// A `genlock` child running in the background, its output in files.
    final class Background {
        let process = Process()
        let out: URL
        let err: URL

        init(_ arguments: [String]) throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-bg-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            out = dir.appendingPathComponent("stdout")
            err = dir.appendingPathComponent("stderr")
            _ = FileManager.default.createFile(atPath: out.path, contents: nil)
            _ = FileManager.default.createFile(atPath: err.path, contents: nil)
            process.executableURL = GenlockBinary.url
            process.arguments = arguments
            process.standardOutput = try FileHandle(forWritingTo: out)
            process.standardError = try FileHandle(forWritingTo: err)
            try process.run()
        }

        var stdout: String { (try? String(contentsOf: out, encoding: .utf8)) ?? "" }
        var stderr: String { (try? String(contentsOf: err, encoding: .utf8)) ?? "" }

        /// Waits for the exit, at most `seconds` (then kills it); nil when it had to be killed.
        func wait(seconds: Double) -> Int32? {
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning, Date() < deadline { usleep(10_000) }
            guard !process.isRunning else {
                process.terminate()
                process.waitUntilExit()
                return nil
            }
            return process.terminationStatus
        }

        deinit { try? FileManager.default.removeItem(at: out.deletingLastPathComponent()) }
    }

    static func scratch() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("genlock-follow-\(UUID().uuidString)").path
    }

    static func framesetLines(_ text: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { $0.hasPrefix("frameset ") && !$0.hasPrefix("framesets ") }
    }

    /// Two cameras' sidecars written row by row by the test, each row in two writes (so the
    /// follower reads half rows), cam2 dropping 3 and leaving after 6; then summary.csv.
    @Test func growingSidecarsGiveTheFinalFramesetsAndTornRowsAreNeverMisread() throws {
        let session = Self.scratch()
        try FileManager.default.createDirectory(atPath: session, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: session) }
        let header = "index,scheduled_realtime_ns,sensor_monotonic_ns,sensor_realtime_ns,exposure_ns,wake_error_ns,realtime_lateness_ns,flags\n"
        var handles: [FileHandle] = []
        for camera in ["cam1", "cam2"] {
            let path = session + "/\(camera).frames.csv"
            _ = FileManager.default.createFile(atPath: path, contents: Data(header.utf8))
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seekToEnd()
            handles.append(handle)
        }
        let follow = try Background(["framesets", session, "--follow", "--wait", "30s"])
        let t0: Int64 = 1_700_000_000_000_000_000
        for index in 0..<10 {
            let tn = t0 + Int64(index) * 33_333_333
            for (c, handle) in handles.enumerated() {
                if c == 1, index > 6 { continue }
                let flags = c == 1 && index == 3 ? "dropped" : ""
                let row = "\(index),\(tn),,,1000,,,\(flags)\n"
                let cut = row.index(row.startIndex, offsetBy: 5)
                try handle.write(contentsOf: Data(row[..<cut].utf8))
                usleep(30_000)  // longer than the follower's poll: it sees the half row
                try handle.write(contentsOf: Data(row[cut...].utf8))
            }
        }
        for handle in handles { try handle.close() }
        usleep(50_000)
        // The recorder's last act: the session's summary (newer than every sidecar).
        try "camera,cam_id,frames_recorded\n".write(toFile: session + "/summary.csv", atomically: false, encoding: .utf8)
        let status = follow.wait(seconds: 30)
        #expect(status == 1, "partial framesets exit 1 (status \(String(describing: status))): \(follow.stdout) \(follow.stderr)")
        let live = Self.framesetLines(follow.stdout)
        #expect(live.count == 10, "\(follow.stdout)")
        #expect(live.contains("frameset 3: partial (cam2 dropped)"))
        #expect(live.contains("frameset 9: partial (cam2 absent)"))
        // The same session read whole afterwards.
        let final = try GenlockBinary.run(["framesets", session])
        #expect(live == Self.framesetLines(final.stdout))
    }

    /// A real recording followed while it runs; the JSON lines equal the finished session's.
    @Test func aRecordingInProgressIsFollowedToItsEnd() throws {
        let root = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let session = root + "/s"
        try FileManager.default.createDirectory(atPath: session, withIntermediateDirectories: true)
        let follow = try Background(["framesets", session, "--follow", "--json", "--wait", "30s"])
        let record = try GenlockBinary.run([
            "record", "--synthetic", "--fps", "30", "--start-in", "300ms", "--frames", "30", "--out", root, "--session", "s",
            "--codec", "raw", "--size", "64x48", "--pixel-format", "gray8", "--flush-interval", "50ms", "--quiet",
        ])
        #expect(record.status == 0, "\(record.stderr)")
        let status = follow.wait(seconds: 30)
        #expect(status != nil, "follow ends by itself once summary.csv is written: \(follow.stderr)")
        let live = follow.stdout.split(separator: "\n").map(String.init)
        let final = try GenlockBinary.run(["framesets", session, "--json"])
        #expect(live.count == 30)
        #expect(live == final.stdout.split(separator: "\n").map(String.init), "\(follow.stdout)")
    }

    /// A session whose end never comes (no rows, no summary): SIGINT ends the follow, summary printed.
    @Test func sigintEndsAFollowThatWouldOtherwiseWait() throws {
        let session = Self.scratch()
        try FileManager.default.createDirectory(atPath: session, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: session) }
        let follow = try Background(["framesets", session, "--follow"])
        usleep(500_000)
        #expect(follow.process.isRunning, "nothing tells it the session ended: \(follow.stderr)")
        kill(follow.process.processIdentifier, SIGINT)
        let status = follow.wait(seconds: 10)
        #expect(status == 0, "\(follow.stdout) \(follow.stderr)")
        #expect(follow.stdout.contains("framesets 0: complete 0, partial 0 (stopped before the session ended)"), "\(follow.stdout)")
    }

    @Test func aMissingFolderIsABadArgument() throws {
        let r = try GenlockBinary.run(["framesets", "/nonexistent-genlock-follow", "--follow"])
        #expect(r.status != 0 && r.status != 1)
        #expect(r.stderr.contains("/nonexistent-genlock-follow"), "\(r.stderr)")
    }
}
