/// Reduces a frame's luma to per-row sums over a few column bins of a region: the only thing
/// the analyzer keeps of each frame. One pass, one add per pixel, so that analysis costs little
/// next to decoding; the bins let the LED's columns be found after the pass without decoding
/// twice.
public struct ColumnBinning: Hashable, Sendable {
    /// The pixels summed.
    public let region: PixelRegion
    /// Number of bins across the region's columns.
    public let bins: Int
    /// First column (relative to the region) of each bin, plus the region's width at the end.
    public let edges: [Int]

    /// `bins` equal bins (the last may be narrower) across `region`, at most one per column.
    public init(region: PixelRegion, bins: Int) {
        self.region = region
        let count = max(1, min(bins, region.width))
        let step = (region.width + count - 1) / count
        var edges = Array(stride(from: 0, to: region.width, by: step))
        edges.append(region.width)
        self.bins = edges.count - 1
        self.edges = edges
    }

    /// Sums per row (`region.height` rows, each `bins` sums), row-major.
    public func sums(luma: UnsafeBufferPointer<UInt8>, stride: Int) -> [UInt32] {
        var out = [UInt32](repeating: 0, count: region.height * bins)
        out.withUnsafeMutableBufferPointer { out in
            for row in 0..<region.height {
                let base = (region.y + row) * stride + region.x
                for bin in 0..<bins {
                    var sum: UInt32 = 0
                    for column in edges[bin]..<edges[bin + 1] { sum &+= UInt32(luma[base + column]) }
                    out[row * bins + bin] = sum
                }
            }
        }
        return out
    }

    /// Pixels in bin `bin` of one row.
    public func width(ofBin bin: Int) -> Int { edges[bin + 1] - edges[bin] }

    /// The columns (absolute) covered by bins `range`.
    public func columns(ofBins range: ClosedRange<Int>) -> PixelRegion {
        PixelRegion(x: region.x + edges[range.lowerBound], y: region.y,
                    width: edges[range.upperBound + 1] - edges[range.lowerBound], height: region.height)
    }

    /// Each row's mean luma over bins `range`.
    public func rowMeans(_ sums: [UInt32], bins range: ClosedRange<Int>) -> [Float] {
        let pixels = Float(edges[range.upperBound + 1] - edges[range.lowerBound])
        return (0..<region.height).map { row in
            var total: UInt32 = 0
            for bin in range { total &+= sums[row * bins + bin] }
            return Float(total) / pixels
        }
    }
}
