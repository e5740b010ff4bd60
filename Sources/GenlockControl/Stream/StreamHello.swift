/// What a node streams: its camera, the session, and the codec parameters the ingest needs to
/// remux its packets into the same file the node records (sent once per connection).
public struct StreamHello: Hashable, Sendable {
    /// The camera's name (its files are `<camera>.mkv`, `<camera>.frames.csv`).
    public var camera: String
    /// The session folder's name.
    public var session: String
    /// Random per connection: the ingest's WANTs are authenticated over it.
    public var nonce: UInt64
    public var codec: StreamCodecParameters
    /// The node's newest sidecar row when it connected (nil: none yet): the ingest lacks every row
    /// up to it that it does not have, even when no live row follows (the node ended, or every
    /// live row so far was dropped).
    public var newest: Int64?
    /// The first row recorded with ``codec`` (nil: not known, or every row): rows before it were
    /// recorded by an earlier run of the node (restarted mid-session, with another encoder and
    /// its own codec parameters), and the ingest keeps them in that run's segment.
    public var since: Int64?

    public init(camera: String, session: String, nonce: UInt64, codec: StreamCodecParameters, newest: Int64? = nil, since: Int64? = nil) {
        self.camera = camera
        self.session = session
        self.nonce = nonce
        self.codec = codec
        self.newest = newest
        self.since = since
    }

    func encode(_ w: inout ByteWriter) {
        w.text(camera)
        w.text(session)
        w.u64(nonce)
        codec.encode(&w)
        w.optionalI64(newest)
        w.optionalI64(since)
    }

    init(_ r: inout ByteReader) throws(ControlError) {
        camera = try r.text("camera", maxBytes: ControlWire.maximumText)
        session = try r.text("session", maxBytes: ControlWire.maximumText)
        guard !camera.isEmpty, !camera.contains("/"), !session.isEmpty, !session.contains("/"), session != ".", session != ".." else {
            throw ControlError(.malformed, "camera '\(camera)' and session '\(session)' must be single non-empty folder names")
        }
        nonce = try r.u64("nonce")
        codec = try StreamCodecParameters(&r)
        newest = try r.optionalI64("newest row")
        since = try r.optionalI64("first row of these codec parameters")
    }
}

/// The recording's format: enough to open the same muxer stream on the ingest without decoding.
public struct StreamCodecParameters: Hashable, Sendable {
    /// `x264`, `ffv1` or `raw` (GenlockMedia's `VideoCodec` names).
    public var codec: String
    public var width: Int
    public var height: Int
    /// The pixel layout's name (GenlockMedia's `PixelLayout`).
    public var layout: String
    /// The schedule's rate, when known.
    public var rateNumerator: Int64?
    public var rateDenominator: Int64?
    /// The session epoch `T0` (realtime ns): PTS 0.
    public var epochNs: Int64
    public var keyframeInterval: Int
    /// The encoder's global header (H.264: SPS/PPS as avcC; FFV1: its configuration record).
    public var extradata: [UInt8]
    /// The largest extradata accepted.
    public static let maximumExtradata = 64 * 1024

    public init(codec: String, width: Int, height: Int, layout: String, rateNumerator: Int64?, rateDenominator: Int64?,
                epochNs: Int64, keyframeInterval: Int, extradata: [UInt8]) {
        self.codec = codec
        self.width = width
        self.height = height
        self.layout = layout
        self.rateNumerator = rateNumerator
        self.rateDenominator = rateDenominator
        self.epochNs = epochNs
        self.keyframeInterval = keyframeInterval
        self.extradata = extradata
    }

    func encode(_ w: inout ByteWriter) {
        w.text(codec)
        w.u32(UInt32(width))
        w.u32(UInt32(height))
        w.text(layout)
        w.optionalI64(rateNumerator)
        w.optionalI64(rateDenominator)
        w.i64(epochNs)
        w.u32(UInt32(keyframeInterval))
        w.u32(UInt32(extradata.count))
        w.bytes += extradata
    }

    init(_ r: inout ByteReader) throws(ControlError) {
        codec = try r.text("codec", maxBytes: 32)
        width = Int(try r.u32("width"))
        height = Int(try r.u32("height"))
        layout = try r.text("pixel layout", maxBytes: 32)
        rateNumerator = try r.optionalI64("rate numerator")
        rateDenominator = try r.optionalI64("rate denominator")
        epochNs = try r.i64("epoch")
        keyframeInterval = Int(try r.u32("keyframe interval"))
        let count = Int(try r.u32("extradata length"))
        guard count <= Self.maximumExtradata else { throw ControlError(.malformed, "extradata of \(count) bytes, at most \(Self.maximumExtradata) allowed") }
        extradata = try r.raw(count, "extradata")
        guard (1...16384).contains(width), (1...16384).contains(height) else { throw ControlError(.malformed, "frame size \(width)x\(height) out of range") }
        if let d = rateDenominator, d <= 0 { throw ControlError(.malformed, "rate denominator \(d) must be positive") }
    }
}
