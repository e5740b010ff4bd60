/// One authenticated control connection, either side: numbers and signs outgoing frames, and
/// checks incoming ones (framing, version, size, MAC, strictly increasing sequence).
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
    /// The peer's nonce, learned from its HELLO (coordinator) or from the ACK of our HELLO (node).
    public private(set) var peerNonce: UInt64 = 0
    private var sendSequence: UInt64 = 0
    private var lastReceived: UInt64 = 0
    private var received = 0
    private var buffer: [UInt8] = []
    private var decoder = FrameDecoder()
    public private(set) var isPoisoned = false
    /// Bytes held while waiting for the rest of a frame (never more than one maximal frame).
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

    /// The coordinator's ACK of a HELLO (``CoordinatorCore`` leaves its nonce 0, as the core does
    /// not own connections) with this connection's nonce filled in; any other message unchanged.
    func completingHelloAck(_ message: ControlMessage) -> ControlMessage {
        guard role == .coordinator, case .ack(var ack) = message, ack.nonce == 0, ack.sequence == 1 else { return message }
        ack.nonce = localNonce
        return .ack(ack)
    }

    /// The peer's nonce (the node learns it from the coordinator's ACK of its HELLO).
    public mutating func learnPeerNonce(_ nonce: UInt64) { peerNonce = nonce }

    /// Feeds received bytes; returns every complete message, stopping at the first violation.
    public mutating func receive(_ bytes: some Collection<UInt8>) -> [Inbound] {
        guard !isPoisoned else { return [] }
        buffer += bytes
        var out: [Inbound] = []
        while true {
            do throws(ControlError) {
                guard let frame = try decoder.next(&buffer) else { return out }
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
        // The node's HELLO is the only frame sent before its sender knows our nonce.
        let firstFromNode = role == .coordinator && received == 0
        guard FrameAuthenticator.verify(frame, nonce: firstFromNode ? 0 : localNonce, key: key) else {
            throw ControlError(.badMAC, "frame \(frame.sequence) failed authentication (wrong rig key, or replayed from another connection)")
        }
        guard frame.sequence > lastReceived else {
            throw ControlError(.replay, "frame sequence \(frame.sequence) is not after \(lastReceived): replayed or reordered")
        }
        let message = try ControlMessage.decode(type: frame.type, payload: frame.signed[frame.payloadRange])
        if firstFromNode {
            guard case .hello(let hello) = message else {
                throw ControlError(.unexpected, "the first frame must be HELLO, got \(message.name)")
            }
            peerNonce = hello.nonce
        }
        lastReceived = frame.sequence
        received += 1
        return message
    }
}
