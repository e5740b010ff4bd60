import GenlockControl
import GenlockCore
import Testing

/// Issue 13, item 3: a restarted coordinator adopts the running session from the nodes'
/// authenticated HELLOs and can STOP it on one index.
@Suite("A restarted coordinator adopts the running session")
struct AdoptionTests {
    let t = RealtimeInstant(nanosecondsSinceEpoch: 1_000_000_000_000)
    func at(_ seconds: Int64) -> ClockSample { ClockSample(realtime: t + .seconds(seconds), monotonic: mono(Double(seconds))) }

    func coordinator(sessionID: UInt64, onRecord: UInt64?) -> CoordinatorEndpoint {
        CoordinatorEndpoint(
            configuration: .init(cameras: ["a", "b"], rate: try! FrameRate(parsing: "30"), lead: .seconds(2), stopMargin: .milliseconds(500),
                                 ptpGate: false, maximumPTPOffset: .microseconds(1), sessionOnRecord: onRecord),
            key: testKey, sessionID: sessionID)
    }

    /// Connects `node` as `name` on connection `id` and carries every byte both ways until quiet;
    /// returns the node's outputs and the coordinator's.
    @discardableResult
    func connect(_ node: inout NodeEndpoint, _ name: String, id: ConnectionID, to c: inout CoordinatorEndpoint, nonce: UInt64) -> ([NodeEndpoint.Output], [CoordinatorEndpoint.Output]) {
        node.connectionOpened(nonce: nonce, hello: .init(nodeName: name, softwareVersion: "t", capabilities: [], ptp: .unknown, nonce: 0), at: mono(0))
        return carry(&node, id: id, &c, c.accepted(id, nonce: nonce + 1, peer: "10.0.0.\(id):4000", at: mono(0)))
    }

    func carry(_ node: inout NodeEndpoint, id: ConnectionID, _ c: inout CoordinatorEndpoint, _ first: [CoordinatorEndpoint.Output]) -> ([NodeEndpoint.Output], [CoordinatorEndpoint.Output]) {
        var nodeOutputs: [NodeEndpoint.Output] = []
        var coordinatorOutputs = first
        var pending = first
        while true {
            let bytes = pending.flatMap { output -> [UInt8] in if case .write(id, let b) = output { b } else { [] } }
            guard !bytes.isEmpty else { return (nodeOutputs, coordinatorOutputs) }
            let replies = node.received(bytes, at: mono(0))
            nodeOutputs += replies
            let back = written(replies)
            pending = back.isEmpty ? [] : c.received(id, back, at: mono(0))
            coordinatorOutputs += pending
        }
    }

    func begun(_ outputs: [NodeEndpoint.Output]) -> Bool { outputs.contains { if case .beginCapture = $0 { true } else { false } } }
    func stops(_ outputs: [NodeEndpoint.Output]) -> [Int64] { outputs.compactMap { if case .stopCapture(let n) = $0 { n } else { nil } } }

    @Test func theSessionOnRecordIsAdoptedAndStoppedOnOneIndex() throws {
        // The first coordinator starts a session with both nodes, then dies.
        var first = coordinator(sessionID: 0x5E55, onRecord: nil)
        var a = NodeEndpoint(key: testKey), b = NodeEndpoint(key: testKey)
        connect(&a, "a", id: 1, to: &first, nonce: 100)
        connect(&b, "b", id: 2, to: &first, nonce: 200)
        let started = first.tick(now: at(0))
        let records = started.compactMap { if case .persist(let r) = $0 { r } else { nil } }
        #expect(records.map(\.sessionID) == [0x5E55], "START is persisted")
        #expect(begun(carry(&a, id: 1, &first, started).0))
        #expect(begun(carry(&b, id: 2, &first, started).0))
        let t0 = try #require(first.core.start).t0Ns
        a.connectionClosed()
        b.connectionClosed()

        // A new coordinator process, its own fresh session id, the record of 0x5E55.
        var second = coordinator(sessionID: 0x9999, onRecord: 0x5E55)
        let (aOut, cOut) = connect(&a, "a", id: 1, to: &second, nonce: 300)
        #expect(second.core.sessionID == 0x5E55)
        #expect(second.core.start?.t0Ns == t0)
        #expect(second.core.phase == .started)
        #expect(cOut.contains { if case .log(let text) = $0 { text.hasPrefix("adopted session 0000000000005e55 from a") } else { false } })
        #expect(!begun(aOut), "the node's run goes on; nothing starts twice")
        #expect(!aOut.contains { if case .close = $0 { true } else { false } }, "no busy refusal")
        connect(&b, "b", id: 2, to: &second, nonce: 400)
        // The adopted session is stopped on one index, on both nodes.
        let stopped = second.stopRequested(now: at(10))
        let stopA = stops(carry(&a, id: 1, &second, stopped).0)
        let stopB = stops(carry(&b, id: 2, &second, stopped).0)
        #expect(stopA.count == 1)
        #expect(stopA == stopB)
        #expect(stopA.first == second.core.stopIndex)
        #expect(stopped.contains { if case .persist(let r) = $0 { r.start.stopIndex == second.core.stopIndex && r.sessionID == 0x5E55 } else { false } })
    }

    @Test func aSessionNotOnRecordIsNotAdopted() {
        var first = coordinator(sessionID: 0x5E55, onRecord: nil)
        var a = NodeEndpoint(key: testKey), b = NodeEndpoint(key: testKey)
        connect(&a, "a", id: 1, to: &first, nonce: 100)
        connect(&b, "b", id: 2, to: &first, nonce: 200)
        #expect(begun(carry(&a, id: 1, &first, first.tick(now: at(0))).0))
        a.connectionClosed()
        var other = coordinator(sessionID: 0x9999, onRecord: 0x1234)
        let (_, cOut) = connect(&a, "a", id: 1, to: &other, nonce: 300)
        #expect(other.core.sessionID == 0x9999)
        #expect(other.core.phase == .waiting)
        #expect(cOut.contains { if case .log(let text) = $0 { text.contains("not the session on record") } else { false } })
    }
}
