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
        let rig = try LoopbackRig("ingest-alone")
        defer { rig.remove() }
        // The ingest's rig file names it; the coordinator's does not, so it hosts none.
        let ingestConfig = try rig.rigFile(extra: ["ingest: 127.0.0.1:\(rig.ingestPort)", "sessions: server"])
        let coordinatorConfig = try rig.rigFile("coordinator.yaml")

        let ingest = try Child(["ingest", "--config", ingestConfig], log: rig.dir.appendingPathComponent("ingest.log"))
        usleep(300_000)
        let coord = try Child(["coordinator", "--config", coordinatorConfig, "--no-ptp-gate", "--duration", "3s", "--http", "off"],
                              log: rig.dir.appendingPathComponent("coordinator.log"))
        usleep(300_000)
        let local = rig.path("local")
        let cameras = try rig.cameras.map { name in
            try rig.camera(name, ["--out", local, "--session", "s", "--ingest", "127.0.0.1:\(rig.ingestPort)"])
        }
        #expect(coord.wait(90) == 0, "coordinator: \(coord.log)")
        for camera in cameras { #expect(camera.wait(30) == 0, "node: \(camera.log)") }
        // Every camera's stream complete: the ingest writes the exports and exits 0 by itself.
        #expect(ingest.wait(30) == 0, "ingest: \(ingest.log)")
        #expect(!coord.log.contains("session folder (ingest)"), "the coordinator hosted an ingest: \(coord.log)")

        #expect(ingest.log.contains("/server/s"), "\(ingest.log)")
        try rig.expectIngestEqualsNodes(server: rig.path("server/s"), local: local + "/s")
    }
}
