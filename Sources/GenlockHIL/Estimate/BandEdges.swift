/// Where a lit band's edges cross half a flash, in (fractional) rows of the sensor.
///
/// A flash `[f, f+w]` shorter than the exposure `E` lights row `r` of a rolling-shutter frame
/// starting at `s` in proportion to its overlap with `[s + r·L, s + r·L + E]`: zero above the
/// band, a ramp `w/L` rows tall where the rows' windows *end* inside the flash (top edge), a
/// plateau, and a ramp where the windows *begin* inside it (bottom edge). The middle of each
/// ramp, found by linear interpolation between the two rows either side of one half, is where
/// the window's end (top) or start (bottom) meets the middle of the flash, `f + w/2`.
public struct BandEdges: Hashable, Sendable {
    /// A half-flash crossing.
    public struct Edge: Hashable, Sendable {
        /// The row (sensor rows, fractional) where the lit share crosses one half.
        public var row: Double
        /// The standard uncertainty of `row`, in rows.
        public var sigmaRows: Double
    }

    /// The top edge (rows above are dark), nil when the band reaches the region's first row.
    public var top: Edge?
    /// The bottom edge, nil when the band reaches the region's last row.
    public var bottom: Edge?

    /// Finds the edges of the strongest band in `fraction` (lit share per row of a region whose
    /// first row is sensor row `firstRow`); `noise` is the noise of one row's share.
    public init?(fraction p: [Double], firstRow: Int, noise: Double) {
        // The band: the run of rows at or above one half holding the most light.
        var best: Range<Int>?, bestLight = 0.0
        var row = 0
        while row < p.count {
            guard p[row] >= 0.5 else { row += 1; continue }
            let start = row
            var light = 0.0
            while row < p.count, p[row] >= 0.5 { light += p[row]; row += 1 }
            if light > bestLight { best = start..<row; bestLight = light }
        }
        guard let band = best else { return nil }
        func crossing(_ outside: Int, _ inside: Int) -> Edge {
            let slope = abs(p[inside] - p[outside])
            let t = (0.5 - p[outside]) / (p[inside] - p[outside])
            // The uncertainty of a row crossing: a uniform row's worth (1/√12 row; interpolation
            // is exact on a ramp several rows tall, but a ramp shorter than a row can put the
            // crossing anywhere between the two rows, and compression smears ramps by about that
            // much), plus the noise of the two shares moving the crossing by noise/slope rows.
            let noiseRows = noise / max(slope, 1e-6)
            return Edge(row: Double(firstRow) + Double(outside) + t * Double(inside - outside),
                        sigmaRows: (1.0 / 12 + noiseRows * noiseRows).squareRoot())
        }
        top = band.lowerBound > 0 ? crossing(band.lowerBound - 1, band.lowerBound) : nil
        bottom = band.upperBound < p.count ? crossing(band.upperBound, band.upperBound - 1) : nil
        if top == nil && bottom == nil { return nil }
    }

    /// The start of row 0's exposure, relative to the same origin as `flashMiddle`, from the
    /// edges: `s = f + w/2 − E − r_top·L` and `s = f + w/2 − r_bottom·L`, averaged when both
    /// are seen. Returns (start, standard uncertainty, edges used), all in ns.
    public func exposureStart(flashMiddleNs: Double, exposureNs: Double, lineTimeNs: Double) -> (startNs: Double, sigmaNs: Double, edges: Int) {
        var sum = 0.0, variance = 0.0, n = 0
        if let top {
            sum += flashMiddleNs - exposureNs - top.row * lineTimeNs
            variance += top.sigmaRows * top.sigmaRows
            n += 1
        }
        if let bottom {
            sum += flashMiddleNs - bottom.row * lineTimeNs
            variance += bottom.sigmaRows * bottom.sigmaRows
            n += 1
        }
        return (sum / Double(n), variance.squareRoot() / Double(n) * lineTimeNs, n)
    }

    /// The line time the band implies, `E / (r_bottom − r_top)`, when both edges are seen.
    public func lineTimeNs(exposureNs: Double) -> Double? {
        guard let top, let bottom, bottom.row > top.row else { return nil }
        return exposureNs / (bottom.row - top.row)
    }
}
