import GenlockControl
import GenlockCore
import Testing

/// A node's side of one connection, played by hand with a bare ``ControlConnection``.
struct ScriptedNode {
    var connection: ControlConnection

    init(key: RigKey = testKey, nonce: UInt64 = 1111) {
        connection = ControlConnection(role: .node, key: key, localNonce: nonce)
    }

    mutating func hello(_ name: String, ptp: PTPReport = .unknown) -> [UInt8] {
        frame(.hello(.init(nodeName: name, softwareVersion: "t", capabilities: [], ptp: ptp, nonce: connection.localNonce))).bytes
    }

    mutating func frame(_ message: ControlMessage) -> (bytes: [UInt8], sequence: UInt64) {
        connection.encode(message, sessionID: 0)
    }

    /// What the coordinator wrote to this node (its CHALLENGE teaches the connection its nonce).
    mutating func read(_ bytes: [UInt8]) -> [(message: ControlMessage, sessionID: UInt64, sequence: UInt64)] {
        connection.receive(bytes).compactMap { inbound in
            guard case .message(let message, let sessionID, let sequence) = inbound else { Issue.record("bad frame: \(inbound)"); return nil }
            return (message, sessionID, sequence)
        }
    }
}

private let t = RealtimeInstant(nanosecondsSinceEpoch: 1_000_000_000_000)
/// The coordinator's clock pair `seconds` after `t` (monotonic `mono(seconds)`).
private func at(_ seconds: Double) -> ClockSample {
    ClockSample(realtime: t + .nanoseconds(Int64(seconds * 1e9)), monotonic: mono(seconds))
}
private let session: UInt64 = 0xABC

private func endpoint(cameras: [String] = ["a"], finishTimeout: TimeSpan? = nil, ptpGate: Bool = false, limits: CoordinatorEndpoint.Limits = .init(),
                      sessionID: UInt64 = session, startOnRequest: Bool = false) -> CoordinatorEndpoint {
    CoordinatorEndpoint(
        configuration: .init(cameras: cameras, rate: try! FrameRate(parsing: "30"), lead: .seconds(2), stopMargin: .milliseconds(500),
                             ptpGate: ptpGate, maximumPTPOffset: .microseconds(1), startOnRequest: startOnRequest),
        key: testKey, sessionID: sessionID, finishTimeout: finishTimeout, limits: limits)
}

private func closes(_ outputs: [CoordinatorEndpoint.Output]) -> [ConnectionID] {
    outputs.compactMap { if case .close(let id) = $0 { id } else { nil } }
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
    private func connect(_ coordinator: inout CoordinatorEndpoint, _ name: String, id: ConnectionID, nonce: UInt64 = 2222,
                         ptp: PTPReport = .unknown, now: Double = 0) -> ScriptedNode {
        var node = ScriptedNode(nonce: nonce + 1)
        _ = node.read(writes(to: id, coordinator.accepted(id, nonce: nonce, peer: "10.0.0.\(id):4000", at: mono(now))))
        _ = node.read(writes(to: id, coordinator.received(id, node.hello(name, ptp: ptp), at: mono(now))))
        return node
    }

    @Test func theChallengeComesFirstAndHelloOverItIsAcknowledged() {
        var coordinator = endpoint()
        var node = ScriptedNode()
        let challenge = node.read(writes(to: 1, coordinator.accepted(1, nonce: 2222, peer: "10.0.0.1:4000", at: mono(0))))
        #expect(challenge.map(\.message) == [.challenge(nonce: 2222)])
        #expect(coordinator.unauthenticatedCount == 1)
        let outputs = coordinator.received(1, node.hello("a"), at: mono(0))
        #expect(logs(outputs).first?.hasPrefix("a connected") == true)
        #expect(coordinator.unauthenticatedCount == 0)
        let replies = node.read(writes(to: 1, outputs))
        #expect(replies.map(\.message) == [.ack(.init(sequence: 1))])
        // From now on the node's frames are authenticated with that nonce.
        let status = node.frame(.status(idleStatus)).bytes
        #expect(!coordinator.received(1, status, at: mono(0)).contains(.close(1)))
    }

    @Test func startIsMatchedToTheAckThatNamesItsSequence() throws {
        var coordinator = endpoint(cameras: ["a", "b"])
        var a = connect(&coordinator, "a", id: 1)
        var b = connect(&coordinator, "b", id: 2, nonce: 3333)
        let started = coordinator.tick(now: at(0))
        let startToA = try #require(a.read(writes(to: 1, started)).first)
        let startToB = try #require(b.read(writes(to: 2, started)).first)
        guard case .start = startToA.message, case .start = startToB.message else { Issue.record("no START: \(started)"); return }
        _ = coordinator.received(1, a.frame(.ack(.init(sequence: startToA.sequence))).bytes, at: mono(0))
        _ = coordinator.received(2, b.frame(.ack(.init(sequence: startToB.sequence - 1))).bytes, at: mono(0))
        let atT0 = logs(coordinator.tick(now: at(2)))
        #expect(atT0.first == "late: no ACK of START before T0 from b")
        #expect(atT0.dropFirst().first?.hasPrefix("START→ACK of 1 of 2 cameras (1 not acknowledged by T0)") == true, "\(atT0)")
    }

    /// The coordinator times each camera's START→ACK on the monotonic clock, from the tick that
    /// decided START to the ACK, and says it once, when the last ACK arrives.
    @Test func startToAckIsTimedFromTheDecidingTickToEachAck() throws {
        var coordinator = endpoint(cameras: ["a", "b"])
        var a = connect(&coordinator, "a", id: 1)
        var b = connect(&coordinator, "b", id: 2, nonce: 3333)
        let started = coordinator.tick(now: at(0.1))
        let startToA = try #require(a.read(writes(to: 1, started)).first)
        let startToB = try #require(b.read(writes(to: 2, started)).first)
        #expect(logs(coordinator.received(2, b.frame(.ack(.init(sequence: startToB.sequence))).bytes, at: mono(0.130))).isEmpty)
        // An ACK naming another sequence is not START's.
        #expect(logs(coordinator.received(1, a.frame(.ack(.init(sequence: startToA.sequence + 7))).bytes, at: mono(0.104))).isEmpty)
        let last = logs(coordinator.received(1, a.frame(.ack(.init(sequence: startToA.sequence))).bytes, at: mono(0.105)))
        #expect(last == ["START→ACK of 2 cameras, from framing START to reading the ACK (monotonic): p50 5 ms, p99 30 ms, max 30 ms"])
        // Said once: not again at T0.
        #expect(logs(coordinator.tick(now: at(2.2))).allSatisfy { !$0.contains("START→ACK") })
    }

    /// An operator's START (the dashboard's button) is timed like one a tick decides.
    @Test func anOperatorsStartIsTimedToItsAck() throws {
        var coordinator = endpoint(startOnRequest: true)
        var a = connect(&coordinator, "a", id: 1)
        let ticked = a.read(writes(to: 1, coordinator.tick(now: at(0.1))))
        #expect(!ticked.contains { if case .start = $0.message { true } else { false } }, "START waits for the operator")
        let started = coordinator.startRequested(now: at(0.2))
        let start = try #require(a.read(writes(to: 1, started)).first)
        guard case .start = start.message else { Issue.record("no START: \(started)"); return }
        let last = logs(coordinator.received(1, a.frame(.ack(.init(sequence: start.sequence))).bytes, at: mono(0.207)))
        #expect(last == ["START→ACK of 1 cameras, from framing START to reading the ACK (monotonic): p50 7 ms, p99 7 ms, max 7 ms"])
    }

    @Test func aForgedHelloIsAnsweredWithErrorAndTheConnectionForgotten() {
        var coordinator = endpoint()
        var intruder = ScriptedNode(key: otherKey)
        _ = coordinator.accepted(1, nonce: 2222, peer: "10.0.0.1:4000", at: mono(0))
        let outputs = coordinator.received(1, intruder.hello("a"), at: mono(0))
        #expect(outputs.last == .close(1))
        #expect(logs(outputs).first?.hasPrefix("rejected connection from 10.0.0.1:4000: badMAC") == true)
        #expect(!writes(to: 1, outputs).isEmpty, "the ERROR")
        #expect(coordinator.received(1, intruder.hello("a"), at: mono(0)).isEmpty)
        #expect(coordinator.closed(1).isEmpty)
    }

    @Test func aReplayedFrameClosesTheConnectionAndTheNodeIsGone() {
        var coordinator = endpoint()
        var node = connect(&coordinator, "a", id: 1)
        let status = node.frame(.status(idleStatus)).bytes
        _ = coordinator.received(1, status, at: mono(0))
        let outputs = coordinator.received(1, status, at: mono(0))
        #expect(logs(outputs).first?.contains("replay") == true)
        #expect(outputs.contains(.close(1)))
        #expect(logs(outputs).last == "a disconnected")
        guard case .error(let error)? = node.read(writes(to: 1, outputs)).first?.message else { Issue.record("no ERROR: \(outputs)"); return }
        #expect(error.code == .replay)
    }

    @Test func aNodesErrorClosesWithoutAnAnswer() {
        var coordinator = endpoint()
        var node = connect(&coordinator, "a", id: 1)
        let outputs = coordinator.received(1, node.frame(.error(ControlError(.busy, "already recording"))).bytes, at: mono(0))
        #expect(outputs == [.log("a (10.0.0.1:4000) sent ERROR: busy: already recording"), .close(1), .log("a disconnected")])
    }

    @Test func aNodeSendingStartIsRefused() {
        var coordinator = endpoint()
        var node = connect(&coordinator, "a", id: 1)
        let start = ControlMessage.start(.init(t0Ns: 0, rate: try! FrameRate(parsing: "30"), firstIndex: 0, stopIndex: nil))
        let outputs = coordinator.received(1, node.frame(start).bytes, at: mono(0))
        #expect(logs(outputs) == ["rejected connection from a (10.0.0.1:4000): unexpected: a node does not send START", "a disconnected"])
        #expect(outputs.contains(.close(1)))
        #expect(node.read(writes(to: 1, outputs)).map(\.message) == [.error(ControlError(.unexpected, "a node does not send START"))])
    }

    @Test func aNodeThatReconnectsGetsTheSameSessionAndItsOldConnectionIsClosedAndLogged() {
        var coordinator = endpoint()
        var old = connect(&coordinator, "a", id: 1)
        _ = coordinator.tick(now: at(0))
        var fresh = ScriptedNode(nonce: 5555)
        _ = fresh.read(writes(to: 2, coordinator.accepted(2, nonce: 6666, peer: "10.0.0.9:4001", at: mono(0))))
        let outputs = coordinator.received(2, fresh.hello("a"), at: mono(0))
        #expect(outputs.contains(.close(1)))
        #expect(logs(outputs).contains("a: the connection from 10.0.0.9:4001 displaced the live one from 10.0.0.1:4000"))
        let replies = fresh.read(writes(to: 2, outputs))
        #expect(replies.map(\.message.name) == ["ACK", "START"])
        #expect(replies.allSatisfy { $0.sessionID == session })
        // The old connection is forgotten: its frames are ignored and its end does not count as a loss.
        #expect(coordinator.received(1, old.frame(.status(idleStatus)).bytes, at: mono(0)).isEmpty)
        #expect(coordinator.closed(1).isEmpty)
    }

    /// Issue 13, item 1: every frame of a real exchange recorded, then replayed. The HELLO (even one
    /// reporting PTP locked) fails on a fresh coordinator's connection, so no START, the real node
    /// keeps its connection, and the PTP gate stays shut; the coordinator's frames replayed to the
    /// real node on a new connection authenticate nothing either.
    @Test func aRecordedExchangeReplayedGetsNoStartDisplacesNobodyAndOpensNoGate() throws {
        let locked = PTPReport(locked: true, offsetNs: 10, portState: "SLAVE")
        // The recording: a real node endpoint and a first coordinator, every byte both ways kept.
        var first = endpoint(cameras: ["a"], ptpGate: true, sessionID: 0x111)
        var node = NodeEndpoint(key: testKey)
        var fromCoordinator: [[UInt8]] = []
        var fromNode: [[UInt8]] = []
        node.connectionOpened(nonce: 1111, hello: .init(nodeName: "a", softwareVersion: "t", capabilities: [], ptp: locked, nonce: 0), at: mono(0))
        fromCoordinator.append(writes(to: 1, first.accepted(1, nonce: 2222, peer: "10.0.0.1:4000", at: mono(0))))
        fromNode.append(written(node.received(fromCoordinator[0], at: mono(0))))
        fromCoordinator.append(writes(to: 1, first.received(1, fromNode[0], at: mono(0))))
        _ = node.received(fromCoordinator[1], at: mono(0))
        #expect(node.isAuthenticated)
        fromCoordinator.append(writes(to: 1, first.tick(now: at(0))))
        let began = node.received(fromCoordinator[2], at: mono(0))
        #expect(began.contains { if case .beginCapture = $0 { true } else { false } }, "the recorded exchange is a real session")

        // A fresh coordinator; the real camera is connected, its PTP not locked yet.
        var fresh = endpoint(cameras: ["a"], ptpGate: true, sessionID: 0x222)
        _ = connect(&fresh, "a", id: 1, nonce: 3333, ptp: PTPReport(locked: false, offsetNs: 900_000, portState: "SLAVE"))
        #expect(logs(fresh.tick(now: at(0))) == ["holding START: PTP not locked on a"])
        // The attacker replays the node's recorded frames on its own connection.
        _ = fresh.accepted(2, nonce: 4444, peer: "10.6.6.6:666", at: mono(1))
        let replayed = fresh.received(2, fromNode.joined(), at: mono(1))
        #expect(closes(replayed) == [2], "only the attacker's connection closes")
        #expect(logs(replayed).first?.contains("badMAC") == true)
        #expect(fresh.core.start == nil)
        let later = fresh.tick(now: at(5))
        #expect(!later.contains { if case .write(_, let bytes) = $0 { isStart(bytes) } else { false } })
        #expect(fresh.core.phase == .waiting, "the gate stays shut: the replayed PTP-locked HELLO counted for nothing")
        #expect(!closes(later).contains(1))

        // The coordinator's recorded frames, replayed to the real node on a new connection.
        node.connectionClosed()
        node.connectionOpened(nonce: 7777, hello: .init(nodeName: "a", softwareVersion: "t", capabilities: [], ptp: locked, nonce: 0), at: mono(2))
        let outputs = node.received(fromCoordinator.joined(), at: mono(2))
        #expect(!node.isAuthenticated)
        #expect(!outputs.contains { if case .heard = $0 { true } else { false } })
        guard case .close(.rejectedFrame(let error)) = outputs.last else { Issue.record("replay accepted: \(outputs)"); return }
        #expect(error.code == .badMAC)
    }

    private func isStart(_ bytes: [UInt8]) -> Bool { bytes.count > 5 && bytes[5] == 2 }

    @Test func aConnectionThatNeverAuthenticatesIsClosedAfterTheHandshakeTimeout() {
        var coordinator = endpoint(limits: .init(handshakeTimeout: .seconds(5)))
        _ = coordinator.accepted(1, nonce: 2222, peer: "10.0.0.1:4000", at: mono(0))
        // A slowloris: one byte of a frame now and then changes nothing.
        _ = coordinator.received(1, ControlWire.magic[0..<1], at: mono(4))
        #expect(closes(coordinator.tick(now: at(4.9))).isEmpty)
        let outputs = coordinator.tick(now: at(5))
        #expect(closes(outputs) == [1])
        #expect(logs(outputs) == ["closed 10.0.0.1:4000: no authenticated HELLO within 5 s"])
        #expect(coordinator.unauthenticatedCount == 0)
    }

    @Test func anAuthenticatedNodeHearsAHeartbeatEverySecondAndIsClosedWhenIdle() {
        var coordinator = endpoint(limits: .init(idleTimeout: .seconds(10), heartbeatInterval: .seconds(1)))
        var node = connect(&coordinator, "a", id: 1)
        _ = coordinator.accepted(2, nonce: 9, peer: "10.0.0.2:4000", at: mono(0))
        var heartbeats: [Int64] = []
        for tenth in 0...25 {
            let outputs = coordinator.tick(now: at(Double(tenth) / 10))
            #expect(writes(to: 2, outputs).isEmpty, "an unauthenticated connection hears nothing")
            for m in node.read(writes(to: 1, outputs)) { if case .heartbeat(let sent) = m.message { heartbeats.append(sent) } }
        }
        #expect(heartbeats == [0, 1, 2].map { (t + .seconds($0)).nanosecondsSinceEpoch })
        _ = coordinator.received(1, node.frame(.status(idleStatus)).bytes, at: mono(3))
        #expect(!closes(coordinator.tick(now: at(12.9))).contains(1))
        let idle = coordinator.tick(now: at(13))
        #expect(closes(idle).contains(1))
        #expect(logs(idle).contains("a (10.0.0.1:4000) sent nothing for 10 s; closing its connection"))
    }

    @Test func unauthenticatedConnectionsAreCappedOldestFirstAndNeverTakeACamerasPlace() {
        var coordinator = endpoint(cameras: ["a"], limits: .init(maximumUnauthenticated: 3))
        var closed: [ConnectionID] = []
        var lines: [String] = []
        for id in 10..<20 {
            let outputs = coordinator.accepted(id, nonce: UInt64(id), peer: "10.6.6.6:\(id)", at: mono(0))
            closed += closes(outputs)
            lines += logs(outputs)
        }
        #expect(closed == Array(10..<17))
        #expect(coordinator.unauthenticatedCount == 3)
        // The camera still gets in (the oldest waiting connection makes room), and once it has
        // authenticated the cap no longer counts it.
        _ = connect(&coordinator, "a", id: 1, now: 0.1)
        #expect(coordinator.unauthenticatedCount == 2)
        #expect(logs(coordinator.tick(now: at(0.2))).contains { $0.hasPrefix("START") })
        // One line for the first eviction; the rest are counted and summed when the window ends.
        #expect(lines == ["closed 10.6.6.6:10: 3 connections waiting to authenticate, the oldest makes room"])
        let summary = logs(coordinator.tick(now: at(10)))
        #expect(summary.contains("rejected 7 more unauthenticated connections in the last 10 s (evicted 7)"), "\(summary)")
    }

    @Test func afterStopTheFinishTimeoutEndsTheSessionOnceNamingOnlyTheMissingCameras() {
        var coordinator = endpoint(cameras: ["a", "b"], finishTimeout: .seconds(1))
        var a = connect(&coordinator, "a", id: 1)
        var b = connect(&coordinator, "b", id: 2, nonce: 3333)
        _ = coordinator.tick(now: at(0))
        #expect(coordinator.stopRequested(now: at(3)).contains { if case .write(1, _) = $0 { true } else { false } })
        let done = ControlMessage.Status(ptp: .unknown, framesCaptured: 1, framesSkipped: 0, lastIndex: 0, finished: true)
        _ = coordinator.received(1, a.frame(.status(done)).bytes, at: mono(3.1))
        _ = coordinator.received(2, b.frame(.status(idleStatus)).bytes, at: mono(3.1))
        // The wait is the timeout plus the stop margin (1.5 s).
        #expect(summary(coordinator.tick(now: at(4.4))) == nil)
        let ended = coordinator.tick(now: at(4.6))
        #expect(logs(ended).contains("no report of a finished run within 1 s of STOP from b; ending without them"))
        #expect(summary(ended)?.stopIndex == coordinator.core.stopIndex)
        #expect(summary(ended)?.nodes["a"] == done, "the summary keeps the reports that came")
        let late = ControlMessage.Status(ptp: .unknown, framesCaptured: 1, framesSkipped: 0, lastIndex: 0, finished: true)
        #expect(summary(coordinator.received(2, b.frame(.status(late)).bytes, at: mono(5))) == nil)
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
        node.connectionOpened(nonce: 1111, hello: nodeHello, at: mono(0))
        carry(coordinator.accepted(1, nonce: 2222, peer: "10.0.0.1:4000", at: mono(0)))
    }

    mutating func toCoordinator(_ bytes: [UInt8]) {
        carry(coordinator.received(1, bytes, at: mono(0)))
    }

    /// Takes the coordinator's outputs, delivering what it wrote (and the node's replies, and so on).
    mutating func carry(_ outputs: [CoordinatorEndpoint.Output]) {
        coordinatorOutputs += outputs
        let bytes = writes(to: 1, outputs)
        guard !bytes.isEmpty else { return }
        let replies = node.received(bytes, at: mono(0))
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
        #expect(link.nodeOutputs.filter { if case .write = $0 { false } else { true } } == [.heard(coordinatorTime: nil), .authenticated])
        link.carry(link.coordinator.tick(now: at(0)))
        let plan = try #require(link.nodeOutputs.lazy.compactMap { if case .beginCapture(let plan) = $0 { plan } else { nil } }.first)
        #expect(plan.schedule.start == t + .seconds(2))
        // The node's ACK named START's sequence, so nobody is reported late at T0.
        link.carry(link.coordinator.tick(now: at(2)))
        #expect(logs(link.coordinatorOutputs).contains("all cameras acknowledged START before T0"))
        link.carry(link.coordinator.stopRequested(now: at(3)))
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
