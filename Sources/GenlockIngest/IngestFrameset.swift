import GenlockCore
import GenlockMedia

/// One frameset as the ingest delivers it live: frame `index` of every camera, complete or
/// definitely partial (after the bounded wait), with each camera's state.
public struct IngestFrameset: Hashable, Sendable {
    public var index: Int64
    /// The cameras, in the rig's order (``parts`` follows it).
    public var cameras: [String]
    public var parts: [FramesetAssembler.Part]
    /// When the row that settled this frameset arrived (monotonic), and when it was delivered:
    /// their difference is the frameset's latency.
    public var settledAt: MonotonicInstant
    public var deliveredAt: MonotonicInstant
    /// Each camera's frame, in ``cameras``' order (nil where its frame is not in the video):
    /// encoded, decoded on demand with a ``FramesetDecoder``.
    public var frames: [IngestFrame?] = []

    /// Every camera's frame is in its video.
    public var isComplete: Bool { parts.allSatisfy { $0.state == .present } }
    /// The cameras whose frame is not in their video, with why.
    public var missing: [(camera: String, state: FramesetAssembler.CameraState)] {
        parts.indices.filter { parts[$0].state != .present }.map { (cameras[$0], parts[$0].state) }
    }
}

/// One packet the ingest received and wrote, for live previews (the dashboard): the camera's
/// codec parameters come with every packet so a decoder can start at any keyframe.
public struct IngestPacket: Sendable {
    public var camera: String
    public var parameters: EncodedStreamParameters
    public var index: Int64
    public var packet: EncodedPacket
    /// The frame's sidecar row.
    public var record: FrameRecord
}
