import GenlockControl
import GenlockCore
import Testing

/// The coordinator's side of one connection, played by hand with a bare ``ControlConnection`` so
/// a test can send exactly the frame it needs (forged, replayed, out of place).
struct ScriptedCoordinator {
    var connection: ControlConnection
    var sessionID: UInt64

    init(key: RigKey = testKey, nonce: UInt64 = 2222, sessionID: UInt64 = 77) {
        connection = ControlConnection(role: .coordinator, key: key, localNonce: nonce)
        self.sessionID = sessionID
    }

    /// The messages in `bytes` from the node (a violation is recorded as an issue).
    mutating func read(_ bytes: [UInt8]) -> [ControlMessage] {
        connection.receive(bytes).compactMap { inbound in
            guard case .message(let message, _, _) = inbound else { Issue.record("node sent a bad frame: \(inbound)"); return nil }
            return message
        }
    }

    mutating func frame(_ message: ControlMessage) -> (bytes: [UInt8], sequence: UInt64) {
        connection.encode(message, sessionID: sessionID)
    }

    /// The ACK of HELLO, carrying this connection's nonce.
    mutating func ackHello() -> [UInt8] {
        frame(.ack(.init(sequence: 1, nonce: connection.localNonce))).bytes
    }
}

let nodeHello = ControlMessage.Hello(nodeName: "cam1", softwareVersion: "t", capabilities: [], ptp: .unknown, nonce: 0)
let idleStatus = ControlMessage.Status(ptp: .unknown, framesCaptured: 0, framesSkipped: 0, lastIndex: nil, finished: false)

private func startMessage(stop: Int64? = nil) -> ControlMessage {
    .start(.init(t0Ns: 1_000_000_000_000, rate: try! FrameRate(parsing: "30"), firstIndex: 0, stopIndex: stop))
}

/// The bytes of every `write` output, in order.
func written(_ outputs: [NodeEndpoint.Output]) -> [UInt8] {
    outputs.flatMap { output -> [UInt8] in if case .write(let bytes) = output { bytes } else { [] } }
}

@Suite("NodeEndpoint")
struct NodeEndpointTests {
    /// A node endpoint and its coordinator after the HELLO/ACK handshake.
    private func connected(nonce: UInt64 = 1111) -> (NodeEndpoint, ScriptedCoordinator) {
        var node = NodeEndpoint(key: testKey)
        var coordinator = ScriptedCoordinator()
        #expect(coordinator.read(node.connectionOpened(nonce: nonce, hello: nodeHello)).count == 1)
        #expect(node.received(coordinator.ackHello()) == [.authenticated])
        return (node, coordinator)
    }

    @Test func helloCarriesTheConnectionNonceAndStatusWaitsForTheCoordinatorsAck() throws {
        var node = NodeEndpoint(key: testKey)
        #expect(node.status(idleStatus) == nil, "not connected")
        var coordinator = ScriptedCoordinator()
        let hello = coordinator.read(node.connectionOpened(nonce: 1111, hello: nodeHello))
        #expect(hello == [.hello(.init(nodeName: "cam1", softwareVersion: "t", capabilities: [], ptp: .unknown, nonce: 1111))])
        #expect(!node.isAuthenticated)
        #expect(node.status(idleStatus) == nil, "the coordinator has not authenticated itself yet")
        #expect(node.received(coordinator.ackHello()) == [.authenticated])
        #expect(node.isAuthenticated)
        let status = node.status(idleStatus)
        #expect(coordinator.read(try #require(status)) == [.status(idleStatus)])
    }

    @Test func startIsAcknowledgedUnderItsSequenceAndBeginsCapture() {
        var (node, coordinator) = connected()
        let start = coordinator.frame(startMessage())
        let outputs = node.received(start.bytes)
        guard case .beginCapture(let plan) = outputs.last else { Issue.record("no capture: \(outputs)"); return }
        #expect(plan.schedule.start.nanosecondsSinceEpoch == 1_000_000_000_000)
        #expect(coordinator.read(written(outputs)) == [.ack(.init(sequence: start.sequence))])
        #expect(node.sessionID == 77)
    }

    @Test func aForgedFrameIsAnsweredWithErrorAndClosesTheConnection() {
        var (node, _) = connected()
        var forger = ScriptedCoordinator(key: otherKey)
        let outputs = node.received(forger.frame(.stop(stopIndex: 1)).bytes)
        guard case .close(.rejectedFrame(let error)) = outputs.last else { Issue.record("not closed: \(outputs)"); return }
        #expect(error.code == .badMAC)
        #expect(!written(outputs).isEmpty, "the ERROR")
        // Nothing more on this connection: no STATUS, no frames taken.
        #expect(!node.isAuthenticated)
        #expect(node.status(idleStatus) == nil)
        #expect(node.received(forger.frame(.stop(stopIndex: 2)).bytes).isEmpty)
    }

    @Test func aReplayedStartIsRejected() {
        var (node, coordinator) = connected()
        let start = coordinator.frame(startMessage()).bytes
        #expect(node.received(start).contains { if case .beginCapture = $0 { true } else { false } })
        guard case .close(.rejectedFrame(let error)) = node.received(start).last else { Issue.record("replay accepted"); return }
        #expect(error.code == .replay)
    }

    @Test func theCoordinatorsErrorClosesWithoutAnswerEvenBeforeTheAck() {
        var node = NodeEndpoint(key: testKey)
        var coordinator = ScriptedCoordinator()
        _ = coordinator.read(node.connectionOpened(nonce: 1111, hello: nodeHello))
        let refusal = ControlError(.unexpected, "camera 'cam1' is not in this rig's configuration")
        #expect(node.received(coordinator.frame(.error(refusal)).bytes) == [.close(.coordinatorError(refusal))])
        #expect(NodeEndpoint.CloseReason.coordinatorError(refusal).description.contains("not in this rig's configuration"))
    }

    @Test func startOfAnotherSessionWhileRecordingIsRefused() {
        var (node, coordinator) = connected()
        _ = node.received(coordinator.frame(startMessage()).bytes)
        coordinator.sessionID = 78
        let outputs = node.received(coordinator.frame(startMessage()).bytes)
        guard case .close(.refusedMessage(let error)) = outputs.last else { Issue.record("not refused: \(outputs)"); return }
        #expect(error.code == .busy)
        #expect(coordinator.read(written(outputs)) == [.error(error)])
    }

    @Test func aReconnectKeepsTheSessionAndIsNotStartedTwice() {
        var (node, first) = connected()
        _ = node.received(first.frame(startMessage()).bytes)
        node.connectionClosed()
        #expect(node.status(idleStatus) == nil)
        // A new connection with a new nonce: HELLO names the session being recorded.
        var second = ScriptedCoordinator(nonce: 3333)
        let hello = node.connectionOpened(nonce: 4444, hello: nodeHello)
        #expect(second.connection.receive(hello).first == .message(.hello(.init(
            nodeName: "cam1", softwareVersion: "t", capabilities: [], ptp: .unknown, nonce: 4444)), sessionID: 77, sequence: 1))
        #expect(node.received(second.ackHello()) == [.authenticated])
        // The old connection's frames do not authenticate on the new one.
        guard case .close(.rejectedFrame(let error)) = node.received(first.frame(.stop(stopIndex: 5)).bytes).last else {
            Issue.record("a frame of the old connection was accepted"); return
        }
        #expect(error.code == .badMAC)
    }

    @Test func theSameSessionAgainAfterAReconnectOnlyAdoptsTheStopIndex() {
        var (node, first) = connected()
        _ = node.received(first.frame(startMessage()).bytes)
        node.connectionClosed()
        var second = ScriptedCoordinator(nonce: 3333)
        _ = second.read(node.connectionOpened(nonce: 4444, hello: nodeHello))
        _ = node.received(second.ackHello())
        let again = second.frame(startMessage(stop: 90))
        let outputs = node.received(again.bytes)
        #expect(outputs.last == .stopCapture(90))
        #expect(!outputs.contains { if case .beginCapture = $0 { true } else { false } })
        #expect(second.read(written(outputs)) == [.ack(.init(sequence: again.sequence))])
    }
}
