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
        let rig = try LoopbackRig("coord-ingest")
        defer { rig.remove() }
        let config = try rig.rigFile(extra: ["ingest: 127.0.0.1:\(rig.ingestPort)", "sessions: server"])
        let local = rig.path("local")
        let coord = try Child(["coordinator", "--config", config, "--no-ptp-gate", "--duration", "3s", "--http", "off"],
                              log: rig.dir.appendingPathComponent("coordinator.log"))
        usleep(300_000)
        let cameras = try rig.cameras.map { name in
            try rig.camera(name, ["--out", local, "--session", "s"] + (name == "cam1" ? ["--ingest", "127.0.0.1:\(rig.ingestPort)"] : []))
        }
        #expect(coord.wait(90) == 0, "coordinator: \(coord.log)")
        for camera in cameras { #expect(camera.wait(30) == 0, "node: \(camera.log)") }
        #expect(cameras[1].log.contains("START names the ingest at 127.0.0.1:\(rig.ingestPort)"), "\(cameras[1].log)")
        #expect(!cameras[0].log.contains("START names the ingest"), "its own --ingest wins: \(cameras[0].log)")

        #expect(coord.log.contains("session folder (ingest): ") && coord.log.contains("/server/s"), "\(coord.log)")
        // The ingest (its loop and socket) is up before the control port opens: nothing the
        // coordinator needs is made while a flood of that port may hold every descriptor.
        let lines = coord.log.split(separator: "\n")
        let ingestLine = try #require(lines.firstIndex { $0.contains("ingest listening on") }, "\(coord.log)")
        let controlLine = try #require(lines.firstIndex { $0.contains("] listening on") }, "\(coord.log)")
        #expect(ingestLine < controlLine, "\(coord.log)")
        try rig.expectIngestEqualsNodes(server: rig.path("server/s"), local: local + "/s")
    }
}
