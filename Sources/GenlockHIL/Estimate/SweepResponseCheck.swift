/// Whether a global-shutter camera's sweep reads light linearly, checked on its own estimates.
///
/// A sweep point's share `p` is its frame's light over a whole flash's, read from luma. With a
/// luma curve `G` (gamma, a toe) the share read is `G(p)`, not `p`, and the two ramps err in
/// opposite directions: the rising ramp gives `s = f + w(1 − p)`, too early by `w(G(p) − p)`; the
/// falling one `s = f + p·w − E`, too late by as much. So on a linear response the estimates from
/// the two ramps agree, and on a curved one (any concave or convex `G`) they split by
/// `w·(G(p_r) − p_r + G(p_f) − p_f)`. The check fits `offset = a + b·t + c·side` (side −½ rising,
/// +½ falling; `b` a drift) and calls the response curved when the split `c` is larger than four
/// of its standard errors and than 4 % of the flash width. A sweep that crossed only one ramp
/// cannot tell a curve from a shift and is not checked: no number.
struct SweepResponseCheck {
    /// Which end of the exposure window the flash was crossing.
    enum Ramp { case rising, falling }

    struct Point {
        var estimate: FrameEstimate
        var ramp: Ramp
        /// The flash's width, ns.
        var widthNs: Double
    }

    enum Verdict: Equatable {
        /// The ramps agree: the split (falling minus rising, ns) and its standard error.
        case linear(splitNs: Double, sigmaNs: Double)
        /// The ramps disagree: the luma curve is not linear.
        case curved(splitNs: Double, sigmaNs: Double)
        /// Only one ramp was crossed.
        case unchecked(Ramp)
    }

    /// The split is a curve only when it is also this share of the flash width (compression and
    /// blur leave a few µs of systematic difference on a linear response).
    static let floorShareOfWidth = 0.04

    static func verdict(_ points: [Point]) -> Verdict? {
        guard !points.isEmpty else { return nil }
        let rising = points.filter { $0.ramp == .rising }.count
        guard rising > 0 else { return .unchecked(.falling) }
        guard rising < points.count else { return .unchecked(.rising) }
        let withDrift = points.count >= 4
        let columns = withDrift ? 3 : 2
        // Least squares on [1, side, t] (t in frames, centred).
        let meanIndex = points.map { Double($0.estimate.index) }.reduce(0, +) / Double(points.count)
        func row(_ p: Point) -> [Double] {
            let side = p.ramp == .rising ? -0.5 : 0.5
            return withDrift ? [1, side, Double(p.estimate.index) - meanIndex] : [1, side]
        }
        var normal = [[Double]](repeating: [Double](repeating: 0, count: columns), count: columns)
        var rhs = [Double](repeating: 0, count: columns)
        for p in points {
            let x = row(p)
            for i in 0..<columns {
                rhs[i] += x[i] * p.estimate.offsetNs
                for j in 0..<columns { normal[i][j] += x[i] * x[j] }
            }
        }
        guard let inverse = SmallMatrix.inverse(normal) else { return nil }
        let coefficients = (0..<columns).map { i in (0..<columns).reduce(0.0) { $0 + inverse[i][$1] * rhs[$1] } }
        var squares = 0.0
        for p in points {
            let x = row(p)
            let fitted = (0..<columns).reduce(0.0) { $0 + x[$1] * coefficients[$1] }
            squares += (p.estimate.offsetNs - fitted) * (p.estimate.offsetNs - fitted)
        }
        // The scatter of one estimate: from the residuals when there are some to spare, never
        // below what the estimates state.
        let stated = points.map { $0.estimate.sigmaNs * $0.estimate.sigmaNs }.reduce(0, +) / Double(points.count)
        let variance = max(points.count > columns ? squares / Double(points.count - columns) : 0, stated)
        let split = coefficients[1]
        let sigma = (variance * inverse[1][1]).squareRoot()
        var widths = points.map(\.widthNs)
        widths.sort()
        let floor = floorShareOfWidth * widths[widths.count / 2]
        return abs(split) > max(4 * sigma, floor) ? .curved(splitNs: split, sigmaNs: sigma) : .linear(splitNs: split, sigmaNs: sigma)
    }
}
