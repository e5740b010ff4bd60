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

    /// The CHALLENGE: the first frame on every connection.
    mutating func challenge() -> [UInt8] {
        frame(.challenge(nonce: connection.localNonce)).bytes
    }

    /// The ACK of HELLO.
    mutating func ackHello() -> [UInt8] {
        frame(.ack(.init(sequence: 1))).bytes
    }
}

let nodeHello = ControlMessage.Hello(nodeName: "cam1", softwareVersion: "t", capabilities: [], ptp: .unknown, nonce: 0)
let idleStatus = ControlMessage.Status(ptp: .unknown, framesCaptured: 0, framesSkipped: 0, lastIndex: nil, finished: false)
/// A monotonic instant `seconds` into a test.
func mono(_ seconds: Double) -> MonotonicInstant { MonotonicInstant(nanoseconds: 1_000_000_000_000 + Int64(seconds * 1e9)) }

private func startMessage(t0: Int64 = 1_000_000_000_000, first: Int64 = 0, stop: Int64? = nil) -> ControlMessage {
    .start(.init(t0Ns: t0, rate: try! FrameRate(parsing: "30"), firstIndex: first, stopIndex: stop))
}

/// The bytes of every `write` output, in order.
func written(_ outputs: [NodeEndpoint.Output]) -> [UInt8] {
    outputs.flatMap { output -> [UInt8] in if case .write(let bytes) = output { bytes } else { [] } }
}

@Suite("NodeEndpoint")
struct NodeEndpointTests {
    /// A node endpoint and its coordinator after the CHALLENGE/HELLO/ACK handshake, at `mono(0)`.
    private func connected(nonce: UInt64 = 1111) -> (NodeEndpoint, ScriptedCoordinator) {
        var node = NodeEndpoint(key: testKey)
        var coordinator = ScriptedCoordinator()
        node.connectionOpened(nonce: nonce, hello: nodeHello, at: mono(0))
        #expect(coordinator.read(written(node.received(coordinator.challenge(), at: mono(0)))).count == 1)
        #expect(node.received(coordinator.ackHello(), at: mono(0)) == [.heard(coordinatorTime: nil), .authenticated])
        return (node, coordinator)
    }

    @Test func helloAnswersTheChallengeAndStatusWaitsForTheCoordinatorsAck() throws {
        var node = NodeEndpoint(key: testKey)
        #expect(node.status(idleStatus) == nil, "not connected")
        var coordinator = ScriptedCoordinator()
        node.connectionOpened(nonce: 1111, hello: nodeHello, at: mono(0))
        // The CHALLENGE is not the coordinator's presence: anyone can have recorded one.
        let answer = node.received(coordinator.challenge(), at: mono(0))
        #expect(!answer.contains { if case .heard = $0 { true } else { false } })
        #expect(coordinator.read(written(answer)) == [.hello(.init(nodeName: "cam1", softwareVersion: "t", capabilities: [], ptp: .unknown, nonce: 1111))])
        #expect(!node.isAuthenticated)
        #expect(node.status(idleStatus) == nil, "the coordinator has not authenticated itself yet")
        #expect(node.received(coordinator.ackHello(), at: mono(0)) == [.heard(coordinatorTime: nil), .authenticated])
        #expect(node.isAuthenticated)
        let status = node.status(idleStatus)
        #expect(coordinator.read(try #require(status)) == [.status(idleStatus)])
    }

    @Test func startIsAcknowledgedUnderItsSequenceAndBeginsCapture() {
        var (node, coordinator) = connected()
        let start = coordinator.frame(startMessage())
        let outputs = node.received(start.bytes, at: mono(1))
        guard case .beginCapture(let plan) = outputs.last else { Issue.record("no capture: \(outputs)"); return }
        #expect(plan.schedule.start.nanosecondsSinceEpoch == 1_000_000_000_000)
        #expect(coordinator.read(written(outputs)) == [.ack(.init(sequence: start.sequence))])
        #expect(node.sessionID == 77)
    }

    @Test func aHeartbeatIsHeardWithTheCoordinatorsTime() {
        var (node, coordinator) = connected()
        let sent = RealtimeInstant(nanosecondsSinceEpoch: 1_800_000_000_000_000_000)
        #expect(node.received(coordinator.frame(.heartbeat(sentAtNs: sent.nanosecondsSinceEpoch)).bytes, at: mono(1)) == [.heard(coordinatorTime: sent)])
    }

    @Test func theWaitForTheAckIsBounded() {
        // A coordinator that accepts and says nothing, or only its CHALLENGE: closed after the
        // handshake timeout, never authenticated.
        for sendsChallenge in [false, true] {
            var node = NodeEndpoint(key: testKey, configuration: .init(handshakeTimeout: .seconds(5)))
            var coordinator = ScriptedCoordinator()
            node.connectionOpened(nonce: 1111, hello: nodeHello, at: mono(0))
            if sendsChallenge { _ = node.received(coordinator.challenge(), at: mono(1)) }
            #expect(node.tick(now: mono(4.9)).isEmpty)
            #expect(node.tick(now: mono(5)) == [.close(.handshakeTimedOut(.seconds(5)))])
            #expect(!node.isAuthenticated)
            #expect(node.tick(now: mono(6)).isEmpty, "closed once")
        }
    }

    @Test func aSilentCoordinatorIsLeftAfterTheSilenceTimeoutAndOnlyAuthenticatedFramesCount() {
        // The default silence timeout: 15 s, beyond TCP_USER_TIMEOUT's 10 s, so a partition is the
        // transport's to notice; this catches a coordinator whose connection stays up but says nothing.
        var (node, coordinator) = connected()
        #expect(node.configuration.silenceTimeout == .seconds(15))
        _ = node.received(coordinator.frame(.heartbeat(sentAtNs: 1)).bytes, at: mono(3))
        #expect(node.tick(now: mono(17.9)).isEmpty)
        // Bytes that fail authentication are not the coordinator: they close the connection too.
        var forger = ScriptedCoordinator(key: otherKey)
        let forged = node.received(forger.frame(.heartbeat(sentAtNs: 2)).bytes, at: mono(17.95))
        #expect(!forged.contains { if case .heard = $0 { true } else { false } })
        var (quiet, _) = connected()
        #expect(quiet.tick(now: mono(14.9)).isEmpty)
        #expect(quiet.tick(now: mono(15)) == [.close(.coordinatorSilent(.seconds(15)))])
    }

    @Test func aForgedFrameIsAnsweredWithErrorAndClosesTheConnection() {
        var (node, _) = connected()
        var forger = ScriptedCoordinator(key: otherKey)
        let outputs = node.received(forger.frame(.stop(stopIndex: 1)).bytes, at: mono(1))
        guard case .close(.rejectedFrame(let error)) = outputs.last else { Issue.record("not closed: \(outputs)"); return }
        #expect(error.code == .badMAC)
        #expect(!written(outputs).isEmpty, "the ERROR")
        // Nothing more on this connection: no STATUS, no frames taken.
        #expect(!node.isAuthenticated)
        #expect(node.status(idleStatus) == nil)
        #expect(node.received(forger.frame(.stop(stopIndex: 2)).bytes, at: mono(1)).isEmpty)
    }

    @Test func aReplayedStartIsRejected() {
        var (node, coordinator) = connected()
        let start = coordinator.frame(startMessage()).bytes
        #expect(node.received(start, at: mono(1)).contains { if case .beginCapture = $0 { true } else { false } })
        guard case .close(.rejectedFrame(let error)) = node.received(start, at: mono(1)).last else { Issue.record("replay accepted"); return }
        #expect(error.code == .replay)
    }

    @Test func theCoordinatorsErrorClosesWithoutAnswerEvenBeforeTheAck() {
        var node = NodeEndpoint(key: testKey)
        var coordinator = ScriptedCoordinator()
        node.connectionOpened(nonce: 1111, hello: nodeHello, at: mono(0))
        _ = coordinator.read(written(node.received(coordinator.challenge(), at: mono(0))))
        let refusal = ControlError(.unexpected, "camera 'cam1' is not in this rig's configuration")
        #expect(node.received(coordinator.frame(.error(refusal)).bytes, at: mono(0)) == [.heard(coordinatorTime: nil), .close(.coordinatorError(refusal))])
        #expect(NodeEndpoint.CloseReason.coordinatorError(refusal).description.contains("not in this rig's configuration"))
    }

    @Test func startOfAnotherSessionWhileRecordingIsRefused() {
        var (node, coordinator) = connected()
        _ = node.received(coordinator.frame(startMessage()).bytes, at: mono(1))
        coordinator.sessionID = 78
        let outputs = node.received(coordinator.frame(startMessage()).bytes, at: mono(1))
        guard case .close(.refusedMessage(let error)) = outputs.last else { Issue.record("not refused: \(outputs)"); return }
        #expect(error.code == .busy)
        #expect(coordinator.read(written(outputs)) == [.error(error)])
    }

    /// START values a key holder can send that the node cannot run: ERROR before any ACK.
    @Test(arguments: [
        (Int64.min, Int64(0), Int64?.none, "before 1970"),
        (Int64(1_000_000_000_000), Int64.max, Int64?.none, "first index"),
        (Int64(1_000_000_000_000), Int64(Int64.max / 40), Int64?.none, "no deadline in 64-bit time"),
        (Int64(1_000_000_000_000), Int64(0), Int64?.some(.max), "stop index"),
        (Int64.max - 10, Int64(0), Int64?.none, "frame after the first index"),
    ])
    func aStartTheNodeCannotRunIsRefusedBeforeItsAck(t0: Int64, first: Int64, stop: Int64?, why: String) {
        var (node, coordinator) = connected()
        let outputs = node.received(coordinator.frame(startMessage(t0: t0, first: first, stop: stop)).bytes, at: mono(1))
        guard case .close(.refusedMessage(let error)) = outputs.last else { Issue.record("accepted: \(outputs)"); return }
        #expect(error.code == .malformed)
        #expect(error.text.contains(why))
        #expect(coordinator.read(written(outputs)) == [.error(error)], "ERROR, no ACK")
        #expect(!outputs.contains { if case .beginCapture = $0 { true } else { false } })
    }

    @Test func aReconnectKeepsTheSessionReportsItInHelloAndIsNotStartedTwice() {
        var (node, first) = connected()
        _ = node.received(first.frame(startMessage()).bytes, at: mono(1))
        _ = node.received(first.frame(.stop(stopIndex: 500)).bytes, at: mono(1))
        node.connectionClosed()
        #expect(node.status(idleStatus) == nil)
        // A new connection with new nonces: HELLO names the session being recorded, with its stop index.
        var second = ScriptedCoordinator(nonce: 3333)
        node.connectionOpened(nonce: 4444, hello: nodeHello, at: mono(2))
        let hello = written(node.received(second.challenge(), at: mono(2)))
        var expected = nodeHello
        expected.nonce = 4444
        expected.session = .init(t0Ns: 1_000_000_000_000, rate: try! FrameRate(parsing: "30"), firstIndex: 0, stopIndex: 500)
        #expect(second.connection.receive(hello).first == .message(.hello(expected), sessionID: 77, sequence: 1))
        #expect(node.received(second.ackHello(), at: mono(2)) == [.heard(coordinatorTime: nil), .authenticated])
        // The old connection's frames do not authenticate on the new one.
        guard case .close(.rejectedFrame(let error)) = node.received(first.frame(.stop(stopIndex: 5)).bytes, at: mono(2)).last else {
            Issue.record("a frame of the old connection was accepted"); return
        }
        #expect(error.code == .badMAC)
    }

    @Test func theSameSessionAgainAfterAReconnectOnlyAdoptsTheStopIndex() {
        var (node, first) = connected()
        _ = node.received(first.frame(startMessage()).bytes, at: mono(1))
        node.connectionClosed()
        var second = ScriptedCoordinator(nonce: 3333)
        node.connectionOpened(nonce: 4444, hello: nodeHello, at: mono(2))
        _ = second.read(written(node.received(second.challenge(), at: mono(2))))
        _ = node.received(second.ackHello(), at: mono(2))
        let again = second.frame(startMessage(stop: 90))
        let outputs = node.received(again.bytes, at: mono(2))
        #expect(outputs.last == .stopCapture(90))
        #expect(!outputs.contains { if case .beginCapture = $0 { true } else { false } })
        #expect(second.read(written(outputs)) == [.ack(.init(sequence: again.sequence))])
    }
}
