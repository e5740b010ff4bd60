import Foundation
import GenlockControl
import GenlockCore
import GenlockIngest
import GenlockMedia
import Testing

@Suite(.serialized) struct IngestLoopbackTests {
    let epoch = RealtimeInstant(nanosecondsSinceEpoch: 1_795_000_000_000_000_000)

    func server(_ root: String, cameras: [String], port: Int = 0, log: @escaping IngestServer.Log = { _ in }) throws -> (IngestServer, Int) {
        // A wait longer than any test: which framesets go out partial after it would depend on the
        // machine's load; with it, every live frameset's states are decided by the rows alone.
        let server = IngestServer(configuration: .init(outputRoot: "\(root)/ingest", cameras: cameras, wait: .seconds(600)),
                                  key: ingestKey, now: monotonicNow, log: log)
        return (server, try server.bind(host: "127.0.0.1", port: port))
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
        let summaries = try #require(try server.waitUntilComplete(timeout: .seconds(60)), "the ingest did not complete within 60 s")
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
        #expect(try server.waitUntilComplete(timeout: .seconds(60)) != nil, "the ingest did not complete within 60 s")
        try server.finish()
        // Every missing row sent once: each back-filled row the node sent was written (none was
        // sent twice), every row the tee dropped while the link was down came back, and every row
        // is there. (How many rows fell in the cut is the machine's timing: a quick reconnect
        // takes some of 20...39 live.)
        #expect(a.uplink.counters.backfilled >= a.uplink.counters.liveDropped)
        #expect(a.uplink.counters.backfilled == server.backfilled["camA"]?.rows)
        #expect(server.rowsWritten["camA"] == 60)
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

    @Test
    func aRestartedIngestContinuesItsFilesWithoutAskingForTheOldRows() async throws {
        let root = scratch("restart-ingest")
        let lines = LogLines()
        let (first, port) = try server(root, cameras: ["camA"])
        let a = try SyntheticStreamingNode(camera: "camA", root: root, session: "s4", port: port, epoch: epoch)
        for i in Int64(0)..<30 { try a.frame(i) }
        #expect(eventually { first.rowsWritten["camA"] == 30 })
        // The ingest stops mid-session (its files closed); the node records on, its tee dropping.
        try first.finish()
        for i in Int64(30)..<40 { try a.frame(i) }
        let (second, _) = try server(root, cameras: ["camA"], port: port, log: lines.log)
        #expect(eventually { a.uplink.counters.connections >= 2 })
        for i in Int64(40)..<60 {
            try a.frame(i)
            usleep(2_000)
        }
        #expect(try a.finish(stop: 60))
        #expect(try second.waitUntilComplete(timeout: .seconds(60)) != nil, "the ingest did not complete within 60 s")
        try second.finish()
        // The restarted ingest asked only for what it lacked (30...39 and what the reconnect
        // missed), not for the 30 rows its files already held: no row was refused.
        #expect(second.rowsWritten["camA"] == 30)
        // A row or two may be sent both ways (live rows already queued when the reconnected
        // ingest asked for what it lacked); the ingest writes each once.
        #expect((second.backfilled["camA"]?.rows ?? 0) >= 10 && (second.backfilled["camA"]?.rows ?? 0) <= a.uplink.counters.backfilled)
        #expect(a.uplink.counters.backfilled < 30)
        #expect(!lines.all.contains { $0.contains("cannot write row") || $0.contains("not increasing") }, "\(lines.all)")

        let session = "\(root)/ingest/s4"
        let local = try packets("\(a.directory)/camA.mkv")
        let remote = try packets("\(session)/camA.mkv") + packets("\(session)/camA-001.mkv")
        #expect(local == remote)
        // The restarted ingest's segment starts at row 30, a keyframe of the node's (every 15th
        // frame): a segment cut between keyframes could not be decoded up to the next one.
        #expect(local[30].isKeyframe)
        let report = try SessionVerifier.verify(sessionDirectory: session)
        #expect(report.isConsistent, "\(report.problems)")
        #expect(report.cameras.first?.recorded == 60)
    }

    /// An ingest on loopback for camA in a fresh scratch folder, and a node of camA that has
    /// streamed rows 0..<15 of `session`, all written by the ingest.
    func ingestWithFifteenRows(_ tag: String, session: String) throws -> (
        root: String, lines: LogLines, server: IngestServer, port: Int, first: SyntheticStreamingNode
    ) {
        let root = scratch(tag)
        let lines = LogLines()
        let (server, port) = try server(root, cameras: ["camA"], log: lines.log)
        let first = try SyntheticStreamingNode(camera: "camA", root: root, session: session, port: port, epoch: epoch)
        for i in Int64(0)..<15 { try first.frame(i) }
        #expect(eventually { server.rowsWritten["camA"] == 15 })
        return (root, lines, server, port, first)
    }

    @Test
    func aNodeRestartedWithANewEncoderContinuesInANewSegment() async throws {
        let (root, lines, server, port, first) = try ingestWithFifteenRows("restart-node", session: "s5")
        // The link is cut, the node records 15...19 (the tee drops them), then it dies: no END.
        server.closeConnections()
        for i in Int64(15)..<20 { try first.frame(i) }
        first.uplink.abandon()
        try first.recorder.finish()
        // Restarted with another frame size: a new encoder, new SPS/PPS, from row 25 on. Rows
        // 15...19 are back-filled from the earlier run's segment, with its parameters.
        let second = try SyntheticStreamingNode(camera: "camA", root: root, session: "s5", port: port, epoch: epoch, height: 180)
        for i in Int64(25)..<50 {
            try second.frame(i)
            usleep(2_000)
        }
        #expect(try second.finish(stop: 50))
        #expect(try server.waitUntilComplete(timeout: .seconds(60)) != nil, "the ingest did not complete within 60 s")
        try server.finish()
        #expect(!lines.all.contains { $0.contains("refusing") }, "\(lines.all)")

        let session = "\(root)/ingest/s5"
        for segment in ["camA.mkv", "camA-001.mkv"] {
            let local = try PacketReader(path: "\(first.directory)/\(segment)")
            let remote = try PacketReader(path: "\(session)/\(segment)")
            #expect(local.extradata == remote.extradata, "\(segment): codec parameters differ")
            #expect(local.height == remote.height)
            #expect(local.all() == remote.all(), "\(segment): packets differ")
        }
        #expect(try PacketReader(path: "\(session)/camA-001.mkv").height == 180)
        #expect(try String(contentsOfFile: "\(first.directory)/camA.frames.csv", encoding: .utf8)
                == String(contentsOfFile: "\(session)/camA.frames.csv", encoding: .utf8))
        let report = try SessionVerifier.verify(sessionDirectory: session)
        #expect(report.isConsistent, "\(report.problems)")
        #expect(report.cameras.first?.recorded == 45)
    }
}

extension IngestLoopbackTests {
    /// A camera whose files cannot be written (here its next segment's name is taken) is said
    /// once, not once per row; its framesets stop waiting for it, and the session fails naming it.
    @Test
    func aCameraWhoseFilesCannotBeWrittenIsSaidOnceAndFailsTheSession() async throws {
        let (root, lines, server, port, first) = try ingestWithFifteenRows("unwritable", session: "s6")
        first.uplink.abandon()
        try first.recorder.finish()
        // The new encoder's rows continue the camera's files in a new segment, which reads the
        // sidecar so far; here something else took its name (the first segment's recorder keeps
        // writing the moved file it has open).
        let obstacle = "\(root)/ingest/s6/camA.frames.csv"
        try FileManager.default.moveItem(atPath: obstacle, toPath: obstacle + ".moved")
        try FileManager.default.createDirectory(atPath: obstacle, withIntermediateDirectories: false)
        let second = try SyntheticStreamingNode(camera: "camA", root: root, session: "s6", port: port, epoch: epoch, height: 180)
        for i in Int64(15)..<40 { try second.frame(i) }
        #expect(try second.finish(stop: 40))
        var failure: (any Error)?
        do { _ = try server.waitUntilComplete(timeout: .seconds(60)) } catch { failure = error }
        let text = failure.map { "\($0)" } ?? ""
        #expect(text.contains("camA") && text.contains("incomplete"), "finish: \(text)")
        // Closing the ingest says it again (`genlock ingest` exits non-zero on it).
        #expect(throws: MediaError.self) { try server.finish() }
        let said = lines.all.filter { $0.contains("camA:") && $0.contains("not written here") }
        #expect(said.count == 1, "\(lines.all) \(server.rowsWritten)")
        // What was written stays: the first segment's 15 rows, and the obstacle untouched.
        #expect(try PacketReader(path: "\(root)/ingest/s6/camA.mkv").all().count == 15)
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: obstacle, isDirectory: &isDirectory) && isDirectory.boolValue)
    }
}
