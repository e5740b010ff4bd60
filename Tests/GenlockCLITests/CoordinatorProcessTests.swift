import Foundation
import Testing

/// Real processes on loopback: a coordinator and synthetic camera nodes.
@Suite("coordinator and camera nodes on loopback", .serialized)
struct CoordinatorProcessTests {
    final class Child {
        let process = Process()
        let logURL: URL
        init(_ args: [String], log: URL, executable: URL = GenlockBinary.url) throws {
            logURL = log
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            process.executableURL = executable
            process.arguments = args
            let handle = try FileHandle(forWritingTo: log)
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
        }
        /// Waits at most `seconds`, then kills.
        func wait(_ seconds: Double) -> Int32 {
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning, Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            return process.terminationStatus
        }
        var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }
        /// Waits (at most `seconds`) until the log contains `text`.
        func waitFor(_ text: String, seconds: Double) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if log.contains(text) { return true }
                usleep(50_000)
            }
            return false
        }
        /// Frame indices logged as captured.
        var frames: [Int] {
            log.split(separator: "\n").compactMap { line in
                guard let r = line.range(of: "] frame "), line.hasSuffix("Capture request queued") else { return nil }
                return Int(line[r.upperBound...].split(separator: " ").first ?? "")
            }
        }
    }

    func makeRig(port: Int, cameras: [String]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-rig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let keygen = try GenlockBinary.run(["keygen", "--out", dir.appendingPathComponent("rig.key").path])
        #expect(keygen.status == 0)
        let yaml = """
            cameras: [\(cameras.joined(separator: ", "))]
            fps: 30
            lead: 1s
            stopMargin: 300ms
            key: rig.key
            listen: 127.0.0.1:\(port)
            """
        try yaml.write(to: dir.appendingPathComponent("rig.yaml"), atomically: true, encoding: .utf8)
        return dir
    }

    private func camera(_ name: String, dir: URL, port: Int, key: String = "rig.key", suffix: String = "") throws -> Child {
        try Child(["camera", "--synthetic", "--name", name, "--coordinator", "127.0.0.1:\(port)", "--key", dir.appendingPathComponent(key).path,
                   "--ptp-uds", dir.appendingPathComponent("no-ptp4l").path, "--coordinator-timeout", "5s"],
                  log: dir.appendingPathComponent("\(name)\(suffix).log"))
    }

    @Test func threeNodesCoverTheSameIndicesAndEndOnTheSameStopIndex() throws {
        let port = Int.random(in: 20_000...40_000)
        let dir = try makeRig(port: port, cameras: ["cam1", "cam2", "cam3"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let coord = try Child(["coordinator", "--config", dir.appendingPathComponent("rig.yaml").path, "--no-ptp-gate", "--duration", "2s"],
                              log: dir.appendingPathComponent("coordinator.log"))
        usleep(300_000)
        // cam3 takes its settings from a node file (relative paths resolve against its folder).
        let node = """
            name: cam3
            coordinator: 127.0.0.1:\(port)
            key: rig.key
            ptpSocket: no-ptp4l
            coordinatorTimeout: 5s
            """
        try node.write(to: dir.appendingPathComponent("cam3.yaml"), atomically: true, encoding: .utf8)
        let cam3 = try Child(["camera", "--synthetic", "--config", dir.appendingPathComponent("cam3.yaml").path], log: dir.appendingPathComponent("cam3.log"))
        let cams = try ["cam1", "cam2"].map { try camera($0, dir: dir, port: port) } + [cam3]
        #expect(coord.wait(30) == 0, "coordinator: \(coord.log)")
        for c in cams { #expect(c.wait(10) == 0, "camera: \(c.log)") }
        let stopLine = try #require(coord.log.split(separator: "\n").first { $0.contains("STOP: stop index") })
        let stop = try #require(Int(stopLine.split(separator: " ").last ?? ""))
        for c in cams {
            let f = c.frames
            #expect(f.first == 0, "\(c.log)")
            #expect(f.last == stop - 1)
            #expect(f == Array(0..<stop) || c.log.contains("skipped"))
            #expect(f == f.sorted())
        }
        #expect(coord.log.contains("cam1: "))
        // Each node ran the doctor's quick checks at launch and the coordinator showed the verdict.
        for name in ["cam1", "cam2", "cam3"] { #expect(coord.log.contains("\(name) preflight: 6 checks: "), "coordinator: \(coord.log)") }
    }

    @Test func aNodeKilledAndRestartedRejoinsOnTheRightIndex() throws {
        let port = Int.random(in: 20_000...40_000)
        let dir = try makeRig(port: port, cameras: ["cam1", "cam2"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let coord = try Child(["coordinator", "--config", dir.appendingPathComponent("rig.yaml").path, "--no-ptp-gate", "--duration", "4s"],
                              log: dir.appendingPathComponent("coordinator.log"))
        usleep(300_000)
        let cam1 = try camera("cam1", dir: dir, port: port)
        let cam2 = try camera("cam2", dir: dir, port: port)
        // Let it record some frames (a loaded machine starts processes slowly: wait for them, up to
        // 10 s, rather than for a fixed time), then kill cam2 hard and start it again.
        for _ in 0..<100 where cam2.frames.count < 10 { usleep(100_000) }
        kill(cam2.process.processIdentifier, SIGKILL)
        _ = cam2.wait(5)
        let before = cam2.frames
        let again = try camera("cam2", dir: dir, port: port, suffix: "-restarted")
        #expect(coord.wait(30) == 0, "coordinator: \(coord.log)")
        #expect(cam1.wait(10) == 0)
        #expect(again.wait(10) == 0, "restarted: \(again.log)")
        let after = again.frames
        let all1 = cam1.frames
        let lastBefore = try #require(before.last, "the killed node recorded nothing: \(cam2.log)")
        let firstAfter = try #require(after.first, "the restarted node recorded nothing: \(again.log)")
        // The restarted node never repeats or renumbers: it resumes after the gap, on the indices
        // whose deadlines were still ahead, and ends on the same frame as the node that stayed up.
        #expect(firstAfter > lastBefore)
        #expect(after.last == all1.last)
        #expect(Set(after).isSubset(of: Set(all1)))
        #expect(again.log.contains("START"))
    }

    @Test func aNodeThatLosesTheCoordinatorKeepsRecordingUntilItsTimeout() throws {
        let port = Int.random(in: 20_000...40_000)
        let dir = try makeRig(port: port, cameras: ["cam1"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let coord = try Child(["coordinator", "--config", dir.appendingPathComponent("rig.yaml").path, "--no-ptp-gate"],
                              log: dir.appendingPathComponent("coordinator.log"))
        usleep(300_000)
        let cam = try Child(["camera", "--synthetic", "--name", "cam1", "--coordinator", "127.0.0.1:\(port)", "--key", dir.appendingPathComponent("rig.key").path,
                             "--ptp-uds", dir.appendingPathComponent("no-ptp4l").path, "--coordinator-timeout", "1500ms"],
                            log: dir.appendingPathComponent("cam1.log"))
        usleep(1_800_000)  // past T0 (lead 1 s)
        kill(coord.process.processIdentifier, SIGKILL)
        _ = coord.wait(5)
        let atLoss = cam.frames.count
        #expect(cam.wait(15) == 0, "camera: \(cam.log)")
        let frames = cam.frames
        // It went on recording after the coordinator died, then stopped by itself, keeping every frame.
        #expect(frames.count > atLoss + 20)
        #expect(frames == Array(0..<frames.count) || cam.log.contains("skipped"))
        #expect(cam.log.contains("coordinator connection: "))
        #expect(cam.log.contains("frames recorded so far are kept"))
    }

    @Test func aNodeWithTheWrongKeyIsRejectedAndLogged() throws {
        let port = Int.random(in: 20_000...40_000)
        let dir = try makeRig(port: port, cameras: ["cam1"])
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try GenlockBinary.run(["keygen", "--out", dir.appendingPathComponent("wrong.key").path]).status == 0)
        let coord = try Child(["coordinator", "--config", dir.appendingPathComponent("rig.yaml").path, "--no-ptp-gate"],
                              log: dir.appendingPathComponent("coordinator.log"))
        usleep(300_000)
        let intruder = try camera("cam1", dir: dir, port: port, key: "wrong.key")
        usleep(1_500_000)
        kill(intruder.process.processIdentifier, SIGKILL)
        _ = intruder.wait(5)
        kill(coord.process.processIdentifier, SIGINT)
        #expect(coord.wait(10) == 0)
        #expect(coord.log.contains("failed authentication"))
        #expect(!coord.log.contains("START:"))
        #expect(intruder.frames.isEmpty)
        // keygen refuses to overwrite an existing key.
        let again = try GenlockBinary.run(["keygen", "--out", dir.appendingPathComponent("wrong.key").path])
        #expect(again.status != 0)
        #expect(again.stderr.contains("already exists"))
    }

    @Test func rigFileErrorsNameTheField() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-badrig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (yaml, field) in [("cameras: [a]\nfps: 0\nkey: k", "fps"), ("cameras: []\nfps: 30\nkey: k", "cameras"),
                              ("cameras: [a]\nfps: 30\nkey: k\nlead: soon", "lead"), ("cameras: [a]\nfps: 30", "key"),
                              ("cameras: [a]\nfps: 30\nkey: k\nfpz: 3", "fpz"), ("cameras: [a, a]\nfps: 30\nkey: k", "cameras[1]"),
                              ("cameras: [a]\nfps: 30\nfps: 60\nkey: k", "(file) (line 2): not valid YAML: 'fps' set more than once")] {
            let path = dir.appendingPathComponent("rig.yaml").path
            try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            let r = try GenlockBinary.run(["coordinator", "--config", path])
            #expect(r.status != 0)
            #expect(r.stderr.contains(field), "\(yaml) → \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1)
        }
    }

    @Test func nodeFileErrorsNameTheFieldAndLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-badnode-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (yaml, field) in [("name: cam 1", "name (line 1)"), ("name: a\ncoordinator: nohost", "coordinator (line 2)"),
                              ("codec: h265", "codec"), ("size: 10x10", "size (line 1)"), ("joinMargin: -5ms", "joinMargin"),
                              ("coordinatorTimeout: 0s", "coordinatorTimeout"), ("nmae: a", "nmae"), ("[1, 2]", "(file)"),
                              ("name: a\nname: b", "(file) (line 1): not valid YAML: 'name' set more than once")] {
            let path = dir.appendingPathComponent("node.yaml").path
            try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            let r = try GenlockBinary.run(["camera", "--synthetic", "--config", path])
            #expect(r.status != 0)
            #expect(r.stderr.contains(field), "\(yaml) → \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1)
        }
        let missing = try GenlockBinary.run(["camera", "--synthetic", "--config", dir.appendingPathComponent("absent.yaml").path])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("cannot read"))
    }
}
