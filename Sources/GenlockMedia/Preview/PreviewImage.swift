/// A preview picture: a JPEG of frame `index`.
public struct PreviewImage: Sendable {
    public var jpeg: [UInt8]
    public var index: Int64
    public var scheduledNs: Int64
    public var width: Int
    public var height: Int
}
