import GenlockCore
import GenlockMedia

/// One camera's frame of a frameset, as the ingest wrote it: the encoded packet with the codec
/// parameters and sidecar row, and the packets since the last keyframe, so that a
/// ``FramesetDecoder`` can decode it on demand from any point (libavcodec; nothing is decoded
/// unless asked).
public struct IngestFrame: Hashable, Sendable {
    /// One earlier packet of the stream.
    public struct Step: Hashable, Sendable {
        public var index: Int64
        public var packet: EncodedPacket
    }

    public var camera: String
    public var index: Int64
    public var parameters: EncodedStreamParameters
    public var packet: EncodedPacket
    public var record: FrameRecord
    /// The stream's packets from its last keyframe up to this frame (not included), oldest
    /// first: empty when this frame is a keyframe. A decoder that did not just decode the frame
    /// before this one starts over from the first of them.
    public var sinceKeyframe: [Step]

    /// Decodes this frame with `decoder`'s decoder for the camera (see ``FramesetDecoder``).
    public func decode(with decoder: FramesetDecoder) throws(MediaError) -> VideoFrame {
        try decoder.decode(self)
    }
}
