/// One authenticated control connection, either side: numbers and signs outgoing frames, and
/// checks incoming ones (framing, version, size, MAC, strictly increasing sequence).
///
/// The handshake makes both sides fresh: the coordinator's CHALLENGE (its random nonce) comes
/// first, the node's HELLO is authenticated over it and carries the node's own random nonce, and
/// every later frame is authenticated over the receiver's nonce. So a frame recorded on one
/// connection, HELLO included, fails on any other. The CHALLENGE itself (MAC over nonce 0) is the
/// one frame not bound to a connection; it carries only a nonce, nothing to trust.
///
/// Until the peer has authenticated itself, a frame may declare at most
/// ``ControlWire/maximumHandshakePayload`` bytes, so an unauthenticated connection holds little.
///
/// Pure: bytes in, messages or a violation out. After a violation the connection must send the
/// returned ERROR and close; ``isPoisoned`` stays true so nothing more is accepted.
public struct ControlConnection: Sendable {
    public enum Role: Sendable { case node, coordinator }

    /// What arrived.
    public enum Inbound: Hashable, Sendable {
        case message(ControlMessage, sessionID: UInt64, sequence: UInt64)
        /// The stream is unusable: send this ERROR (best effort) and close.
        case violation(ControlError)
    }

    public let role: Role
    private let key: RigKey
    /// This side's random nonce; the peer authenticates its frames to us with it.
    public let localNonce: UInt64
    /// The peer's nonce, learned from its CHALLENGE (node) or its HELLO (coordinator).
    public private(set) var peerNonce: UInt64 = 0
    private var sendSequence: UInt64 = 0
    private var lastReceived: UInt64 = 0
    private var received = 0
    private var buffer: [UInt8] = []
    private var decoder = FrameDecoder()
    public private(set) var isPoisoned = false
    /// The peer has proved it holds the rig key on this connection (a frame authenticated over our
    /// nonce arrived): the node's HELLO for the coordinator, any frame after CHALLENGE for the node.
    public private(set) var peerAuthenticated = false
    /// Bytes held while waiting for the rest of a frame (never more than one maximal frame, and
    /// never more than a handshake frame before the peer authenticated).
    public var bufferedBytes: Int { buffer.count }

    public init(role: Role, key: RigKey, localNonce: UInt64) {
        self.role = role
        self.key = key
        self.localNonce = localNonce
    }

    /// Frames `message` for the peer.
    public mutating func encode(_ message: ControlMessage, sessionID: UInt64) -> (bytes: [UInt8], sequence: UInt64) {
        sendSequence += 1
        let bytes = FrameEncoder.encode(message, sessionID: sessionID, sequence: sendSequence, key: key, peerNonce: peerNonce)
        return (bytes, sendSequence)
    }

    /// Feeds received bytes; returns every complete message, stopping at the first violation.
    public mutating func receive(_ bytes: some Collection<UInt8>) -> [Inbound] {
        guard !isPoisoned else { return [] }
        buffer += bytes
        var out: [Inbound] = []
        while true {
            do throws(ControlError) {
                let limit = peerAuthenticated ? ControlWire.maximumPayload : ControlWire.maximumHandshakePayload
                guard let frame = try decoder.next(&buffer, maximumPayload: limit) else { return out }
                out.append(.message(try accept(frame), sessionID: frame.sessionID, sequence: frame.sequence))
            } catch {
                isPoisoned = true
                buffer.removeAll()
                out.append(.violation(error))
                return out
            }
        }
    }

    private mutating func accept(_ frame: RawFrame) throws(ControlError) -> ControlMessage {
        let first = received == 0
        // The coordinator's CHALLENGE is sent before it knows our nonce.
        let challenge = role == .node && first
        guard FrameAuthenticator.verify(frame, nonce: challenge ? 0 : localNonce, key: key) else {
            throw ControlError(.badMAC, "frame \(frame.sequence) failed authentication (wrong rig key, or recorded on another connection)")
        }
        guard frame.sequence > lastReceived else {
            throw ControlError(.replay, "frame sequence \(frame.sequence) is not after \(lastReceived): replayed or reordered")
        }
        let message = try ControlMessage.decode(type: frame.type, payload: frame.signed[frame.payloadRange])
        switch (role, first, message) {
        case (.node, true, .challenge(let nonce)):
            peerNonce = nonce
        case (.coordinator, true, .hello(let hello)):
            peerNonce = hello.nonce
            peerAuthenticated = true
        case (.node, true, _):
            throw ControlError(.unexpected, "the first frame must be CHALLENGE, got \(message.name)")
        case (.coordinator, true, _):
            throw ControlError(.unexpected, "the first frame must be HELLO, got \(message.name)")
        case (_, false, .challenge):
            throw ControlError(.unexpected, "CHALLENGE again on the same connection")
        case (_, false, _):
            peerAuthenticated = true
        }
        lastReceived = frame.sequence
        received += 1
        return message
    }
}
