import Foundation
import Testing

/// `genlock ingest --config rig.yaml` run alone, as its own process: a coordinator without an
/// ingest of its own starts two recording synthetic nodes, which stream (`--ingest`) into it over
/// loopback. The ingest ends by itself once every camera's stream is complete, and its session
/// folder equals the nodes' recordings row for row and verifies.
@Suite("genlock ingest alone", .serialized)
struct IngestAloneCLITests {
    typealias Child = CoordinatorProcessTests.Child

    @Test func nodesStreamIntoAStandaloneIngestAndItsSessionVerifies() throws {
        let port = Int.random(in: 20_000...40_000)
        let ingestPort = port + 1
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-ingest-alone-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let keyPath = dir.appendingPathComponent("rig.key").path
        #expect(try GenlockBinary.run(["keygen", "--out", keyPath]).status == 0)
        let common = """
            cameras: [cam1, cam2]
            fps: 30
            lead: 1s
            stopMargin: 300ms
            key: rig.key
            listen: 127.0.0.1:\(port)
            """
        // The ingest's rig file names it; the coordinator's does not, so it hosts none.
        try (common + "\ningest: 127.0.0.1:\(ingestPort)\nsessions: server\n")
            .write(to: dir.appendingPathComponent("rig.yaml"), atomically: true, encoding: .utf8)
        try common.write(to: dir.appendingPathComponent("coordinator.yaml"), atomically: true, encoding: .utf8)

        let ingest = try Child(["ingest", "--config", dir.appendingPathComponent("rig.yaml").path],
                               log: dir.appendingPathComponent("ingest.log"))
        usleep(300_000)
        let coord = try Child(["coordinator", "--config", dir.appendingPathComponent("coordinator.yaml").path, "--no-ptp-gate",
                               "--duration", "3s", "--http", "off"],
                              log: dir.appendingPathComponent("coordinator.log"))
        usleep(300_000)
        let local = dir.appendingPathComponent("local").path
        let cameras = try ["cam1", "cam2"].map { name in
            try Child(["camera", "--synthetic", "--name", name, "--coordinator", "127.0.0.1:\(port)", "--key", keyPath,
                       "--ptp-uds", dir.appendingPathComponent("no-ptp4l").path, "--out", local, "--session", "s",
                       "--size", "160x120", "--ingest", "127.0.0.1:\(ingestPort)"],
                      log: dir.appendingPathComponent("\(name).log"))
        }
        #expect(coord.wait(90) == 0, "coordinator: \(coord.log)")
        for camera in cameras { #expect(camera.wait(30) == 0, "node: \(camera.log)") }
        // Every camera's stream complete: the ingest writes the exports and exits 0 by itself.
        #expect(ingest.wait(30) == 0, "ingest: \(ingest.log)")
        #expect(!coord.log.contains("session folder (ingest)"), "the coordinator hosted an ingest: \(coord.log)")

        let server = dir.appendingPathComponent("server/s").path
        #expect(ingest.log.contains("/server/s"), "\(ingest.log)")
        for name in ["cam1", "cam2"] {
            let nodeRows = try FFprobe.sidecarRows(local + "/s/\(name).frames.csv")
            let serverRows = try FFprobe.sidecarRows(server + "/\(name).frames.csv")
            #expect(!nodeRows.isEmpty)
            #expect(serverRows == nodeRows, "\(name): the ingest's sidecar differs from the node's")
            #expect(try FFprobe.frameCount(server + "/\(name).mkv") == serverRows.count(where: FFprobe.isRecordedRow))
        }
        for file in ["framesets.csv", "summary.csv", "timestamps.csv"] {
            #expect(FileManager.default.fileExists(atPath: server + "/" + file), "\(file) missing")
        }
        let verify = try GenlockBinary.run(["session", "verify", server])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }
}
