/// A rectangle of pixels: columns `x..<x+width`, rows `y..<y+height`.
public struct PixelRegion: Hashable, Sendable, Codable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// Parses `x,y,w,h` (the `--roi` option).
    public init(parsing text: String) throws(HILError) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingPrefixSpaces) }
        guard parts.count == 4, let x = parts[0], let y = parts[1], let w = parts[2], let h = parts[3] else {
            throw HILError("region '\(text)' is not four whole numbers x,y,w,h")
        }
        guard x >= 0, y >= 0, w > 0, h > 0 else {
            throw HILError("region '\(text)': x and y must not be negative, width and height must be positive")
        }
        self.init(x: x, y: y, width: w, height: h)
    }

    /// Throws unless the region lies inside a `width`×`height` frame; `source` names the frame.
    public func check(inside width: Int, _ height: Int, source: String) throws(HILError) {
        // Compared by subtraction: `x + width` overflows for a region near Int.max (a typed `--roi`).
        guard x >= 0, y >= 0, x <= width, y <= height, self.width <= width - x, self.height <= height - y else {
            throw HILError("region \(self) does not fit in \(source)'s \(width)x\(height) frames")
        }
    }

    public var description: String { "\(x),\(y),\(width),\(height)" }
}

extension Substring {
    fileprivate var trimmingPrefixSpaces: Substring { drop { $0 == " " } }
}
