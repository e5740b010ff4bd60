import Foundation
import GenlockControl
import GenlockCore
import GenlockIngest
import GenlockMedia
import GenlockTesting
import Glibc
import NIOPosix
import Testing

/// What anyone who can reach the ingest port (no key) can do to it: open sockets and send bytes.
/// Unauthenticated connections are few (the oldest is evicted past 64), short-lived (no HELLO
/// within 5 s ends them) and end at their first bad frame; a real node still streams.
@Suite(.serialized) struct IngestHostileTests {
    private func server(_ root: String, handshakeTimeout: TimeSpan, log: @escaping IngestServer.Log) throws -> (IngestServer, Int) {
        let server = IngestServer(configuration: .init(outputRoot: "\(root)/ingest", cameras: ["camA"], wait: .seconds(600), handshakeTimeout: handshakeTimeout),
                                  key: ingestKey, now: monotonicNow, log: log)
        return (server, try server.bind(host: "127.0.0.1", port: 0))
    }

    /// With a handshake timeout longer than the test, only the first bad frame and the
    /// eviction can close these connections.
    @Test func badFramesAndTheOldestBeyond64AreClosedAndARealNodeStillStreams() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-hostile-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let lines = LogLines()
        let (server, port) = try server(root, handshakeTimeout: .seconds(3_600), log: lines.log)

        // A header declaring 64 KiB with a forged MAC, repeated: the ingest used to check a MAC
        // for every 28 bytes. Now the first bad frame ends the connection.
        let forged = try #require(LoopbackClient(port: port))
        var header: [UInt8] = Array("GLST".utf8) + [2, 2, 0, 0] + [0, 0, 0xFD, 0xE8] + [UInt8](repeating: 0, count: 15) + [1]
        // Enough of them to complete the first declared frame (28 + 65,000 + 32 bytes).
        header = Array((0..<2_500).flatMap { _ in header })
        // The ingest may close before the last of them: what was sent does not matter.
        forged.send(header)
        #expect(forged.closedByPeer(within: 30), "a connection sending forged frames stayed open")

        // 70 silent sockets: the 6 oldest are evicted to keep 64 waiting; the others stay.
        let silent = try (0..<70).map { _ in try #require(LoopbackClient(port: port)) }
        #expect(silent.prefix(6).allSatisfy { $0.closedByPeer(within: 30) }, "the oldest unauthenticated connections were not evicted")
        #expect(!silent[69].closedByPeer(within: 0.5), "a connection within the limit was closed")

        // A real node streams meanwhile, though 64 wait.
        let node = try SyntheticStreamingNode(camera: "camA", root: root, session: "hostile", port: port, epoch: RealtimeInstant(nanosecondsSinceEpoch: 1_795_000_000_000_000_000))
        for i in Int64(0)..<10 { try node.frame(i) }
        #expect(eventually(30) { server.rowsWritten["camA"] == 10 })
        #expect(try node.finish(stop: 10))
        // Said, but not once per socket: the rate-limited log sums the rest up.
        let said = lines.all.filter { $0.contains("unauthenticated connection") }
        #expect(!said.isEmpty && said.count < 7, "\(said)")
    }

    @Test func aConnectionWithoutHelloIsClosedAfterTheHandshakeTimeout() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-hostile-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (_, port) = try server(root, handshakeTimeout: .milliseconds(200), log: { _ in })
        let silent = try #require(LoopbackClient(port: port))
        #expect(silent.closedByPeer(within: 30), "a silent connection outlived the handshake timeout")
    }

    /// A node whose recorder is refused at START (another recorder of the camera in that folder)
    /// abandons its uplink from the control connection's event loop; the uplink's shutdown waited
    /// there, and NIO trapped (the node died with SIGILL). It now only starts the shutdown.
    @Test func anUplinkAbandonedOnAnEventLoopDoesNotWaitThere() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let configuration = RecordingConfiguration(codec: .x264, width: 320, height: 240, frameRate: try FrameRate(numerator: 30),
                                                   epoch: RealtimeInstant(nanosecondsSinceEpoch: 1_795_000_000_000_000_000))
        let uplink = IngestUplink(host: "127.0.0.1", port: 9, key: ingestKey, camera: "camA", session: "s",
                                  directory: FileManager.default.temporaryDirectory.path, configuration: configuration, log: { _ in })
        try group.next().submit { uplink.abandon() }.wait()
        #expect(uplink.confirmed == nil)
        // Abandoned twice (the node's own teardown after the refusal) is harmless.
        uplink.abandon()
    }
}
