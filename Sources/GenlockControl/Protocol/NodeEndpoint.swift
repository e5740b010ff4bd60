import GenlockCore

/// The camera node's end of the control protocol, whole: the session (``NodeControl``, which
/// outlives connections, so a node that reconnects keeps its session and is not started twice)
/// and the current connection (``ControlConnection``: framing, authentication, sequence numbers,
/// nonces). Events in, outputs out; `NodeClient` (TCP) and the simulator (simulated TCP) only move
/// the bytes and carry the outputs out, so both run exactly this code.
///
/// Pure: no I/O, no clock, no randomness. Each connection's nonce is passed in by the transport
/// (random in `NodeClient`, from the seed in the simulator, which keeps a run deterministic).
public struct NodeEndpoint: Sendable {
    /// What the transport must do, in order.
    public enum Output: Hashable, Sendable {
        /// Write these bytes on the connection.
        case write([UInt8])
        /// The coordinator proved it holds the rig key (its ACK of HELLO authenticated): the
        /// connection is live. Only authenticated traffic counts as the coordinator's presence.
        case authenticated
        /// Run this plan (once per session).
        case beginCapture(StartPlan)
        /// Capture only frames before this index.
        case stopCapture(Int64)
        /// Close the connection (after writing the bytes above) and reconnect.
        case close(CloseReason)
    }

    /// Why the node closes its connection: a line for the node's log.
    public enum CloseReason: Hashable, Sendable, CustomStringConvertible {
        /// A frame from the coordinator failed framing, authentication or its sequence number
        /// (ERROR was sent).
        case rejectedFrame(ControlError)
        /// The coordinator asked for something the node refuses, such as START of another session
        /// while recording (ERROR was sent).
        case refusedMessage(ControlError)
        /// The coordinator sent ERROR (never answered with one).
        case coordinatorError(ControlError)

        public var description: String {
            switch self {
            case .rejectedFrame(let error): "rejected the coordinator's frame: \(error)"
            case .refusedMessage(let error): "refused the coordinator's message: \(error)"
            case .coordinatorError(let error): "coordinator error: \(error)"
            }
        }
    }

    private let key: RigKey
    private var control = NodeControl()
    /// The open connection; nil between connections, and from the moment this side decides to close.
    private var connection: ControlConnection?

    public init(key: RigKey) {
        self.key = key
    }

    /// The session being recorded, 0 before the first START.
    public var sessionID: UInt64 { control.sessionID }

    /// A connection is open and the coordinator has authenticated itself on it.
    public var isAuthenticated: Bool { connection != nil && control.helloAcknowledged }

    /// A connection is up: returns the HELLO frame to write first. `nonce` is this connection's
    /// fresh random nonce (non-zero); it replaces `hello.nonce`.
    public mutating func connectionOpened(nonce: UInt64, hello: ControlMessage.Hello) -> [UInt8] {
        control.connectionOpened()
        var connection = ControlConnection(role: .node, key: key, localNonce: nonce)
        var hello = hello
        hello.nonce = nonce
        let bytes = connection.encode(.hello(hello), sessionID: control.sessionID).bytes
        self.connection = connection
        return bytes
    }

    /// Bytes arrived on the connection. Nothing more is accepted after a `close` output.
    public mutating func received(_ bytes: some Collection<UInt8>) -> [Output] {
        guard let inbound = connection?.receive(bytes) else { return [] }
        var outputs: [Output] = []
        for item in inbound {
            switch item {
            case .violation(let error):
                outputs += frame(.error(error))
                outputs.append(close(.rejectedFrame(error)))
                return outputs
            case .message(let message, let sessionID, let sequence):
                for action in control.received(message, sessionID: sessionID, sequence: sequence) {
                    switch action {
                    case .send(let reply):
                        outputs += frame(reply)
                    case .usePeerNonce(let nonce):
                        connection?.learnPeerNonce(nonce)
                        outputs.append(.authenticated)
                    case .beginCapture(let plan):
                        outputs.append(.beginCapture(plan))
                    case .stopCapture(let index):
                        outputs.append(.stopCapture(index))
                    case .close(let reason):
                        outputs.append(close(reason))
                        return outputs
                    }
                }
            }
        }
        return outputs
    }

    /// The connection is gone (either end closed it, or it broke).
    public mutating func connectionClosed() {
        connection = nil
    }

    /// A STATUS frame to write, or nil when not connected and authenticated (the STATUS is
    /// dropped: the next one carries the news).
    public mutating func status(_ status: ControlMessage.Status) -> [UInt8]? {
        guard isAuthenticated else { return nil }
        return connection?.encode(.status(status), sessionID: control.sessionID).bytes
    }

    /// The session's capture run ended.
    public mutating func captureFinished() {
        control.captureFinished()
    }

    private mutating func frame(_ message: ControlMessage) -> [Output] {
        guard let bytes = connection?.encode(message, sessionID: control.sessionID).bytes else { return [] }
        return [.write(bytes)]
    }

    private mutating func close(_ reason: CloseReason) -> Output {
        connection = nil
        return .close(reason)
    }
}
