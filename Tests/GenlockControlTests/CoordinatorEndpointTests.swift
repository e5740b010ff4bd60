import GenlockControl
import GenlockCore
import Testing

/// A node's side of one connection, played by hand with a bare ``ControlConnection``.
private struct ScriptedNode {
    var connection: ControlConnection

    init(key: RigKey = testKey, nonce: UInt64 = 1111) {
        connection = ControlConnection(role: .node, key: key, localNonce: nonce)
    }

    mutating func hello(_ name: String) -> [UInt8] {
        frame(.hello(.init(nodeName: name, softwareVersion: "t", capabilities: [], ptp: .unknown, nonce: connection.localNonce))).bytes
    }

    mutating func frame(_ message: ControlMessage) -> (bytes: [UInt8], sequence: UInt64) {
        connection.encode(message, sessionID: 0)
    }

    /// What the coordinator wrote to this node; learns the coordinator's nonce from its ACK of HELLO.
    mutating func read(_ bytes: [UInt8]) -> [(message: ControlMessage, sessionID: UInt64, sequence: UInt64)] {
        connection.receive(bytes).compactMap { inbound in
            guard case .message(let message, let sessionID, let sequence) = inbound else { Issue.record("bad frame: \(inbound)"); return nil }
            if case .ack(let ack) = message, ack.sequence == 1 { connection.learnPeerNonce(ack.nonce) }
            return (message, sessionID, sequence)
        }
    }
}

private let t = RealtimeInstant(nanosecondsSinceEpoch: 1_000_000_000_000)
private let session: UInt64 = 0xABC

private func endpoint(cameras: [String] = ["a"], finishTimeout: TimeSpan? = nil) -> CoordinatorEndpoint {
    CoordinatorEndpoint(
        configuration: .init(cameras: cameras, rate: try! FrameRate(parsing: "30"), lead: .seconds(2), stopMargin: .milliseconds(500),
                             ptpGate: false, maximumPTPOffset: .microseconds(1)),
        key: testKey, sessionID: session, finishTimeout: finishTimeout)
}

private func writes(to id: ConnectionID, _ outputs: [CoordinatorEndpoint.Output]) -> [UInt8] {
    outputs.flatMap { output -> [UInt8] in if case .write(id, let bytes) = output { bytes } else { [] } }
}

private func logs(_ outputs: [CoordinatorEndpoint.Output]) -> [String] {
    outputs.compactMap { if case .log(let text) = $0 { text } else { nil } }
}

private func summary(_ outputs: [CoordinatorEndpoint.Output]) -> CoordinatorCore.Summary? {
    outputs.lazy.compactMap { if case .finished(let summary) = $0 { summary } else { nil } }.first
}

@Suite("CoordinatorEndpoint")
struct CoordinatorEndpointTests {
    /// `name` connected as `id` and through the handshake.
    private func connect(_ coordinator: inout CoordinatorEndpoint, _ name: String, id: ConnectionID, nonce: UInt64 = 2222) -> ScriptedNode {
        var node = ScriptedNode(nonce: nonce + 1)
        coordinator.accepted(id, nonce: nonce, peer: "10.0.0.\(id):4000")
        _ = node.read(writes(to: id, coordinator.received(id, node.hello(name))))
        return node
    }

    @Test func helloIsAcknowledgedWithTheConnectionsNonce() {
        var coordinator = endpoint()
        var node = ScriptedNode()
        coordinator.accepted(1, nonce: 2222, peer: "10.0.0.1:4000")
        let outputs = coordinator.received(1, node.hello("a"))
        #expect(logs(outputs).first?.hasPrefix("a connected") == true)
        let replies = node.read(writes(to: 1, outputs))
        #expect(replies.map(\.message) == [.ack(.init(sequence: 1, nonce: 2222))])
        // From now on the node's frames are authenticated with that nonce.
        let status = node.frame(.status(idleStatus)).bytes
        #expect(!coordinator.received(1, status).contains(.close(1)))
    }

    @Test func startIsMatchedToTheAckThatNamesItsSequence() throws {
        var coordinator = endpoint(cameras: ["a", "b"])
        var a = connect(&coordinator, "a", id: 1)
        var b = connect(&coordinator, "b", id: 2, nonce: 3333)
        let started = coordinator.tick(now: t)
        let startToA = try #require(a.read(writes(to: 1, started)).first)
        let startToB = try #require(b.read(writes(to: 2, started)).first)
        guard case .start = startToA.message, case .start = startToB.message else { Issue.record("no START: \(started)"); return }
        _ = coordinator.received(1, a.frame(.ack(.init(sequence: startToA.sequence))).bytes)
        _ = coordinator.received(2, b.frame(.ack(.init(sequence: startToB.sequence - 1))).bytes)
        #expect(logs(coordinator.tick(now: t + .seconds(2))) == ["late: no ACK of START before T0 from b"])
    }

    @Test func aForgedHelloIsAnsweredWithErrorAndTheConnectionForgotten() {
        var coordinator = endpoint()
        var intruder = ScriptedNode(key: otherKey)
        coordinator.accepted(1, nonce: 2222, peer: "10.0.0.1:4000")
        let outputs = coordinator.received(1, intruder.hello("a"))
        #expect(outputs.last == .close(1))
        #expect(logs(outputs).first?.hasPrefix("rejected connection from 10.0.0.1:4000: badMAC") == true)
        #expect(!writes(to: 1, outputs).isEmpty, "the ERROR")
        #expect(coordinator.received(1, intruder.hello("a")).isEmpty)
        #expect(coordinator.closed(1).isEmpty)
    }

    @Test func aReplayedFrameClosesTheConnectionAndTheNodeIsGone() {
        var coordinator = endpoint()
        var node = connect(&coordinator, "a", id: 1)
        let status = node.frame(.status(idleStatus)).bytes
        _ = coordinator.received(1, status)
        let outputs = coordinator.received(1, status)
        #expect(logs(outputs).first?.contains("replay") == true)
        #expect(outputs.contains(.close(1)))
        #expect(logs(outputs).last == "a disconnected")
        guard case .error(let error)? = node.read(writes(to: 1, outputs)).first?.message else { Issue.record("no ERROR: \(outputs)"); return }
        #expect(error.code == .replay)
    }

    @Test func aNodesErrorClosesWithoutAnAnswer() {
        var coordinator = endpoint()
        var node = connect(&coordinator, "a", id: 1)
        let outputs = coordinator.received(1, node.frame(.error(ControlError(.busy, "already recording"))).bytes)
        #expect(outputs == [.log("a sent ERROR: busy: already recording"), .close(1), .log("a disconnected")])
    }

    @Test func aNodeSendingStartIsRefused() {
        var coordinator = endpoint()
        var node = connect(&coordinator, "a", id: 1)
        let start = ControlMessage.start(.init(t0Ns: 0, rate: try! FrameRate(parsing: "30"), firstIndex: 0, stopIndex: nil))
        let outputs = coordinator.received(1, node.frame(start).bytes)
        #expect(logs(outputs) == ["rejected connection from a: unexpected: a node does not send START", "a disconnected"])
        #expect(outputs.contains(.close(1)))
        #expect(node.read(writes(to: 1, outputs)).map(\.message) == [.error(ControlError(.unexpected, "a node does not send START"))])
    }

    @Test func aNodeThatReconnectsGetsTheSameSessionAndItsOldConnectionIsClosed() {
        var coordinator = endpoint()
        var old = connect(&coordinator, "a", id: 1)
        _ = coordinator.tick(now: t)
        var fresh = ScriptedNode(nonce: 5555)
        coordinator.accepted(2, nonce: 6666, peer: "10.0.0.1:4001")
        let outputs = coordinator.received(2, fresh.hello("a"))
        #expect(outputs.contains(.close(1)))
        let replies = fresh.read(writes(to: 2, outputs))
        #expect(replies.map(\.message.name) == ["ACK", "START"])
        #expect(replies.allSatisfy { $0.sessionID == session })
        // The old connection is forgotten: its frames are ignored and its end does not count as a loss.
        #expect(coordinator.received(1, old.frame(.status(idleStatus)).bytes).isEmpty)
        #expect(coordinator.closed(1).isEmpty)
    }

    @Test func afterStopTheFinishTimeoutEndsTheSessionOnce() {
        var coordinator = endpoint(finishTimeout: .seconds(1))
        var node = connect(&coordinator, "a", id: 1)
        _ = coordinator.tick(now: t)
        let stopAt = t + .seconds(3)
        #expect(coordinator.stopRequested(now: stopAt).contains { if case .write(1, _) = $0 { true } else { false } })
        // The wait is the timeout plus the stop margin (1.5 s).
        #expect(summary(coordinator.tick(now: stopAt + .milliseconds(1_400))) == nil)
        let ended = coordinator.tick(now: stopAt + .milliseconds(1_600))
        #expect(logs(ended) == ["nodes did not all report finished within 1 s of STOP; ending"])
        #expect(summary(ended)?.stopIndex == coordinator.core.stopIndex)
        let late = ControlMessage.Status(ptp: .unknown, framesCaptured: 1, framesSkipped: 0, lastIndex: 0, finished: true)
        #expect(coordinator.received(1, node.frame(.status(late)).bytes).isEmpty)
    }
}

/// A node endpoint and a coordinator endpoint joined by a perfect connection: every byte either
/// writes is handed to the other at once.
private struct Link {
    var node = NodeEndpoint(key: testKey)
    var coordinator = endpoint(cameras: ["cam1"])
    var nodeOutputs: [NodeEndpoint.Output] = []
    var coordinatorOutputs: [CoordinatorEndpoint.Output] = []

    mutating func open() {
        coordinator.accepted(1, nonce: 2222, peer: "10.0.0.1:4000")
        toCoordinator(node.connectionOpened(nonce: 1111, hello: nodeHello))
    }

    mutating func toCoordinator(_ bytes: [UInt8]) {
        carry(coordinator.received(1, bytes))
    }

    /// Takes the coordinator's outputs, delivering what it wrote (and the node's replies, and so on).
    mutating func carry(_ outputs: [CoordinatorEndpoint.Output]) {
        coordinatorOutputs += outputs
        let bytes = writes(to: 1, outputs)
        guard !bytes.isEmpty else { return }
        let replies = node.received(bytes)
        nodeOutputs += replies
        let back = written(replies)
        if !back.isEmpty { toCoordinator(back) }
    }
}

@Suite("Node and coordinator endpoints together")
struct EndpointSessionTests {
    @Test func aWholeSessionFromHelloToFinished() throws {
        var link = Link()
        link.open()
        #expect(link.nodeOutputs == [.authenticated])
        link.carry(link.coordinator.tick(now: t))
        let plan = try #require(link.nodeOutputs.lazy.compactMap { if case .beginCapture(let plan) = $0 { plan } else { nil } }.first)
        #expect(plan.schedule.start == t + .seconds(2))
        // The node's ACK named START's sequence, so nobody is reported late at T0.
        link.carry(link.coordinator.tick(now: t + .seconds(2)))
        #expect(logs(link.coordinatorOutputs).contains("all cameras acknowledged START before T0"))
        link.carry(link.coordinator.stopRequested(now: t + .seconds(3)))
        let stopIndex = try #require(link.coordinator.core.stopIndex)
        #expect(link.nodeOutputs.last == .stopCapture(stopIndex))
        link.node.captureFinished()
        let done = ControlMessage.Status(ptp: .unknown, framesCaptured: stopIndex, framesSkipped: 0, lastIndex: stopIndex - 1, finished: true)
        let finished = link.node.status(done)
        link.toCoordinator(try #require(finished))
        #expect(summary(link.coordinatorOutputs)?.nodes["cam1"] == done)
        #expect(!link.coordinatorOutputs.contains { if case .close = $0 { true } else { false } })
    }
}
