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

    /// About `bins` equal bins (the last may be narrower) across `region`, at most one per
    /// column, and more where needed so that none is wider than ``maximumBinWidth``. With several
    /// bins, their width is rounded up to a multiple of 16 pixels, so that each is summed 16
    /// pixels at a time.
    public init(region: PixelRegion, bins: Int) {
        self.region = region
        let count = max(1, min(max(bins, (region.width + Self.maximumBinWidth - 1) / Self.maximumBinWidth), region.width))
        var step = (region.width + count - 1) / count
        if count > 1 { step = (step + 15) / 16 * 16 }
        var edges = Array(stride(from: 0, to: region.width, by: step))
        edges.append(region.width)
        // The 16-bit sums rely on it (``maximumBinWidth``).
        precondition(zip(edges, edges.dropFirst()).allSatisfy { $1 - $0 <= Self.maximumBinWidth }, "a bin wider than \(Self.maximumBinWidth) pixels")
        self.bins = edges.count - 1
        self.edges = edges
    }

    /// The widest bin: 256 pixels of at most 255 sum to at most 65,280, so a bin's row sum fits
    /// 16 bits. The analyzer keeps every frame's sums until its last frame is decoded, and half
    /// the bytes is half the fresh memory the kernel has to fault in and clear for them.
    public static let maximumBinWidth = 256

    /// What the analyzer keeps of one frame: per row and bin the sum of the luma and the
    /// brightest pixel (clipping is a per-pixel matter: a mean hides a clipped part of a bin).
    public struct Reduction: Sendable {
        /// Sums per row (`region.height` rows, each `bins` sums), row-major.
        public var sums: [UInt16]
        /// The brightest pixel per row and bin, row-major like `sums`.
        public var maxima: [UInt8]
    }

    /// Sums and maxima per row and bin.
    public func reduce(luma: UnsafeBufferPointer<UInt8>, stride: Int) -> Reduction {
        precondition(luma.count >= (region.y + region.height - 1) * stride + region.x + region.width, "luma plane too small for the region")
        var sums = [UInt16](repeating: 0, count: region.height * bins)
        var maxima = [UInt8](repeating: 0, count: region.height * bins)
        guard let base = luma.baseAddress else { return Reduction(sums: sums, maxima: maxima) }
        let bins = bins, rows = region.height
        sums.withUnsafeMutableBufferPointer { sums in
            maxima.withUnsafeMutableBufferPointer { maxima in
                edges.withUnsafeBufferPointer { edges in
                    for row in 0..<rows {
                        let line = base + (region.y + row) * stride + region.x
                        for bin in 0..<bins {
                            let (sum, top) = Self.sum(line + edges[bin], count: edges[bin + 1] - edges[bin])
                            sums[row * bins + bin] = UInt16(truncatingIfNeeded: sum)
                            maxima[row * bins + bin] = top
                        }
                    }
                }
            }
        }
        return Reduction(sums: sums, maxima: maxima)
    }

    /// The sum and the maximum of `count` bytes: 16 at a time, then the rest one by one. This loop
    /// is the analyzer's own share of each frame, so every step is written lane by lane for the
    /// concrete types (`SIMDLanes`): the standard library's generic `pointwiseMax` and `max()`
    /// are not inlined and made this loop cost about twice as much.
    @inline(__always)
    private static func sum(_ p: UnsafePointer<UInt8>, count: Int) -> (UInt32, UInt8) {
        var halves = SIMD2<UInt64>()
        var top = SIMD16<UInt8>()
        var i = 0
        let raw = UnsafeRawPointer(p)
        while count - i >= 16 {
            let v = raw.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self)
            halves &+= SIMDLanes.halfSums(v)
            top = SIMDLanes.maximum(top, v)
            i += 16
        }
        var total = UInt32(truncatingIfNeeded: halves[0] &+ halves[1])
        var highest = SIMDLanes.highest(top)
        while i < count {
            total &+= UInt32(p[i])
            highest = max(highest, p[i])
            i += 1
        }
        return (total, highest)
    }

    /// Pixels in bin `bin` of one row.
    public func width(ofBin bin: Int) -> Int { edges[bin + 1] - edges[bin] }

    /// The columns (absolute) covered by bins `range`.
    public func columns(ofBins range: ClosedRange<Int>) -> PixelRegion {
        PixelRegion(x: region.x + edges[range.lowerBound], y: region.y,
                    width: edges[range.upperBound + 1] - edges[range.lowerBound], height: region.height)
    }

    /// Each row's brightest pixel over bins `range`.
    public func rowMaxima(_ maxima: [UInt8], bins range: ClosedRange<Int>) -> [UInt8] {
        precondition(maxima.count == region.height * bins, "maxima of another binning")
        let bins = bins
        return maxima.withUnsafeBufferPointer { maxima in
            (0..<region.height).map { row in
                var top: UInt8 = 0
                for bin in range { top = max(top, maxima[row * bins + bin]) }
                return top
            }
        }
    }

    /// Each row's mean luma over bins `range`.
    public func rowMeans(_ sums: [UInt16], bins range: ClosedRange<Int>) -> [Float] {
        precondition(sums.count == region.height * bins, "sums of another binning")
        let pixels = Float(edges[range.upperBound + 1] - edges[range.lowerBound])
        let bins = bins
        return sums.withUnsafeBufferPointer { sums in
            (0..<region.height).map { row in
                var total: UInt32 = 0
                for bin in range { total &+= UInt32(sums[row * bins + bin]) }
                return Float(total) / pixels
            }
        }
    }
}
