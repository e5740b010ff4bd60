/// One encoded picture of a camera's stream, as it travels (to the ingest) or sits in a file.
public struct EncodedPacket: Sendable {
    /// The codec's bytes for one picture.
    public var data: [UInt8]
    /// A picture that decodes on its own (an IDR frame for H.264).
    public var isKeyframe: Bool
    /// Frame index `n`.
    public var index: Int64
    /// Its `Tn`, realtime ns.
    public var scheduledNs: Int64

    public init(data: [UInt8], isKeyframe: Bool, index: Int64, scheduledNs: Int64) {
        self.data = data
        self.isKeyframe = isKeyframe
        self.index = index
        self.scheduledNs = scheduledNs
    }
}

/// What a decoder needs besides the packets: FFmpeg's codec name (`h264`, `ffv1`, `rawvideo`),
/// the picture size, the pixel format's FFmpeg name (`yuv420p`, `nv12`, `gray`) and the codec's
/// extradata (H.264's SPS/PPS in avcC form when the stream carries them out of band).
public struct StreamParameters: Hashable, Sendable {
    public var codec: String
    public var width: Int
    public var height: Int
    public var pixelFormat: String
    public var extradata: [UInt8]

    public init(codec: String, width: Int, height: Int, pixelFormat: String, extradata: [UInt8] = []) {
        self.codec = codec
        self.width = width
        self.height = height
        self.pixelFormat = pixelFormat
        self.extradata = extradata
    }
}

/// A preview picture: a JPEG of frame `index`.
public struct PreviewImage: Sendable {
    public var jpeg: [UInt8]
    public var index: Int64
    public var scheduledNs: Int64
    public var width: Int
    public var height: Int
}
