import GenlockCore

/// The coordinator's end of the control protocol, whole: the session's decisions
/// (``CoordinatorCore``) and one ``ControlConnection`` per connection (framing, authentication,
/// sequence numbers, nonces, the START sequence an ACK must name). Events in, outputs out;
/// `CoordinatorServer` (TCP) and the simulator (simulated TCP) only move the bytes and carry the
/// outputs out, so both run exactly this code.
///
/// One rule for a connection that goes wrong: a frame that fails its checks, or a message a node
/// may not send (START, STOP, a second HELLO), is answered with ERROR; a node's ERROR is not
/// answered. Either way the coordinator logs why, closes the connection, and the core learns at
/// once that the node is gone.
///
/// Pure: no I/O, no clock, no randomness. Connection nonces and the time are passed in.
public struct CoordinatorEndpoint: Sendable {
    /// What the transport must do, in order.
    public enum Output: Hashable, Sendable {
        /// Write these bytes on connection `id`.
        case write(ConnectionID, [UInt8])
        /// Close connection `id` (after writing the bytes above). The endpoint has already
        /// forgotten it; its later `closed` event is ignored.
        case close(ConnectionID)
        case log(String)
        /// The session is over (at most once).
        case finished(CoordinatorCore.Summary)
    }

    private struct Peer: Sendable {
        var connection: ControlConnection
        /// How the log names the peer: the transport's description, then the name its HELLO gave.
        var name: String
        var greeted = false
    }

    /// The session's decisions so far (phase, START, stop index); read-only.
    public private(set) var core: CoordinatorCore
    /// After STOP, how long (beyond the stop margin) to wait for every node to report its run
    /// finished before ending without them; nil waits for as long as it takes.
    public var finishTimeout: TimeSpan?
    private let key: RigKey
    private var peers: [ConnectionID: Peer] = [:]
    private var stopRequestedAt: RealtimeInstant?
    private var hasFinished = false

    public init(configuration: CoordinatorCore.Configuration, key: RigKey, sessionID: UInt64, finishTimeout: TimeSpan? = nil) {
        self.core = CoordinatorCore(configuration: configuration, sessionID: sessionID)
        self.key = key
        self.finishTimeout = finishTimeout
    }

    /// A node connected as `id`. `nonce` is the connection's fresh random nonce (non-zero);
    /// `peer` names it in the log until its HELLO does (an address, say).
    public mutating func accepted(_ id: ConnectionID, nonce: UInt64, peer: String) {
        peers[id] = Peer(connection: ControlConnection(role: .coordinator, key: key, localNonce: nonce), name: peer)
    }

    /// Bytes arrived on connection `id`.
    public mutating func received(_ id: ConnectionID, _ bytes: some Collection<UInt8>) -> [Output] {
        guard let inbound = peers[id]?.connection.receive(bytes) else { return [] }
        var outputs: [Output] = []
        // Stops at the first message that closes the connection.
        for item in inbound where peers[id] != nil {
            switch item {
            case .violation(let error): outputs += refuse(id, error)
            case .message(let message, _, _): outputs += handle(message, from: id)
            }
        }
        return outputs
    }

    /// Connection `id` is gone (the node closed it, or it broke).
    public mutating func closed(_ id: ConnectionID) -> [Output] {
        forget(id)
    }

    /// Time passes: START once enough nodes are ready; the late-ACK report at T0; the finish timeout.
    public mutating func tick(now: RealtimeInstant) -> [Output] {
        var outputs = perform(core.handle(.tick(now: now)))
        if let finishTimeout, let stoppedAt = stopRequestedAt, !hasFinished, core.phase == .stopping,
           now - stoppedAt > finishTimeout + core.configuration.stopMargin {
            outputs.append(.log("nodes did not all report finished within \(finishTimeout) of STOP; ending"))
            outputs += finish(CoordinatorCore.Summary(start: core.start, stopIndex: core.stopIndex, nodes: [:]))
        }
        return outputs
    }

    /// Ctrl-C or `genlock coordinator stop`: the common stop index, and STOP to every node.
    public mutating func stopRequested(now: RealtimeInstant) -> [Output] {
        if stopRequestedAt == nil { stopRequestedAt = now }
        return perform(core.handle(.stopRequested(now: now)))
    }

    private mutating func handle(_ message: ControlMessage, from id: ConnectionID) -> [Output] {
        switch message {
        case .hello(let hello) where peers[id]?.greeted == false:
            peers[id]?.greeted = true
            peers[id]?.name = hello.nodeName
            return perform(core.handle(.hello(id, hello)))
        case .status(let status):
            return perform(core.handle(.status(id, status)))
        case .ack(let ack):
            return perform(core.handle(.ack(id, sequence: ack.sequence)))
        case .error(let error):
            return [.log("\(peers[id]?.name ?? "?") sent ERROR: \(error)")] + close(id)
        case .hello:
            return refuse(id, ControlError(.unexpected, "HELLO again on the same connection"))
        case .start, .stop:
            return refuse(id, ControlError(.unexpected, "a node does not send \(message.name)"))
        }
    }

    /// Logs why, answers with ERROR, closes.
    private mutating func refuse(_ id: ConnectionID, _ error: ControlError) -> [Output] {
        [.log("rejected connection from \(peers[id]?.name ?? "?"): \(error)")] + write(.error(error), to: id) + close(id)
    }

    private mutating func close(_ id: ConnectionID) -> [Output] {
        guard peers[id] != nil else { return [] }
        return [.close(id)] + forget(id)
    }

    /// Drops the connection's state and tells the core the node is gone.
    private mutating func forget(_ id: ConnectionID) -> [Output] {
        guard peers.removeValue(forKey: id) != nil else { return [] }
        return perform(core.handle(.disconnected(id)))
    }

    /// Frames `message` for connection `id` (nothing when it is gone), noting the sequence under
    /// which START went so its ACK can be matched.
    private mutating func write(_ message: ControlMessage, to id: ConnectionID) -> [Output] {
        guard var peer = peers[id] else { return [] }
        let (bytes, sequence) = peer.connection.encode(peer.connection.completingHelloAck(message), sessionID: core.sessionID)
        peers[id] = peer
        if case .start = message { core.sentStart(to: id, sequence: sequence) }
        return [.write(id, bytes)]
    }

    private mutating func finish(_ summary: CoordinatorCore.Summary) -> [Output] {
        guard !hasFinished else { return [] }
        hasFinished = true
        return [.finished(summary)]
    }

    private mutating func perform(_ actions: [CoordinatorCore.Action]) -> [Output] {
        var outputs: [Output] = []
        for action in actions {
            switch action {
            case .send(let id, let message): outputs += write(message, to: id)
            case .close(let id): outputs += close(id)
            case .log(let text): outputs.append(.log(text))
            case .finished(let summary): outputs += finish(summary)
            }
        }
        return outputs
    }
}
