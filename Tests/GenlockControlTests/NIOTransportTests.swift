import GenlockControl
@testable import GenlockControlNIO
import GenlockCore
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

/// What a callback reported, collected across the `@Sendable` boundary.
private final class Collected<Item: Sendable>: Sendable {
    private let items = Mutex<[Item]>([])
    func append(_ item: Item) { items.withLock { $0.append(item) } }
    var all: [Item] { items.withLock { $0 } }
}

/// The coordinator's clock, set by the test.
private final class ManualRealtime: Sendable {
    private let value = Mutex(RealtimeInstant(nanosecondsSinceEpoch: 1_000_000_000_000))
    var now: RealtimeInstant { value.withLock { $0 } }
    /// The clock pair: monotonic runs with realtime here (the test never steps it).
    var sample: ClockSample { ClockSample(realtime: now, monotonic: MonotonicInstant(nanoseconds: now.nanosecondsSinceEpoch)) }
    func set(_ instant: RealtimeInstant) { value.withLock { $0 = instant } }
}

/// A real `NodeClient` and `CoordinatorServer` (their `ByteStreamHandler`s and endpoints), each on
/// its own embedded loop and channel, with the test carrying the bytes between the two channels.
/// The loops are separate so that the server's ticks run without the client's reconnect timer
/// (which would dial out for real).
private final class EmbeddedRig {
    let clientLoop = EmbeddedEventLoop()
    let serverLoop = EmbeddedEventLoop()
    let clock = ManualRealtime()
    let events = Collected<NodeClient.Event>()
    let logs = Collected<String>()
    let summaries = Collected<CoordinatorCore.Summary>()
    let client: NodeClient
    let server: CoordinatorServer
    private(set) var nodeChannel: EmbeddedChannel
    private(set) var coordinatorChannel: EmbeddedChannel
    private var earlierChannels: [EmbeddedChannel] = []

    init(cameras: [String] = ["cam1"], nodeKey: RigKey = testKey) throws {
        let events = events, logs = logs, clock = clock, summaries = summaries
        client = NodeClient(group: clientLoop, host: "coordinator", port: 7000, key: nodeKey, monotonicNow: { clock.sample.monotonic },
                            hello: { ControlMessage.Hello(nodeName: "cam1", softwareVersion: "t", capabilities: [], ptp: .unknown, nonce: 0) },
                            onEvent: { events.append($0) })
        server = CoordinatorServer(
            group: serverLoop,
            configuration: .init(cameras: cameras, rate: try FrameRate(parsing: "30"), lead: .seconds(2), stopMargin: .milliseconds(500),
                                 ptpGate: false, maximumPTPOffset: .microseconds(1)),
            key: testKey, sessionID: 0xABC, now: { clock.sample }, log: { logs.append($0) })
        server.finished.whenSuccess { summaries.append($0) }
        nodeChannel = EmbeddedChannel(loop: clientLoop)
        coordinatorChannel = EmbeddedChannel(loop: serverLoop)
        try open()
    }

    /// The node dials again: a new TCP connection (the earlier one is left as it is).
    func reconnect() throws {
        earlierChannels += [nodeChannel, coordinatorChannel]
        nodeChannel = EmbeddedChannel(loop: clientLoop)
        coordinatorChannel = EmbeddedChannel(loop: serverLoop)
        try open()
    }

    /// The channels go active as after a TCP connect: the server's end is accepted (and writes its
    /// CHALLENGE) before the node's end is up.
    private func open() throws {
        try client.attach(to: nodeChannel)
        try server.attach(to: coordinatorChannel)
        try coordinatorChannel.connect(to: SocketAddress(ipAddress: "10.0.0.2", port: 40_000)).wait()
        try nodeChannel.connect(to: SocketAddress(ipAddress: "10.0.0.1", port: 7000)).wait()
    }

    /// Carries bytes both ways until neither side writes more; returns how many writes went each way.
    @discardableResult
    func exchange() throws -> (fromNode: Int, fromCoordinator: Int) {
        var carried = (fromNode: 0, fromCoordinator: 0)
        while true {
            let before = carried
            while let bytes = try nodeChannel.readOutbound(as: ByteBuffer.self) {
                carried.fromNode += 1
                if coordinatorChannel.isActive { try coordinatorChannel.writeInbound(bytes) }
            }
            while let bytes = try coordinatorChannel.readOutbound(as: ByteBuffer.self) {
                carried.fromCoordinator += 1
                if nodeChannel.isActive { try nodeChannel.writeInbound(bytes) }
            }
            if carried == before { return carried }
        }
    }

    /// The node sends STATUS through the client's public call.
    func sendStatus(_ status: ControlMessage.Status) {
        client.send(status: status)
        clientLoop.run()
    }

    /// Closes every channel, ends the session if it has not ended (with every node gone it ends
    /// at once; NIO traps on a promise left unfulfilled), and cancels the client's pending reconnect.
    func tearDown() throws {
        for channel in earlierChannels + [nodeChannel, coordinatorChannel] { _ = try channel.finish(acceptAlreadyClosed: true) }
        server.requestStop()
        serverLoop.run()
        try clientLoop.syncShutdownGracefully()
        try serverLoop.syncShutdownGracefully()
    }

    var begun: [StartPlan] { events.all.compactMap { if case .begin(let plan) = $0 { plan } else { nil } } }
    var stops: [Int64] { events.all.compactMap { if case .stop(let index) = $0 { index } else { nil } } }
    var disconnections: [String] { events.all.compactMap { if case .disconnected(let reason) = $0 { reason } else { nil } } }
    var authentications: Int { events.all.count { if case .connected = $0 { true } else { false } } }
}

@Suite("Control transport over NIO embedded channels")
struct NIOTransportTests {
    @Test func aSessionRunsThroughTheRealHandlersFromHelloToFinished() throws {
        let rig = try EmbeddedRig()
        defer { try? rig.tearDown() }
        // STATUS before the coordinator has authenticated itself is dropped: only HELLO goes out,
        // in answer to the CHALLENGE; then the ACK.
        rig.sendStatus(idleStatus)
        let handshake = try rig.exchange()
        #expect(handshake.fromNode == 1)
        #expect(handshake.fromCoordinator == 2)
        #expect(rig.authentications == 1)
        rig.sendStatus(idleStatus)
        #expect(try rig.exchange().fromNode == 1)

        rig.server.startTicking()
        rig.serverLoop.advanceTime(by: .milliseconds(50))
        try rig.exchange()
        #expect(rig.begun.map(\.schedule.start) == [rig.clock.now + .seconds(2)])

        rig.clock.set(rig.clock.now + .seconds(3))
        rig.server.requestStop()
        rig.serverLoop.run()
        try rig.exchange()
        let stopIndex = try #require(rig.stops.first)

        rig.client.captureFinished()
        rig.sendStatus(.init(ptp: .unknown, framesCaptured: stopIndex, framesSkipped: 0, lastIndex: stopIndex - 1, finished: true))
        try rig.exchange()
        #expect(rig.summaries.all.map(\.stopIndex) == [stopIndex])
        #expect(rig.summaries.all.first?.nodes["cam1"]?.finished == true)
        #expect(rig.disconnections.isEmpty)
    }

    @Test func aReconnectingNodeKeepsItsSessionAndTheStaleConnectionIsClosed() throws {
        let rig = try EmbeddedRig()
        defer { try? rig.tearDown() }
        try rig.exchange()
        rig.server.startTicking()
        rig.serverLoop.advanceTime(by: .milliseconds(50))
        try rig.exchange()
        #expect(rig.begun.count == 1)
        // The node loses its connection; the coordinator has not noticed yet.
        let stale = rig.coordinatorChannel
        try rig.nodeChannel.close().wait()
        #expect(rig.disconnections == ["connection closed"])
        try rig.reconnect()
        try rig.exchange()
        #expect(!stale.isActive, "the newer connection wins")
        #expect(rig.authentications == 2)
        #expect(rig.begun.count == 1, "the same session is not started twice")
    }

    @Test func aNodeWithTheWrongKeyIsRejectedAndRejectsTheAnswer() throws {
        let rig = try EmbeddedRig(nodeKey: otherKey)
        defer { try? rig.tearDown() }
        try rig.exchange()
        #expect(rig.logs.all.contains { $0.hasPrefix("rejected connection from") && $0.contains("failed authentication") })
        #expect(!rig.coordinatorChannel.isActive)
        #expect(!rig.nodeChannel.isActive)
        #expect(rig.authentications == 0)
        #expect(rig.disconnections.count == 1)
        #expect(rig.disconnections.first?.hasPrefix("rejected the coordinator's frame: badMAC") == true)
    }

    @Test func aCameraOutsideTheRigHearsWhyAndTheConnectionCloses() throws {
        let rig = try EmbeddedRig(cameras: ["cam2"])
        defer { try? rig.tearDown() }
        try rig.exchange()
        #expect(!rig.coordinatorChannel.isActive)
        #expect(!rig.nodeChannel.isActive)
        #expect(rig.authentications == 0)
        #expect(rig.disconnections == ["coordinator error: unexpected: camera 'cam1' is not in this rig's configuration"])
    }
}
