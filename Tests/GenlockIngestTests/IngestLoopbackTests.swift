import Foundation
import GenlockControl
import GenlockCore
import GenlockIngest
import GenlockMedia
import Testing

@Suite(.serialized) struct IngestLoopbackTests {
    let epoch = RealtimeInstant(nanosecondsSinceEpoch: 1_795_000_000_000_000_000)

    func server(_ root: String, cameras: [String]) throws -> (IngestServer, Int) {
        // A wait longer than any test: which framesets go out partial after it would depend on the
        // machine's load; with it, every live frameset's states are decided by the rows alone.
        let server = IngestServer(configuration: .init(outputRoot: "\(root)/ingest", cameras: cameras, wait: .seconds(600)),
                                  key: ingestKey, now: monotonicNow, log: { _ in })
        return (server, try server.bind(host: "127.0.0.1", port: 0))
    }

    @Test func streamedFilesEqualTheNodesFilesAndFramesetsNameEveryDrop() async throws {
        let root = scratch("equal")
        let (server, port) = try server(root, cameras: ["camA", "camB"])
        let a = try SyntheticStreamingNode(camera: "camA", root: root, session: "s1", port: port, epoch: epoch)
        let b = try SyntheticStreamingNode(camera: "camB", root: root, session: "s1", port: port, epoch: epoch)
        for i in Int64(0)..<45 {
            if (20...22).contains(i) { try a.skipped(i) } else { try a.frame(i) }
            if i == 10 { try b.dropped(i) } else { try b.frame(i) }
        }
        #expect(try a.finish(stop: 45))
        #expect(try b.finish(stop: 45))
        let summaries = try server.waitUntilComplete()
        #expect(summaries.map(\.camera) == ["camA", "camB"])
        var framesets: [IngestFrameset] = []
        try server.finish()
        for await f in server.framesets { framesets.append(f) }

        let session = "\(root)/ingest/s1"
        for node in [a, b] {
            let local = try packets("\(node.directory)/\(node.camera).mkv")
            let remote = try packets("\(session)/\(node.camera).mkv")
            #expect(local.count > 40)
            #expect(local == remote, "\(node.camera): packets differ")
            let localRows = try String(contentsOfFile: "\(node.directory)/\(node.camera).frames.csv", encoding: .utf8)
            let remoteRows = try String(contentsOfFile: "\(session)/\(node.camera).frames.csv", encoding: .utf8)
            #expect(localRows == remoteRows)
        }
        #expect(framesets.map(\.index) == Array(0..<45))
        #expect(framesets.first { $0.index == 10 }?.missing.map { "\($0.camera) \($0.state)" } == ["camB dropped"])
        #expect(framesets.first { $0.index == 21 }?.missing.map { "\($0.camera) \($0.state)" } == ["camA skipped"])
        #expect(framesets.filter(\.isComplete).count == 41)
        let table = try String(contentsOfFile: "\(session)/framesets.csv", encoding: .utf8)
        #expect(table.contains("dropped") && table.contains("skipped"))
        #expect(try SessionVerifier.verify(sessionDirectory: session).isConsistent)
    }

    @Test func aCutLinkIsBackFilledAfterReconnectAndTheSessionVerifies() async throws {
        let root = scratch("cut")
        let (server, port) = try server(root, cameras: ["camA"])
        let a = try SyntheticStreamingNode(camera: "camA", root: root, session: "s2", port: port, epoch: epoch)
        for i in Int64(0)..<20 { try a.frame(i) }
        #expect(eventually { server.rowsWritten["camA"] == 20 })
        server.closeConnections()
        // Recorded while the link is down (and reconnecting): the tee drops these.
        for i in Int64(20)..<40 { try a.frame(i) }
        #expect(eventually { a.uplink.counters.connections >= 2 })
        for i in Int64(40)..<60 {
            try a.frame(i)
            usleep(2_000)
        }
        #expect(try a.finish(stop: 60))
        _ = try server.waitUntilComplete()
        try server.finish()
        #expect(a.uplink.counters.backfilled >= 20)
        let session = "\(root)/ingest/s2"
        #expect(try packets("\(a.directory)/camA.mkv") == packets("\(session)/camA.mkv"))
        #expect(try String(contentsOfFile: "\(a.directory)/camA.frames.csv", encoding: .utf8)
                == String(contentsOfFile: "\(session)/camA.frames.csv", encoding: .utf8))
        let report = try SessionVerifier.verify(sessionDirectory: session)
        #expect(report.isConsistent, "\(report.problems)")
    }

    @Test func aKilledNodeAndALateNodeGivePartialFramesetsNamingThem() async throws {
        let root = scratch("partial")
        let (server, port) = try server(root, cameras: ["camA", "camB", "camC"])
        let a = try SyntheticStreamingNode(camera: "camA", root: root, session: "s3", port: port, epoch: epoch)
        let b = try SyntheticStreamingNode(camera: "camB", root: root, session: "s3", port: port, epoch: epoch)
        let c = try SyntheticStreamingNode(camera: "camC", root: root, session: "s3", port: port, epoch: epoch)
        for i in Int64(0)..<30 {
            try a.frame(i)
            if i < 15 { try b.frame(i) }  // camB is killed after 14: no END, no more rows.
            if i >= 10 { try c.frame(i) } // camC joins at 10.
        }
        #expect(try a.finish(stop: 30))
        #expect(try c.finish(stop: 30))
        #expect(eventually { server.rowsWritten["camB"] == 15 })
        try server.finish()
        var framesets: [IngestFrameset] = []
        for await f in server.framesets { framesets.append(f) }
        let byIndex = Dictionary(framesets.map { ($0.index, $0) }, uniquingKeysWith: { x, _ in x })
        #expect(byIndex[5]?.missing.map(\.camera) == ["camC"])
        #expect(byIndex[12]?.isComplete == true)
        #expect(byIndex[20]?.missing.map(\.camera) == ["camB"])
        let table = try FramesetExport.table(sessionDirectory: "\(root)/ingest/s3")
        #expect(table.missing(1).first?.range.lowerBound == 15)
        #expect(table.missing(2).map(\.range) == [0...9])
    }
}
