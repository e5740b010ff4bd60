import Foundation
import Testing

/// `genlock coordinator` hosting the ingest named in its rig file: two recording synthetic nodes
/// stream into it, one told by its own `--ingest`, the other only by the coordinator's START; the
/// session folder the coordinator names is the ingest's, equal to the nodes' local recordings row
/// for row, and consistent.
@Suite("the coordinator hosts the ingest", .serialized)
struct CoordinatorIngestTests {
    typealias Child = CoordinatorProcessTests.Child

    @Test func nodesStreamIntoTheCoordinatorsIngestAndItsSessionVerifies() throws {
        let port = Int.random(in: 20_000...40_000)
        let ingestPort = port + 1
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-coord-ingest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let keyPath = dir.appendingPathComponent("rig.key").path
        #expect(try GenlockBinary.run(["keygen", "--out", keyPath]).status == 0)
        try """
            cameras: [cam1, cam2]
            fps: 30
            lead: 1s
            stopMargin: 300ms
            key: rig.key
            listen: 127.0.0.1:\(port)
            ingest: 127.0.0.1:\(ingestPort)
            sessions: server
            """.write(to: dir.appendingPathComponent("rig.yaml"), atomically: true, encoding: .utf8)
        let local = dir.appendingPathComponent("local").path
        let coord = try Child(["coordinator", "--config", dir.appendingPathComponent("rig.yaml").path, "--no-ptp-gate", "--duration", "3s", "--http", "off"],
                              log: dir.appendingPathComponent("coordinator.log"))
        usleep(300_000)
        let cameras = try ["cam1", "cam2"].map { name in
            try Child(["camera", "--synthetic", "--name", name, "--coordinator", "127.0.0.1:\(port)", "--key", keyPath,
                       "--ptp-uds", dir.appendingPathComponent("no-ptp4l").path, "--out", local, "--session", "s",
                       "--size", "160x120"] + (name == "cam1" ? ["--ingest", "127.0.0.1:\(ingestPort)"] : []),
                      log: dir.appendingPathComponent("\(name).log"))
        }
        #expect(coord.wait(90) == 0, "coordinator: \(coord.log)")
        for camera in cameras { #expect(camera.wait(30) == 0, "node: \(camera.log)") }
        #expect(cameras[1].log.contains("START names the ingest at 127.0.0.1:\(ingestPort)"), "\(cameras[1].log)")
        #expect(!cameras[0].log.contains("START names the ingest"), "its own --ingest wins: \(cameras[0].log)")

        let server = dir.appendingPathComponent("server/s").path
        #expect(coord.log.contains("session folder (ingest): ") && coord.log.contains("/server/s"), "\(coord.log)")
        for name in ["cam1", "cam2"] {
            // The ingest's sidecar is the node's, row for row; its video holds the recorded rows.
            let nodeRows = try FFprobe.sidecarRows(local + "/s/\(name).frames.csv")
            let serverRows = try FFprobe.sidecarRows(server + "/\(name).frames.csv")
            #expect(!nodeRows.isEmpty)
            #expect(serverRows == nodeRows, "\(name): the ingest's sidecar differs from the node's")
            #expect(try FFprobe.frameCount(server + "/\(name).mkv") == serverRows.count(where: FFprobe.isRecordedRow))
        }
        let verify = try GenlockBinary.run(["session", "verify", server])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(FileManager.default.fileExists(atPath: server + "/framesets.csv"))
    }
}
