import Crypto
import GenlockCore

/// The wire format of one control frame:
///
/// ```
/// "GLCK" | version u8 | type u8 | reserved u16 | payload length u32 | session id u64 | sequence u64
/// | payload | HMAC-SHA256(rig key, header ‖ payload ‖ receiver's connection nonce u64)
/// ```
///
/// All integers big-endian. The MAC binds each frame to the receiving connection (its nonce), so a
/// frame captured on one connection is rejected on any other; sequence numbers, strictly increasing
/// per direction, reject replays and reordering within a connection.
public enum ControlWire {
    public static let magic: [UInt8] = Array("GLCK".utf8)
    /// 2: the coordinator's CHALLENGE comes first and HELLO is authenticated over its nonce (1 used
    /// nonce 0, so a HELLO replayed); the ACK no longer carries a nonce; HEARTBEAT; HELLO reports the
    /// session the node is recording; the PTP state text is no longer cut to 32 bytes.
    public static let version: UInt8 = 2
    public static let headerSize = 28
    public static let macSize = 32
    /// The largest payload accepted; anything larger is rejected from its header alone.
    public static let maximumPayload = 16 * 1024
    /// The largest payload accepted before the peer has authenticated itself (a HELLO, a
    /// CHALLENGE, an ERROR): an unauthenticated connection never holds more than this.
    public static let maximumHandshakePayload = 4 * 1024
    /// Longest node name, version, PTP state or error text, in UTF-8 bytes.
    public static let maximumText = 256
    /// Most capabilities a HELLO lists (so the largest HELLO fits ``maximumHandshakePayload``).
    public static let maximumCapabilities = 8
}

/// A frame as read off the wire, before its MAC is checked.
public struct RawFrame: Hashable, Sendable {
    public var type: UInt8
    public var sessionID: UInt64
    public var sequence: UInt64
    /// Header and payload: what the MAC covers (with the nonce).
    public var signed: [UInt8]
    public var payloadRange: Range<Int>
    public var mac: [UInt8]
}

/// The rig's shared secret.
public struct RigKey: Sendable {
    /// Kept as bytes (SymmetricKey is not Sendable); a key object is made per use.
    private let bytes: [UInt8]
    var key: SymmetricKey { SymmetricKey(data: bytes) }
    /// A key from 32 random bytes.
    public init(bytes: [UInt8]) throws(ControlError) {
        guard bytes.count >= 32 else { throw ControlError(.malformed, "a rig key needs at least 32 bytes, got \(bytes.count)") }
        self.bytes = bytes
    }
    /// A fresh random key.
    public static func generate() -> [UInt8] {
        SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    }
}

/// Encodes messages into authenticated frames.
public enum FrameEncoder {
    public static func encode(
        _ message: ControlMessage, sessionID: UInt64, sequence: UInt64, key: RigKey, peerNonce: UInt64
    ) -> [UInt8] {
        let payload = message.encodedPayload()
        var w = ByteWriter()
        w.bytes.reserveCapacity(ControlWire.headerSize + payload.count + ControlWire.macSize)
        w.bytes += ControlWire.magic
        w.u8(ControlWire.version)
        w.u8(message.typeCode)
        w.u16(0)
        w.u32(UInt32(payload.count))
        w.u64(sessionID)
        w.u64(sequence)
        w.bytes += payload
        let mac = FrameAuthenticator.mac(w.bytes[...], nonce: peerNonce, key: key)
        return w.bytes + mac
    }
}

/// HMAC over a frame bound to a connection nonce.
public enum FrameAuthenticator {
    static func mac(_ signed: ArraySlice<UInt8>, nonce: UInt64, key: RigKey) -> [UInt8] {
        var nonceBytes = ByteWriter()
        nonceBytes.u64(nonce)
        var hmac = HMAC<SHA256>(key: key.key)
        hmac.update(data: signed)
        hmac.update(data: nonceBytes.bytes)
        return Array(hmac.finalize())
    }

    /// Checks `frame`'s MAC for connection nonce `nonce`, in constant time.
    public static func verify(_ frame: RawFrame, nonce: UInt64, key: RigKey) -> Bool {
        var nonceBytes = ByteWriter()
        nonceBytes.u64(nonce)
        var data = frame.signed
        data += nonceBytes.bytes
        return HMAC<SHA256>.isValidAuthenticationCode(frame.mac, authenticating: data, using: key.key)
    }
}

/// Splits a byte stream into frames. Rejects a bad magic, an unknown version or an oversize
/// length from the header alone, before buffering the payload, so memory stays bounded.
public struct FrameDecoder: Sendable {
    public init() {}

    /// The next complete frame at the front of `buffer` (removing it), nil when more bytes are
    /// needed, or an error when the stream can only be closed.
    ///
    /// `maximumPayload` is the largest payload the connection accepts now (smaller before the
    /// handshake), checked against the declared length before any of the payload is buffered.
    public mutating func next(_ buffer: inout [UInt8], maximumPayload: Int = ControlWire.maximumPayload) throws(ControlError) -> RawFrame? {
        let magicSeen = min(buffer.count, 4)
        if buffer[0..<magicSeen] != ControlWire.magic[0..<magicSeen] {
            throw ControlError(.badMagic, "not a Genlock control frame (bad magic)")
        }
        if buffer.count >= 5, buffer[4] != ControlWire.version {
            throw ControlError(.unsupportedVersion, "protocol version \(buffer[4]) is not supported (this side speaks \(ControlWire.version))")
        }
        guard buffer.count >= ControlWire.headerSize else { return nil }
        var header = ByteReader(buffer[0..<ControlWire.headerSize])
        _ = try header.u32("magic")
        _ = try header.u8("version")
        let type = try header.u8("type")
        let reserved = try header.u16("reserved")
        let length = Int(try header.u32("length"))
        let session = try header.u64("session id")
        let sequence = try header.u64("sequence")
        guard reserved == 0 else { throw ControlError(.malformed, "reserved header field is \(reserved), must be 0") }
        guard length <= maximumPayload else {
            throw ControlError(.oversize, "payload of \(length) bytes exceeds the maximum of \(maximumPayload)")
        }
        let total = ControlWire.headerSize + length + ControlWire.macSize
        guard buffer.count >= total else { return nil }
        let signedEnd = ControlWire.headerSize + length
        let frame = RawFrame(
            type: type, sessionID: session, sequence: sequence, signed: Array(buffer[0..<signedEnd]),
            payloadRange: ControlWire.headerSize..<signedEnd, mac: Array(buffer[signedEnd..<total]))
        buffer.removeFirst(total)
        return frame
    }
}
