/// One encoded video packet as the encoder produced it, with its timestamps in the recording's
/// time base (1/1000 s from the session epoch, ``PresentationClock``). Remuxing copies it into
/// another file byte for byte; nothing decodes it.
public struct EncodedPacket: Hashable, Sendable {
    public var pts: Int64
    public var dts: Int64
    public var isKeyframe: Bool
    public var data: [UInt8]

    public init(pts: Int64, dts: Int64, isKeyframe: Bool, data: [UInt8]) {
        self.pts = pts
        self.dts = dts
        self.isKeyframe = isKeyframe
        self.data = data
    }
}

/// What a muxer needs to hold a camera's encoded packets without its encoder: the codec, frame
/// size and layout, and the encoder's global header (H.264's SPS/PPS, FFV1's configuration record).
public struct EncodedStreamParameters: Hashable, Sendable {
    public var codec: VideoCodec
    public var width: Int
    public var height: Int
    public var layout: PixelLayout
    public var extradata: [UInt8]

    public init(codec: VideoCodec, width: Int, height: Int, layout: PixelLayout, extradata: [UInt8]) {
        self.codec = codec
        self.width = width
        self.height = height
        self.layout = layout
        self.extradata = extradata
    }
}

/// One sidecar row as the recorder wrote it, with the row before it and the frame's packet: what
/// a recording sink tee (the stream to the ingest) hands on.
public struct RecordedRow: Sendable {
    public var record: FrameRecord
    /// The index of the row written just before this one in the same sidecar (nil: the first).
    public var previous: Int64?
    /// The encoded packet (nil for a skipped or dropped row).
    public var packet: EncodedPacket?
    /// The codec parameters of the file being written (nil before the first frame opened it).
    public var parameters: EncodedStreamParameters?

    public init(record: FrameRecord, previous: Int64?, packet: EncodedPacket?, parameters: EncodedStreamParameters? = nil) {
        self.record = record
        self.previous = previous
        self.packet = packet
        self.parameters = parameters
    }
}

/// Where a recorder hands every row it writes, beside its files (the stream to the ingest).
public protocol RecordingTee: Sendable {
    /// A row was written (called in sidecar order, under the recorder's lock: hand it on, never block).
    func written(_ row: RecordedRow)
    /// The recorder closed its files; `lastIndex` is its last sidecar row, `stopIndex` the
    /// session's stop index when known. Called once, outside the lock; may block briefly.
    func finished(lastIndex: Int64?, stopIndex: Int64?)
}
