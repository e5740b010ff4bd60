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
    /// HMAC-SHA256 (RFC 2104) keyed with the rig key: SHA-256 with the inner and the outer key
    /// block already absorbed, so every MAC starts from copies of the two and the key schedule is
    /// done once per key rather than once per frame. Built on the concrete `SHA256` rather than
    /// swift-crypto's `HMAC<SHA256>`, whose every call runs unspecialised generic code (each
    /// frame looked up generic metadata and went through `DataProtocol`'s regions); the bytes are
    /// the same (`WireTests.theFrameMACIsHMACSHA256` checks them against `HMAC<SHA256>`).
    ///
    /// Unchecked for sending because swift-crypto's hashers are not marked `Sendable`. Sharing
    /// these is safe: they are never mutated after `init`; a copy that is updated gets its own hash
    /// state first (the hashers are copy-on-write, with atomic reference counts), and reading the
    /// shared state to copy it is a plain read.
    nonisolated(unsafe) let inner: SHA256
    nonisolated(unsafe) let outer: SHA256

    /// A key from 32 random bytes.
    public init(bytes: [UInt8]) throws(ControlError) {
        guard bytes.count >= 32 else { throw ControlError(.malformed, "a rig key needs at least 32 bytes, got \(bytes.count)") }
        // A key longer than SHA-256's block is hashed first; the key block is zero-padded.
        let blockSize = 64
        var block = bytes.count > blockSize ? Array(SHA256.hash(data: bytes)) : bytes
        block += Array(repeating: 0, count: blockSize - block.count)
        var inner = SHA256(), outer = SHA256()
        inner.update(data: block.map { $0 ^ 0x36 })
        outer.update(data: block.map { $0 ^ 0x5C })
        self.inner = inner
        self.outer = outer
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
        FrameAuthenticator.seal(
            magic: ControlWire.magic, version: ControlWire.version, typeCode: message.typeCode, payload: message.encodedPayload(),
            sessionID: sessionID, sequence: sequence, key: key, nonce: peerNonce)
    }
}

/// HMAC over a frame bound to a connection nonce.
public enum FrameAuthenticator {
    /// HMAC-SHA256(rig key, signed ‖ nonce, big-endian).
    static func mac(_ signed: ArraySlice<UInt8>, nonce: UInt64, key: RigKey) -> SHA256.Digest {
        var inner = key.inner
        signed.withUnsafeBytes { inner.update(bufferPointer: $0) }
        withUnsafeBytes(of: nonce.bigEndian) { inner.update(bufferPointer: $0) }
        var outer = key.outer
        inner.finalize().withUnsafeBytes { outer.update(bufferPointer: $0) }
        return outer.finalize()
    }

    /// One frame: header (magic, version, type, reserved, payload length, session id, sequence),
    /// payload, and the MAC over both bound to `nonce`. The control protocol and the ingest
    /// stream share this layout under their own magic and version.
    static func seal(
        magic: [UInt8], version: UInt8, typeCode: UInt8, payload: [UInt8], sessionID: UInt64, sequence: UInt64, key: RigKey, nonce: UInt64
    ) -> [UInt8] {
        var w = ByteWriter()
        w.bytes.reserveCapacity(ControlWire.headerSize + payload.count + ControlWire.macSize)
        w.bytes += magic
        w.u8(version)
        w.u8(typeCode)
        w.u16(0)
        w.u32(UInt32(payload.count))
        w.u64(sessionID)
        w.u64(sequence)
        w.bytes += payload
        Self.mac(w.bytes[...], nonce: nonce, key: key).withUnsafeBytes { w.bytes.append(contentsOf: $0) }
        return w.bytes
    }

    /// Checks `frame`'s MAC for connection nonce `nonce`, in constant time.
    public static func verify(_ frame: RawFrame, nonce: UInt64, key: RigKey) -> Bool {
        // swift-crypto's comparison of a digest with bytes is its constant-time one.
        mac(frame.signed[...], nonce: nonce, key: key) == frame.mac
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
