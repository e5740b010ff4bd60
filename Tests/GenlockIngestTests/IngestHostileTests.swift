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
    @Test func unauthenticatedSocketsAreBoundedAndARealNodeStillStreams() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-hostile-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let lines = LogLines()
        let server = IngestServer(configuration: .init(outputRoot: "\(root)/ingest", cameras: ["camA"], wait: .seconds(600)),
                                  key: ingestKey, now: monotonicNow, log: lines.log)
        let port = try server.bind(host: "127.0.0.1", port: 0)

        // A header declaring 64 KiB with a forged MAC, repeated: the ingest used to check a MAC
        // for every 28 bytes. Now the first bad frame ends the connection.
        let forged = try #require(LoopbackClient(port: port))
        var header: [UInt8] = Array("GLST".utf8) + [2, 2, 0, 0] + [0, 0, 0xFD, 0xE8] + [UInt8](repeating: 0, count: 15) + [1]
        // Enough of them to complete the first declared frame (28 + 65,000 + 32 bytes).
        header = Array((0..<2_500).flatMap { _ in header })
        // The ingest may close before the last of them: what was sent does not matter.
        forged.send(header)
        // Well within the 5 s handshake timeout: the bad frame itself ended it.
        #expect(forged.closedByPeer(within: 2), "a connection sending forged frames stayed open")

        // 70 silent sockets: the 6 oldest are evicted at once to keep 64 waiting.
        let silent = try (0..<70).map { _ in try #require(LoopbackClient(port: port)) }
        #expect(silent.prefix(6).allSatisfy { $0.closedByPeer(within: 2) }, "the oldest unauthenticated connections were not evicted at once")

        // A real node streams meanwhile.
        let node = try SyntheticStreamingNode(camera: "camA", root: root, session: "hostile", port: port, epoch: RealtimeInstant(nanosecondsSinceEpoch: 1_795_000_000_000_000_000))
        for i in Int64(0)..<10 { try node.frame(i) }
        #expect(eventually { server.rowsWritten["camA"] == 10 })

        // No HELLO within 5 s: every silent socket is closed.
        #expect(silent.suffix(64).allSatisfy { $0.closedByPeer(within: 15) }, "silent connections outlived the handshake timeout")
        #expect(try node.finish(stop: 10))
        #expect(server.rowsWritten["camA"] == 10)
        // Said, but not once per socket: the rate-limited log sums the rest up.
        let said = lines.all.filter { $0.contains("unauthenticated connection") }
        #expect(!said.isEmpty && said.count < 10, "\(said)")
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
