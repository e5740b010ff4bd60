/// One video stream as asked of a camera, or as the camera would deliver it.
public struct StreamConfiguration: Hashable, Sendable, CustomStringConvertible {
    /// Image width in pixels.
    public var width: Int
    /// Image height in pixels.
    public var height: Int
    /// The pixel format by its libcamera/DRM name (`YUV420` is planar 4:2:0, `I420`).
    public var pixelFormat: String
    /// How many frame buffers the camera cycles through.
    public var bufferCount: Int

    public init(width: Int, height: Int, pixelFormat: String, bufferCount: Int) {
        self.width = width
        self.height = height
        self.pixelFormat = pixelFormat
        self.bufferCount = bufferCount
    }

    public var description: String { "\(width)×\(height) \(pixelFormat) with \(bufferCount) buffers" }

    /// What differs in `adjusted` from this request, one phrase per field
    /// ("size 1920×1080 → 2304×1296"); empty when nothing changed.
    public func changes(to adjusted: StreamConfiguration) -> [String] {
        var changes: [String] = []
        if width != adjusted.width || height != adjusted.height {
            changes.append("size \(width)×\(height) → \(adjusted.width)×\(adjusted.height)")
        }
        if pixelFormat != adjusted.pixelFormat {
            changes.append("pixel format \(pixelFormat) → \(adjusted.pixelFormat)")
        }
        if bufferCount != adjusted.bufferCount {
            changes.append("buffer count \(bufferCount) → \(adjusted.bufferCount)")
        }
        return changes
    }
}
