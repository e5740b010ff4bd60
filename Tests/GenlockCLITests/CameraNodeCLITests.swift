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
