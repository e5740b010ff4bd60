import Foundation
import GenlockControl
import GenlockCore
import GenlockIngest
import GenlockMedia
import Glibc
import NIOPosix
import Testing

/// What anyone who can reach the ingest port (no key) can do to it: open sockets and send bytes.
/// Unauthenticated connections are few (the oldest is evicted past 64), short-lived (no HELLO
/// within 5 s ends them) and end at their first bad frame; a real node still streams.
@Suite(.serialized) struct IngestHostileTests {
    private func connect(_ port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        try #require(rc == 0, "connect: errno \(errno)")
        return fd
    }

    /// Whether the ingest closed `fd` (its CHALLENGE read and dropped) within `seconds`.
    private func closedByPeer(_ fd: Int32, within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 50) > 0 else { continue }
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 || (n < 0 && errno == ECONNRESET) { return true }
        }
        return false
    }

    @Test func unauthenticatedSocketsAreBoundedAndARealNodeStillStreams() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-hostile-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let lines = LogLines()
        let server = IngestServer(configuration: .init(outputRoot: "\(root)/ingest", cameras: ["camA"], wait: .seconds(600)),
                                  key: ingestKey, now: monotonicNow, log: lines.log)
        let port = try server.bind(host: "127.0.0.1", port: 0)

        // A header declaring 64 KiB with a forged MAC, repeated: the ingest used to check a MAC
        // for every 28 bytes. Now the first bad frame ends the connection.
        let forged = try connect(port)
        var header: [UInt8] = Array("GLST".utf8) + [2, 2, 0, 0] + [0, 0, 0xFD, 0xE8] + [UInt8](repeating: 0, count: 15) + [1]
        header = Array((0..<64).flatMap { _ in header })
        #expect(send(forged, header, header.count, 0) == header.count)
        #expect(closedByPeer(forged, within: 10), "a connection sending forged frames stayed open")
        close(forged)

        // 70 silent sockets: the 6 oldest are evicted at once to keep 64 waiting.
        let silent = try (0..<70).map { _ in try connect(port) }
        defer { silent.forEach { close($0) } }
        #expect(silent.prefix(6).allSatisfy { closedByPeer($0, within: 10) }, "the oldest unauthenticated connections were not evicted")

        // A real node streams meanwhile.
        let node = try SyntheticStreamingNode(camera: "camA", root: root, session: "hostile", port: port, epoch: RealtimeInstant(nanosecondsSinceEpoch: 1_795_000_000_000_000_000))
        for i in Int64(0)..<10 { try node.frame(i) }
        #expect(eventually { server.rowsWritten["camA"] == 10 })

        // No HELLO within 5 s: every silent socket is closed.
        #expect(silent.suffix(64).allSatisfy { closedByPeer($0, within: 15) }, "silent connections outlived the handshake timeout")
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
