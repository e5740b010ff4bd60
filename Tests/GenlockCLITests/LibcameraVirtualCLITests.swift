import Foundation
import GenlockTesting
import Testing

/// The real `genlock` on real libcamera frames: the Raspberry Pi fork's virtual pipeline (cameras
/// from ``VirtualCameras``), both capture modes, recording under a real coordinator on loopback.
@Suite(.serialized, .enabled(if: VirtualCameras.path != nil, "libcamera has no virtual pipeline here (built against Debian's 0.0.3)"))
struct LibcameraVirtualCLITests {
    init() throws { try VirtualCameras.install() }

    /// `(decodable frames, recorded sidecar rows, every sidecar index)` of a camera's recording.
    static func recording(_ session: URL, camera: String) throws -> (frames: Int, recorded: Int, indices: [Int]) {
        let frames = try #require(try FFprobe.frameCount(session.appendingPathComponent("\(camera).mkv").path))
        let rows = try FFprobe.sidecarRows(session.appendingPathComponent("\(camera).frames.csv").path)
        return (frames, rows.filter { FFprobe.isRecordedRow($0) }.count, rows.compactMap { Int($0[0]) })
    }

    /// A coordinator (`fps`, stopping after `duration`) and one libcamera node recording under it.
    static func recordUnderCoordinator(capture: String, fps: Int, duration: String) throws -> (node: String, session: URL, dir: URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-lcvirt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        #expect(try GenlockBinary.run(["keygen", "--out", dir.appendingPathComponent("rig.key").path]).status == 0)
        let port = Int.random(in: 20_000...40_000)
        try """
            cameras: [cam1]
            fps: \(fps)
            lead: 1500ms
            stopMargin: 200ms
            key: rig.key
            listen: 127.0.0.1:\(port)
            """.write(to: dir.appendingPathComponent("rig.yaml"), atomically: true, encoding: .utf8)
        let coordinator = try CoordinatorProcessTests.Child(
            ["coordinator", "--config", dir.appendingPathComponent("rig.yaml").path, "--no-ptp-gate", "--duration", duration],
            log: dir.appendingPathComponent("coordinator.log"))
        let node = try CoordinatorProcessTests.Child(
            ["camera", "--camera", "libcamera:\(VirtualCameras.imx708)", "--capture", capture, "--name", "cam1",
             "--coordinator", "127.0.0.1:\(port)", "--key", dir.appendingPathComponent("rig.key").path,
             "--ptp-uds", dir.appendingPathComponent("no-ptp4l").path, "--out", dir.appendingPathComponent("rec").path,
             "--session", "s"],
            log: dir.appendingPathComponent("cam1.log"))
        #expect(coordinator.wait(60) == 0, "coordinator: \(coordinator.log)")
        #expect(node.wait(30) == 0, "node: \(node.log)")
        return (node.log, dir.appendingPathComponent("rec/s"), dir)
    }

    @Test func camerasListsTheVirtualCamerasWithTheirModels() throws {
        let r = try GenlockBinary.run(["cameras"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.split(separator: "\n").contains("\(VirtualCameras.imx708)\timx708"), "stdout: \(r.stdout)")
    }

    @Test func requestTimedStandaloneQueuesOneRequestPerTnAndGetsEveryBufferBack() throws {
        let r = try GenlockBinary.run(
            ["camera", "--camera", "libcamera:\(VirtualCameras.imx708)", "--capture", "request-timed", "--fps", "60", "--start-in", "500ms",
             "--frames", "300"], timeoutSeconds: 60)
        #expect(r.status == 0, "stderr: \(r.stderr)\nstdout: \(r.stdout)")
        #expect(r.stdout.contains("free-running at 2× the rate"), "stdout: \(r.stdout)")
        let summary = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("summary [cam1]: frames ") })
        let words = summary.split(separator: " ")
        let captured = try #require(Int(words[3].trimmingCharacters(in: .punctuationCharacters)))
        let skipped = try #require(Int(words[5].trimmingCharacters(in: .punctuationCharacters)))
        #expect(captured + skipped == 300, "\(summary)")
        // Each capture came back as a frame (the virtual pipeline fills every request).
        #expect(r.stdout.contains("camera frames delivered \(captured), requests dropped 0"), "stdout: \(r.stdout)")
        #expect(r.stdout.contains("camera buffers: 4 of 4 buffers free"), "stdout: \(r.stdout)")
    }

    /// The goal of the issue: ≥ 300 frames through real libcamera into a file whose frame count
    /// equals its sidecar's recorded rows, no buffer leaked.
    @Test func requestTimedRecordingHoldsEveryRecordedRowAsAFrame() throws {
        let (log, session, dir) = try Self.recordUnderCoordinator(capture: "request-timed", fps: 60, duration: "8s")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = try Self.recording(session, camera: "cam1")
        #expect(file.frames == file.recorded, "node: \(log)")
        #expect(file.recorded >= 300, "only \(file.recorded) frames recorded; node: \(log)")
        #expect(file.indices == Array(file.indices.sorted()) && Set(file.indices).count == file.indices.count)
        #expect(log.contains("camera buffers: 4 of 4 buffers free"), "node: \(log)")
    }

    /// The virtual pipeline does not pace frames, so no lock is possible: the node says so, keeps
    /// numbering frames by the nearest Tn, and records them.
    @Test func phaseLockedOnAnUnpacedCameraSaysSoAndStillRecords() throws {
        let (log, session, dir) = try Self.recordUnderCoordinator(capture: "phase-locked", fps: 30, duration: "2s")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(log.contains("does not follow the frame lengths it is asked for"), "node: \(log)")
        #expect(log.contains("phase lock unpaced"), "node: \(log)")
        #expect(!log.contains("phase lock locked"), "node: \(log)")
        let file = try Self.recording(session, camera: "cam1")
        #expect(file.frames == file.recorded, "node: \(log)")
        #expect(file.recorded >= 30, "only \(file.recorded) frames recorded; node: \(log)")
        #expect(file.indices == Array(file.indices.sorted()) && Set(file.indices).count == file.indices.count)
        #expect(log.contains("camera buffers: 4 of 4 buffers free"), "node: \(log)")
    }
}
