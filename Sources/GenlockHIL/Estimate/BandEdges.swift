/// Where a lit band's edges cross half of their own step, in (fractional) rows of the sensor.
///
/// A flash `[f, f+w]` shorter than the exposure `E` lights row `r` of a rolling-shutter frame
/// starting at `s` in proportion to its overlap with `[s + r·L, s + r·L + E]`: zero above the
/// band, a ramp `w/L` rows tall where the rows' windows *end* inside the flash (top edge), a
/// plateau, and a ramp where the windows *begin* inside it (bottom edge).
///
/// Each edge is found at half of its own step (from the dark rows outside to the plateau rows
/// next to it, in this frame), so neither the flash's width nor the LED's brightness in other
/// frames matters. With a non-linear luma curve (gamma) the half-luma point of a ramp is not its
/// half-light point, but the two ramps are mirror images, so the top crossing moves one way exactly
/// as far as the bottom one moves the other: the band's **centre** is independent of any monotonic luma
/// curve, and it is all that is used (``centre``): the row whose window is centred on the
/// flash's middle, `s + r_c·L + E/2 = f + w/2`. A single edge carries the curve's bias and is
/// not used.
///
/// An edge is only an edge when its ramp runs from the plateau down to dark inside `usable`
/// (the rows the LED's footprint lights evenly): a band cut by the region or by the footprint's
/// outline has no edge there.
public struct BandEdges: Hashable, Sendable {
    /// A half-step crossing.
    public struct Edge: Hashable, Sendable {
        /// The row (sensor rows, fractional) where the excess crosses half its step.
        public var row: Double
        /// The standard uncertainty of `row`, in rows.
        public var sigmaRows: Double
    }

    /// The top edge (rows above are dark), nil when its ramp is cut.
    public var top: Edge?
    /// The bottom edge, nil when its ramp is cut.
    public var bottom: Edge?

    /// Finds the edges of the strongest band in `excess` (light above the background per row of
    /// a region whose first row is sensor row `firstRow`, luma levels); `usable` are the region's
    /// rows (relative) an edge may lie in; `noise` is the noise of one row's excess.
    public init?(excess p: [Double], firstRow: Int, usable: Range<Int>, noise: Double) {
        let usable = usable.clamped(to: 0..<p.count)
        guard usable.count >= 3, let maximum = usable.map({ p[$0] }).max(), maximum > 0 else { return nil }
        // The band: the run of rows at or above half the maximum holding the most light.
        var best: Range<Int>?, bestLight = 0.0
        var row = usable.lowerBound
        while row < usable.upperBound {
            guard p[row] >= 0.5 * maximum else { row += 1; continue }
            let start = row
            var light = 0.0
            while row < usable.upperBound, p[row] >= 0.5 * maximum { light += p[row]; row += 1 }
            if light > bestLight { best = start..<row; bestLight = light }
        }
        guard let band = best else { return nil }
        let bandTop = band.map { p[$0] }.max() ?? maximum
        top = Self.edge(p, band: band, bandTop: bandTop, direction: -1, usable: usable, noise: noise, firstRow: firstRow)
        bottom = Self.edge(p, band: band, bandTop: bandTop, direction: 1, usable: usable, noise: noise, firstRow: firstRow)
        if top == nil && bottom == nil { return nil }
    }

    /// The edge on one side of `band` (`direction` −1 top, +1 bottom). Its step is the median of
    /// three rows just inside the ramp's flat end (the ramp's width measured between its 20 % and
    /// 80 % crossings of the band's top), so that no ramp row lowers it on one side more than
    /// the other; the edge is where the excess crosses half of that step.
    private static func edge(_ p: [Double], band: Range<Int>, bandTop: Double, direction: Int, usable: Range<Int>,
                             noise: Double, firstRow: Int) -> Edge? {
        let outerRow = direction < 0 ? band.lowerBound : band.upperBound - 1
        /// The fractional row where the ramp crosses `level`, from the band's outer row.
        func cross(_ level: Double) -> Double? {
            var inside = outerRow
            if p[inside] >= level {
                while usable.contains(inside + direction), p[inside + direction] >= level { inside += direction }
            } else {
                while band.contains(inside - direction), p[inside] < level { inside -= direction }
                guard p[inside] >= level else { return nil }
            }
            let outside = inside + direction
            guard usable.contains(outside), p[inside] != p[outside] else { return nil }
            return Double(outside) + (level - p[outside]) / (p[inside] - p[outside]) * Double(inside - outside)
        }
        guard let low = cross(0.2 * bandTop), let high = cross(0.8 * bandTop) else { return nil }
        let ramp = abs(high - low) / 0.6
        // The flat part starts about half a ramp inside the half crossing.
        let flat = Int((Double(outerRow) - Double(direction) * (ramp / 2)).rounded()) - direction
        let rows = (0..<3).map { flat - direction * $0 }.filter { band.contains($0) }
        guard !rows.isEmpty else { return nil }
        let step = rows.map { p[$0] }.sorted()[rows.count / 2]
        return crossing(p, from: outerRow, step: step, direction: direction, usable: usable, noise: noise, firstRow: firstRow)
    }

    /// Walks from the band row `from` outwards (`direction` −1 up, +1 down) to where the
    /// excess falls below half of `step`; nil unless the ramp reaches dark (a tenth of the step)
    /// inside `usable`.
    private static func crossing(_ p: [Double], from: Int, step: Double, direction: Int, usable: Range<Int>,
                                 noise: Double, firstRow: Int) -> Edge? {
        let half = step / 2
        var inside = from
        // `from` may lie outside the half level when the step is higher than the band's half-maximum.
        while p[inside] < half, usable.contains(inside - direction) { inside -= direction }
        while usable.contains(inside + direction), p[inside + direction] >= half { inside += direction }
        let outside = inside + direction
        guard usable.contains(outside) else { return nil }
        var dark = outside
        while usable.contains(dark), p[dark] > 0.1 * step { dark += direction }
        guard usable.contains(dark) else { return nil }
        let slope = abs(p[inside] - p[outside])
        let t = (half - p[outside]) / (p[inside] - p[outside])
        // The noise of the two rows and of the half level (half the median of three plateau rows)
        // moved through the slope; a ramp about a row tall leaves the crossing anywhere between
        // the two rows (a uniform row's worth). Everything else the fit's residuals show.
        let noiseRows = noise * (1 + 1.0 / 12).squareRoot() / max(slope, 1e-9)
        let rampRows = Double(abs(dark - inside))
        let quantisation = rampRows <= 3 ? 1.0 / 12 : 0
        return Edge(row: Double(firstRow) + Double(outside) + t * Double(inside - outside),
                    sigmaRows: (quantisation + noiseRows * noiseRows).squareRoot())
    }

    /// The band's centre row and its standard uncertainty (rows), when both edges are seen.
    public var centre: (row: Double, sigmaRows: Double)? {
        guard let top, let bottom, bottom.row > top.row else { return nil }
        return ((top.row + bottom.row) / 2, (top.sigmaRows * top.sigmaRows + bottom.sigmaRows * bottom.sigmaRows).squareRoot() / 2)
    }

    /// The rows between the two edges (biased by a non-linear luma curve: a first guess only).
    public var heightRows: Double? {
        guard let top, let bottom, bottom.row > top.row else { return nil }
        return bottom.row - top.row
    }
}
