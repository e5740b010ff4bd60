/// The wire format of the node → ingest stream, framed like the control protocol (same header
/// layout, same HMAC over header ‖ payload ‖ the receiver's connection nonce, see ``ControlWire``)
/// under its own magic and version, so neither side can take one protocol's bytes for the other's:
///
/// ```
/// "GLST" | version u8 | type u8 | reserved u16 | payload length u32 | session id u64 | sequence u64
/// | payload | HMAC-SHA256(rig key, header ‖ payload ‖ receiver's connection nonce u64)
/// ```
///
/// Unlike the control protocol, one bad frame does not end the stream: a forged, replayed, stray or
/// truncated frame is rejected with its reason and the receiver looks for the next frame (the
/// MAC, not the framing, decides what counts). Video packets are large, so the payload may be
/// up to ``maximumPayload``.
public enum StreamWire {
    public static let magic: [UInt8] = Array("GLST".utf8)
    /// 1: CHALLENGE, HELLO (camera, session, codec parameters), PACKET (row + encoded packet),
    /// WANT (the indices the ingest lacks), END. 2: HELLO names the first row of its codec
    /// parameters (a node restarted with a new encoder).
    public static let version: UInt8 = 2
    public static let headerSize = ControlWire.headerSize
    public static let macSize = ControlWire.macSize
    /// The largest payload accepted: a 1280x720 x264 keyframe is tens of kB, an FFV1 or raw
    /// 1080p frame a few MB.
    public static let maximumPayload = 16 * 1024 * 1024
    /// Before the node authenticated (its HELLO), frames are small.
    public static let maximumHandshakePayload = 64 * 1024
    /// Most ranges one WANT names.
    public static let maximumWantRanges = 4096
}
