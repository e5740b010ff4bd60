/// One uncompressed picture: planes of 8-bit samples with their strides.
///
/// Planes are Swift arrays (copy-on-write), so handing a frame from the camera to the recorder
/// copies no pixels.
public struct VideoFrame: Sendable {
    /// One plane's samples: `rows` rows of `stride` bytes, of which the first `rowBytes` are pixels.
    public struct Plane: Sendable {
        public var bytes: [UInt8]
        /// Bytes from the start of one row to the start of the next (≥ the row's pixel bytes).
        public var stride: Int

        public init(bytes: [UInt8], stride: Int) {
            self.bytes = bytes
            self.stride = stride
        }
    }

    public var width: Int
    public var height: Int
    public var layout: PixelLayout
    public var planes: [Plane]

    /// A frame from existing planes; ``validate()`` checks them against the size and layout.
    public init(width: Int, height: Int, layout: PixelLayout, planes: [Plane]) {
        self.width = width
        self.height = height
        self.layout = layout
        self.planes = planes
    }

    /// A frame of tightly packed planes (stride = row bytes) filled with `luma`, and neutral chroma.
    public init(width: Int, height: Int, layout: PixelLayout, luma: UInt8 = 16) {
        self.width = width
        self.height = height
        self.layout = layout
        self.planes = (0..<layout.planeCount).map { index in
            let size = layout.planeSize(index, width: width, height: height)
            return Plane(bytes: [UInt8](repeating: index == 0 ? luma : 128, count: size.rowBytes * size.rows), stride: size.rowBytes)
        }
    }

    /// Checks the size, the plane count, and that every plane holds its rows at its stride.
    public func validate() throws(MediaError) {
        try layout.validate(width: width, height: height)
        guard planes.count == layout.planeCount else {
            throw MediaError.invalidFrame("\(layout) needs \(layout.planeCount) planes, got \(planes.count)")
        }
        for (index, plane) in planes.enumerated() {
            let size = layout.planeSize(index, width: width, height: height)
            guard plane.stride >= size.rowBytes else {
                throw MediaError.invalidFrame("plane \(index): stride \(plane.stride) is shorter than a row (\(size.rowBytes) bytes)")
            }
            let needed = plane.stride * (size.rows - 1) + size.rowBytes
            guard plane.bytes.count >= needed else {
                throw MediaError.invalidFrame("plane \(index): \(plane.bytes.count) bytes, \(needed) needed for \(size.rows) rows at stride \(plane.stride)")
            }
        }
    }
}
