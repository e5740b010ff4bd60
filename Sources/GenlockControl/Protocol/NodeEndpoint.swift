import GenlockCore

/// The camera node's end of the control protocol, whole: the session (``NodeControl``, which
/// outlives connections, so a node that reconnects keeps its session and is not started twice)
/// and the current connection (``ControlConnection``: framing, authentication, sequence numbers,
/// nonces), with its two timeouts. Events in, outputs out; `NodeClient` (TCP) and the simulator
/// (simulated TCP) only move the bytes and carry the outputs out, so both run exactly this code.
///
/// Liveness is authenticated traffic only: a TCP connection, a CHALLENGE or bytes that fail their
/// checks say nothing about the coordinator. A connection whose coordinator has not acknowledged
/// HELLO within ``Configuration/handshakeTimeout``, or that has been silent (no authenticated
/// frame: the coordinator sends HEARTBEAT every second) for ``Configuration/silenceTimeout``, is
/// closed so the node reconnects.
///
/// Pure: no I/O, no clock, no randomness. Each connection's nonce and the monotonic time are passed
/// in by the transport (random and the real clock in `NodeClient`, from the seed and virtual time
/// in the simulator, which keeps a run deterministic).
public struct NodeEndpoint: Sendable {
    public struct Configuration: Hashable, Sendable {
        /// The longest wait from connecting to the coordinator's ACK of HELLO.
        public var handshakeTimeout: TimeSpan
        /// The longest time without an authenticated frame on a live connection.
        public var silenceTimeout: TimeSpan
        public init(handshakeTimeout: TimeSpan = .seconds(5), silenceTimeout: TimeSpan = .seconds(15)) {
            self.handshakeTimeout = handshakeTimeout
            self.silenceTimeout = silenceTimeout
        }
    }

    /// What the transport must do, in order.
    public enum Output: Hashable, Sendable {
        /// Write these bytes on the connection.
        case write([UInt8])
        /// The coordinator proved it holds the rig key and is fresh (its ACK of this connection's
        /// HELLO authenticated over the node's nonce): the connection is live.
        case authenticated
        /// An authenticated frame arrived from the coordinator: it is alive. A HEARTBEAT carries the
        /// coordinator's realtime when it sent it.
        case heard(coordinatorTime: RealtimeInstant?)
        /// The coordinator names its ingest (START's `ingest`): before ``beginCapture(_:)``.
        case ingestNamed(HostPort)
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
        /// No authenticated ACK of HELLO within this long of connecting.
        case handshakeTimedOut(TimeSpan)
        /// No authenticated frame for this long on an authenticated connection.
        case coordinatorSilent(TimeSpan)

        public var description: String {
            switch self {
            case .rejectedFrame(let error): "rejected the coordinator's frame: \(error)"
            case .refusedMessage(let error): "refused the coordinator's message: \(error)"
            case .coordinatorError(let error): "coordinator error: \(error)"
            case .handshakeTimedOut(let t): "no authenticated answer to HELLO within \(t) of connecting"
            case .coordinatorSilent(let t): "no authenticated frame from the coordinator for \(t)"
            }
        }
    }

    public let configuration: Configuration
    private let key: RigKey
    private var control = NodeControl()
    /// The open connection; nil between connections, and from the moment this side decides to close.
    private var connection: ControlConnection?
    /// When the connection opened, and when its last authenticated frame arrived.
    private var openedAt = MonotonicInstant(nanoseconds: 0)
    private var lastHeardAt: MonotonicInstant?

    public init(key: RigKey, configuration: Configuration = .init()) {
        self.key = key
        self.configuration = configuration
    }

    /// The session being recorded, 0 before the first START.
    public var sessionID: UInt64 { control.sessionID }

    /// A connection is open and the coordinator has authenticated itself on it.
    public var isAuthenticated: Bool { connection != nil && control.helloAcknowledged }

    /// A connection is up at monotonic time `now`. Nothing is written yet: the coordinator speaks
    /// first (CHALLENGE), and `hello` answers it. `nonce` is this connection's fresh random nonce
    /// (non-zero); it replaces `hello.nonce`; `hello.session` is filled in with the session.
    public mutating func connectionOpened(nonce: UInt64, hello: ControlMessage.Hello, at now: MonotonicInstant) {
        var hello = hello
        hello.nonce = nonce
        control.connectionOpened(hello: hello)
        connection = ControlConnection(role: .node, key: key, localNonce: nonce)
        openedAt = now
        lastHeardAt = nil
    }

    /// Bytes arrived on the connection at monotonic time `now`. Nothing more is accepted after a
    /// `close` output.
    public mutating func received(_ bytes: some Collection<UInt8>, at now: MonotonicInstant) -> [Output] {
        guard let inbound = connection?.receive(bytes) else { return [] }
        var outputs: [Output] = []
        for item in inbound {
            switch item {
            case .violation(let error):
                outputs += frame(.error(error))
                outputs.append(close(.rejectedFrame(error)))
                return outputs
            case .message(let message, let sessionID, let sequence):
                if connection?.peerAuthenticated == true {
                    lastHeardAt = now
                    if case .heartbeat(let sentAtNs) = message {
                        outputs.append(.heard(coordinatorTime: RealtimeInstant(nanosecondsSinceEpoch: sentAtNs)))
                    } else {
                        outputs.append(.heard(coordinatorTime: nil))
                    }
                }
                for action in control.received(message, sessionID: sessionID, sequence: sequence) {
                    switch action {
                    case .send(let reply): outputs += frame(reply)
                    case .authenticated: outputs.append(.authenticated)
                    case .ingestNamed(let address): outputs.append(.ingestNamed(address))
                    case .beginCapture(let plan): outputs.append(.beginCapture(plan))
                    case .stopCapture(let index): outputs.append(.stopCapture(index))
                    case .close(let reason):
                        outputs.append(close(reason))
                        return outputs
                    }
                }
            }
        }
        return outputs
    }

    /// Time passes (the node ticks twice a second): closes a connection whose handshake or whose
    /// coordinator has gone quiet for too long.
    public mutating func tick(now: MonotonicInstant) -> [Output] {
        guard connection != nil else { return [] }
        if !control.helloAcknowledged {
            guard now - openedAt >= configuration.handshakeTimeout else { return [] }
            return [close(.handshakeTimedOut(configuration.handshakeTimeout))]
        }
        guard let heard = lastHeardAt, now - heard >= configuration.silenceTimeout else { return [] }
        return [close(.coordinatorSilent(configuration.silenceTimeout))]
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
