import Foundation
import Testing

@Suite("genlock rig", .serialized)
struct RigCommandTests {
    /// ffprobe's view of a file: PTS of every video packet, in seconds.
    private func ptsList(_ path: String) throws -> [Double] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/ffprobe")
        p.arguments = ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time", "-of", "csv=p=0", path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    }

    @Test func aPhaseLockedRigOfSyntheticSensorsReportsItsExposureSkew() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-rigpl-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try GenlockBinary.run(["rig", "--cameras", "3", "--fps", "30", "--duration", "1500ms", "--out", dir.path, "--session", "s",
                                       "--size", "160x120", "--capture", "phase-locked"], timeoutSeconds: 90)
        #expect(r.status == 0, "stderr: \(r.stderr)\nstdout: \(r.stdout)")
        #expect(r.stdout.contains("exposure-start skew across 3 cameras"), "stdout: \(r.stdout)")
        for cam in ["cam1", "cam2", "cam3"] {
            let log = try String(contentsOf: dir.appendingPathComponent("s/logs/\(cam).log"), encoding: .utf8)
            #expect(log.contains("phase lock locked"), "\(cam): \(log)")
            let pts = try ptsList(dir.appendingPathComponent("s/\(cam).mkv").path)
            #expect(!pts.isEmpty)
        }
    }

    @Test func aShortRigRecordsEveryCameraOverTheSameIndices() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-rigtest-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try GenlockBinary.run(["rig", "--cameras", "3", "--fps", "30", "--duration", "1500ms", "--out", dir.path, "--session", "s", "--size", "320x240"],
                                      timeoutSeconds: 90)
        #expect(r.status == 0, "stderr: \(r.stderr)\nstdout: \(r.stdout)")
        #expect(r.stdout.contains("sync report"))
        #expect(r.stdout.contains("capture-request skew across 3 cameras"))
        let session = dir.appendingPathComponent("s")
        var ranges: [ClosedRange<Int>] = []
        for cam in ["cam1", "cam2", "cam3"] {
            let pts = try ptsList(session.appendingPathComponent("\(cam).mkv").path)
            let sidecar = try String(contentsOf: session.appendingPathComponent("\(cam).frames.csv"), encoding: .utf8)
            let rows = sidecar.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
            let recorded = rows.filter { FFprobe.isRecordedRow($0) }.compactMap { Int($0[0]) }
            // Every recorded sidecar row is a frame in the file, in strictly increasing PTS.
            #expect(pts.count == recorded.count, "\(cam): \(pts.count) packets, \(recorded.count) recorded rows")
            #expect(zip(pts, pts.dropFirst()).allSatisfy { $0 < $1 }, "\(cam): PTS not strictly increasing")
            let all = rows.compactMap { Int($0[0]) }
            ranges.append(try #require(all.min())...(try #require(all.max())))
        }
        // Same first and last index everywhere: frame n means Tn on every camera, and STOP is common.
        #expect(Set(ranges.map(\.lowerBound)).count == 1)
        #expect(Set(ranges.map(\.upperBound)).count == 1)
        #expect(ranges[0].lowerBound == 0)
        let timestamps = try String(contentsOf: session.appendingPathComponent("timestamps.csv"), encoding: .utf8)
        #expect(timestamps.hasPrefix("sync_index,cam_id,frame_time"))
    }

    /// A session name outside the node's rule is refused before anything is written: `..` wrote
    /// the run's logs outside `--out`, over a file there, and its nodes then refused it while the
    /// rig waited for them for good.
    @Test(arguments: ["..", "../escape", "with space", String(repeating: "s", count: 70)])
    func aSessionNameOutsideTheRuleIsRefusedBeforeAnythingIsWritten(session: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-rigname-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let r = try GenlockBinary.run(["rig", "--cameras", "1", "--duration", "1s", "--out", out.path, "--session", session, "--http", "off"], timeoutSeconds: 30)
        #expect(r.status != 0)
        #expect(r.stderr.contains("a session name is"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["out"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).isEmpty)
    }

    /// A session folder already there is an earlier run's: refused, its logs untouched (a second
    /// run's nodes refused the new schedule, the rig exited 0 and the logs were overwritten).
    @Test func anExistingSessionIsRefusedAndKeptAsItWas() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-rigagain-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let logs = dir.appendingPathComponent("s/logs")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        try "the first run\n".write(to: logs.appendingPathComponent("cam1.log"), atomically: true, encoding: .utf8)
        let r = try GenlockBinary.run(["rig", "--cameras", "1", "--duration", "1s", "--out", dir.path, "--session", "s", "--http", "off"], timeoutSeconds: 30)
        #expect(r.status != 0)
        #expect(r.stderr.contains("already holds a session"), "\(r.stderr)")
        #expect(try String(contentsOf: logs.appendingPathComponent("cam1.log"), encoding: .utf8) == "the first run\n")
    }

    /// SIGTERM (systemctl stop, timeout, docker stop) stops the rig as Ctrl-C does: a common stop
    /// index, every node's files finished, exit 0 (it exited 143 with the nodes left recording).
    @Test func sigtermStopsTheRigOnACommonIndexWithTheSessionWhole() throws {
        let (dir, rig) = try recordingRig("rigterm", duration: "60s")
        defer { try? FileManager.default.removeItem(at: dir) }
        kill(rig.process.processIdentifier, SIGTERM)
        #expect(rig.wait(60) == 0, "\(rig.log)")
        #expect(rig.log.contains("STOP: stop index") && !rig.log.contains("cam1: no recording"), "\(rig.log)")
        let verify = try GenlockBinary.run(["session", "verify", dir.appendingPathComponent("s").path])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)\n\(rig.log)")
    }

    /// A node lost mid-run: the others record on, and the rig's exit status says the session is
    /// not whole (it exited 0).
    @Test func aNodeLostMidRunMakesTheRigExitOne() throws {
        let (dir, rig) = try recordingRig("riglost", duration: "6s")
        defer { try? FileManager.default.removeItem(at: dir) }
        let killer = Process()
        killer.executableURL = URL(fileURLWithPath: "/usr/bin/pkill")
        killer.arguments = ["-KILL", "-f", "name cam2 .*\(dir.lastPathComponent)"]
        try killer.run()
        killer.waitUntilExit()
        #expect(killer.terminationStatus == 0, "cam2's node was found and killed")
        #expect(rig.wait(90) == 1, "\(rig.log)")
        #expect(rig.log.contains("camera node cam2 exited with status 9"), "\(rig.log)")
    }

    /// A rig of two cameras recording into a new folder (`genlock-<tag>-…`, session `s`), once it
    /// has recorded its first 30 frames.
    private func recordingRig(_ tag: String, duration: String) throws -> (URL, CoordinatorProcessTests.Child) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-\(tag)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let rig = try CoordinatorProcessTests.Child(["rig", "--cameras", "2", "--duration", duration, "--out", dir.path, "--session", "s",
                                                     "--size", "160x120", "--http", "off"], log: dir.appendingPathComponent("rig.log"))
        let deadline = Date().addingTimeInterval(60)
        while !rig.log.contains("recording: frame 30,"), rig.process.isRunning, Date() < deadline { usleep(50_000) }
        #expect(rig.log.contains("recording: frame 30,"), "\(rig.log)")
        return (dir, rig)
    }
}
