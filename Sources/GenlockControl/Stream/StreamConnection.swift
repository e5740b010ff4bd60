import Crypto

/// One authenticated stream connection, either side: numbers and signs outgoing frames, and
/// checks incoming ones. Fresh per connection like ``ControlConnection``: the ingest's CHALLENGE
/// (its random nonce, MAC over nonce 0) comes first; the node's HELLO and everything after it are
/// authenticated over that nonce, and the ingest's WANTs over the node's nonce from its HELLO. A
/// frame recorded on one connection therefore fails on any other.
///
/// Unlike the control connection, a bad frame does not end the stream (video keeps coming and the
/// node's local file is the durable copy): it is reported as ``Inbound/rejected(_:)`` with its
/// reason, and the reader resynchronizes on the next frame's magic. Forged or stray frames fail
/// their MAC; replays fail the strictly increasing sequence; a frame cut short is found when a
/// well-formed header starts inside the bytes it claimed. Memory stays bounded by one maximal frame.
///
/// Pure: bytes in, messages and rejections out.
public struct StreamConnection: Sendable {
    public enum Role: Sendable { case node, ingest }

    public enum Inbound: Hashable, Sendable {
        case message(StreamMessage, sequence: UInt64)
        /// This frame (or these bytes) were not accepted; the stream goes on.
        case rejected(ControlError)
    }

    public let role: Role
    private let key: RigKey
    /// This side's random nonce: the peer authenticates its frames to us over it.
    public let localNonce: UInt64
    /// The peer's nonce (from its CHALLENGE or HELLO); what our frames are authenticated over.
    public private(set) var peerNonce: UInt64 = 0
    /// The peer proved it holds the rig key on this connection (HELLO for the ingest, CHALLENGE
    /// followed by an authenticated frame, or just CHALLENGE, for the node).
    public private(set) var handshakeDone = false
    private var sendSequence: UInt64 = 0
    private var lastReceived: UInt64 = 0
    private var buffer: [UInt8] = []
    private var start = 0
    /// Frames and bytes rejected so far.
    public private(set) var rejectedCount = 0

    public init(role: Role, key: RigKey, localNonce: UInt64) {
        self.role = role
        self.key = key
        self.localNonce = localNonce
    }

    /// Bytes held while waiting for the rest of a frame.
    public var bufferedBytes: Int { buffer.count - start }

    /// Frames `message` for the peer (sequence numbers start at 1).
    public mutating func encode(_ message: StreamMessage, sessionID: UInt64 = 0) -> [UInt8] {
        sendSequence += 1
        return Self.frame(message, sessionID: sessionID, sequence: sendSequence, key: key, nonce: message.typeCode == 1 ? 0 : peerNonce)
    }

    /// Frames `message` with an explicit sequence and nonce (tests forge and replay with it).
    public static func frame(_ message: StreamMessage, sessionID: UInt64, sequence: UInt64, key: RigKey, nonce: UInt64) -> [UInt8] {
        FrameAuthenticator.seal(
            magic: StreamWire.magic, version: StreamWire.version, typeCode: message.typeCode, payload: message.encodedPayload(),
            sessionID: sessionID, sequence: sequence, key: key, nonce: nonce)
    }

    /// Feeds received bytes; returns every complete message and every rejection, in order.
    public mutating func receive(_ bytes: some Collection<UInt8>) -> [Inbound] {
        buffer += bytes
        var out: [Inbound] = []
        while let item = nextFrame() { out.append(item) }
        if start > 0, start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        return out
    }

    /// The connection ended: bytes left over are a frame cut short.
    public mutating func finish() -> [Inbound] {
        defer { buffer = []; start = 0 }
        guard bufferedBytes > 0 else { return [] }
        rejectedCount += 1
        return [.rejected(ControlError(.truncated, "the connection ended inside a frame (\(bufferedBytes) bytes left over)"))]
    }

    private var limit: Int { handshakeDone ? StreamWire.maximumPayload : StreamWire.maximumHandshakePayload }

    /// Parses the frame at `start`: nil when more bytes are needed.
    private mutating func nextFrame() -> Inbound? {
        let available = buffer.count - start
        guard available >= 4 else { return nil }
        if !hasMagic(at: start) {
            return skipGarbage()
        }
        guard available >= StreamWire.headerSize else { return nil }
        let version = buffer[start + 4]
        let type = buffer[start + 5]
        let reserved = UInt16(buffer[start + 6]) << 8 | UInt16(buffer[start + 7])
        let length = Int(readU32(start + 8))
        let sequence = readU64(start + 20)
        guard version == StreamWire.version else {
            return reject(skipFrom: start + 1, ControlError(.unsupportedVersion, "stream version \(version) is not supported (this side speaks \(StreamWire.version))"))
        }
        guard reserved == 0 else { return reject(skipFrom: start + 1, ControlError(.malformed, "reserved header field is \(reserved), must be 0")) }
        guard length <= limit else {
            return reject(skipFrom: start + 1, ControlError(.oversize, "payload of \(length) bytes exceeds the maximum of \(limit)"))
        }
        let total = StreamWire.headerSize + length + StreamWire.macSize
        guard available >= total else { return nil }
        let signedEnd = start + StreamWire.headerSize + length
        let expectsChallenge = role == .node && !handshakeDone
        let nonce: UInt64 = expectsChallenge ? 0 : localNonce
        let expected = Array(FrameAuthenticator.mac(buffer[start..<signedEnd], nonce: nonce, key: key))
        guard constantTimeEqual(expected, buffer[signedEnd..<(signedEnd + StreamWire.macSize)]) else {
            // A plausible header inside the claimed bytes: this frame was cut short and the next
            // one starts there. Otherwise the whole frame is forged or from another connection.
            if let inner = plausibleHeader(in: (start + 1)..<(start + total)) {
                return reject(skipFrom: inner, ControlError(.truncated, "frame \(sequence) is cut short after \(inner - start) of the \(total) bytes it declared"), seek: false)
            }
            return reject(skipFrom: start + total, ControlError(.badMAC, "frame \(sequence) failed authentication (wrong rig key, forged, or recorded on another connection)"), seek: false)
        }
        let payload = buffer[(start + StreamWire.headerSize)..<signedEnd]
        start += total
        guard sequence > lastReceived else {
            rejectedCount += 1
            return .rejected(ControlError(.replay, "frame sequence \(sequence) is not after \(lastReceived): replayed or reordered"))
        }
        do throws(ControlError) {
            let message = try StreamMessage.decode(type: type, payload: payload)
            try accept(message)
            lastReceived = sequence
            return .message(message, sequence: sequence)
        } catch {
            rejectedCount += 1
            return .rejected(error)
        }
    }

    /// Checks the handshake order and learns the peer's nonce.
    private mutating func accept(_ message: StreamMessage) throws(ControlError) {
        switch (role, handshakeDone, message) {
        case (.node, false, .challenge(let nonce)):
            peerNonce = nonce
            handshakeDone = true
        case (.ingest, false, .hello(let hello)):
            peerNonce = hello.nonce
            handshakeDone = true
        case (.node, false, _):
            throw ControlError(.unexpected, "the first stream frame must be CHALLENGE, got \(message.name)")
        case (.ingest, false, _):
            throw ControlError(.unexpected, "the first stream frame must be HELLO, got \(message.name)")
        case (.ingest, true, .packet), (.ingest, true, .end), (.node, true, .want):
            break
        case (_, true, _):
            throw ControlError(.unexpected, "\(message.name) is not expected here")
        }
    }

    private func hasMagic(at i: Int) -> Bool {
        i + 4 <= buffer.count && buffer[i] == StreamWire.magic[0] && buffer[i + 1] == StreamWire.magic[1]
            && buffer[i + 2] == StreamWire.magic[2] && buffer[i + 3] == StreamWire.magic[3]
    }

    /// The first offset in `range` holding a header this side could accept.
    private func plausibleHeader(in range: Range<Int>) -> Int? {
        var i = range.lowerBound
        while i + StreamWire.headerSize <= buffer.count, i < range.upperBound {
            if hasMagic(at: i), buffer[i + 4] == StreamWire.version, buffer[i + 6] == 0, buffer[i + 7] == 0,
               Int(readU32(i + 8)) <= StreamWire.maximumPayload {
                return i
            }
            i += 1
        }
        return nil
    }

    /// Skips bytes that do not start a frame, up to the next magic (or all but the last 3 bytes).
    private mutating func skipGarbage() -> Inbound {
        let from = start
        var i = start + 1
        while i + 4 <= buffer.count, !hasMagic(at: i) { i += 1 }
        start = i + 4 <= buffer.count ? i : max(start + 1, buffer.count - 3)
        rejectedCount += 1
        return .rejected(ControlError(.badMagic, "\(start - from) bytes that are not a stream frame were skipped"))
    }

    /// Rejects the frame at `start` and resumes at `offset` (or the next magic from there).
    private mutating func reject(skipFrom offset: Int, _ error: ControlError, seek: Bool = true) -> Inbound {
        start = min(offset, buffer.count)
        if seek {
            while start + 4 <= buffer.count, !hasMagic(at: start) { start += 1 }
        }
        rejectedCount += 1
        return .rejected(error)
    }

    private func readU32(_ i: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(buffer[i + $1]) }
    }

    private func readU64(_ i: Int) -> UInt64 {
        (0..<8).reduce(UInt64(0)) { $0 << 8 | UInt64(buffer[i + $1]) }
    }
}

/// Compares a computed MAC with a received one without an early exit.
private func constantTimeEqual(_ a: [UInt8], _ b: ArraySlice<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for (x, y) in zip(a, b) { difference |= x ^ y }
    return difference == 0
}
