import Foundation
import GenlockTesting
import Testing

@Suite("genlock camera --camera")
struct CameraNodeCLITests {
    @Test(.enabled(if: CamerasCLITests.noCameraDevices && VirtualCameras.path == nil, "this machine has cameras"), arguments: [
        (["--camera", "libcamera", "--coordinator", "127.0.0.1:9", "--key", "KEY", "--capture", "phase-locked"], "no cameras found (libcamera v"),
        // Recording is wired: --out gets as far as opening the camera.
        (["--camera", "libcamera", "--coordinator", "127.0.0.1:9", "--key", "KEY", "--capture", "phase-locked", "--out", "OUT"],
         "no cameras found (libcamera v"),
        (["--camera", "libcamera:imx708", "--fps", "30", "--frames", "30"], "no cameras found (asked for 'imx708') (libcamera v"),
        // Request-timed capture on libcamera gets as far as the camera too.
        (["--camera", "libcamera", "--capture", "request-timed", "--fps", "30", "--frames", "30"], "no cameras found (libcamera v"),
    ])
    func aPhaseLockedLibcameraNodeWithoutACameraFailsAtOnceWithLibcamerasMessage(arguments: [String], message: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-nodecam-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = dir.appendingPathComponent("rig.key").path
        #expect(try GenlockBinary.run(["keygen", "--out", key]).status == 0)
        let out = dir.appendingPathComponent("rec").path
        let result = try GenlockBinary.run(["camera"] + arguments.map { $0 == "KEY" ? key : $0 == "OUT" ? out : $0 }, timeoutSeconds: 20)
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        // One line, before any connection attempt (libcamera's own logging kept off stderr).
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(result.stderr)")
        #expect(lines.first?.hasPrefix("genlock: error: \(message)") == true, "stderr: \(result.stderr)")
        // Nothing is written before START.
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// No camera needed for phase lock: the synthetic sensor streams on its own crystal and the
    /// real PhaseLockDriver steers it until exposures start on Tn.
    @Test func theSyntheticStreamingSensorIsPhaseLockedAndItsCrystalErrorFound() throws {
        let result = try GenlockBinary.run(
            ["camera", "--synthetic", "--capture", "phase-locked", "--crystal-ppm=-30", "--fps", "30", "--start-in", "300ms", "--frames", "60"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("phase lock locked"), "stdout: \(result.stdout)")
        let summary = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("summary [cam1]: frames ") })
        #expect(summary.contains("frames 60, skipped 0, indices 0...59"), "\(summary)")
        // The controller's estimate of the sensor's frequency error converges on the crystal's.
        let sensor = try #require(summary.range(of: "sensor "), "\(summary)")
        let ppm = try #require(Double(summary[sensor.upperBound...].prefix { $0 != " " }), "\(summary)")
        #expect(abs(ppm + 30) < 3, "\(summary)")
    }

    @Test func withoutACameraOptionTheSyntheticCameraRunsRequestTimed() throws {
        let result = try GenlockBinary.run(["camera", "--fps", "60", "--start-in", "200ms", "--frames", "3"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        // A loaded machine may skip a frame (a wake-up a period late), so assert the run, not its timing.
        #expect(result.stdout.contains("summary [cam1]: frames "), "stdout: \(result.stdout)")
        let indices = result.stdout.split(separator: "\n").compactMap { line -> Int? in
            guard let r = line.range(of: "] frame "), line.hasSuffix("Capture request queued") else { return nil }
            return Int(line[r.upperBound...].split(separator: " ").first ?? "")
        }
        #expect(!indices.isEmpty, "stdout: \(result.stdout)")
        #expect(indices == indices.sorted() && Set(indices).count == indices.count && indices.allSatisfy { (0..<3).contains($0) })
    }
}

/// systemd stops a service with SIGTERM: the node must stop at the next reachable frame and close
/// its recording, exactly as for Ctrl-C.
@Suite("genlock camera stopped by a signal")
struct CameraNodeSignalTests {
    @Test(arguments: [SIGTERM, SIGINT])
    func aSignalStopsARecordingNodeAtTheNextReachableFrameWithItsFileFinalized(signal: Int32) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-sigterm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let node = try CoordinatorProcessTests.Child(
            ["camera", "--synthetic", "--fps", "30", "--start-in", "300ms", "--frames", "100000", "--out", dir.path, "--session", "s",
             "--codec", "ffv1", "--size", "160x120"],
            log: dir.appendingPathComponent("node.log"))
        // Wait (bounded) until it has captured a few frames, then signal it.
        let deadline = Date().addingTimeInterval(30)
        while node.frames.count < 5, node.process.isRunning, Date() < deadline { usleep(50_000) }
        try #require(node.frames.count >= 5, "node: \(node.log)")
        kill(node.process.processIdentifier, signal)
        #expect(node.wait(30) == 0, "node: \(node.log)")
        let name = signal == SIGTERM ? "SIGTERM" : "SIGINT"
        let stop = try #require(node.log.split(separator: "\n").first { $0.contains("\(name): stopping at index ") }, "node: \(node.log)")
        let stopIndex = try #require(Int(stop.split(separator: " ").last ?? ""))
        #expect(node.log.contains("summary [cam1]: frames "))
        // The file is whole: ffprobe decodes exactly the recorded rows, which end just before the stop index.
        let session = dir.appendingPathComponent("s")
        let decoded = try FFprobe.frameCount(session.appendingPathComponent("cam1.mkv").path)
        let rows = try FFprobe.sidecarRows(session.appendingPathComponent("cam1.frames.csv").path)
        let recorded = rows.filter { FFprobe.isRecordedRow($0) }
        #expect(decoded == recorded.count)
        #expect(rows.last.flatMap { Int($0[0]) } == stopIndex - 1)
    }
}
