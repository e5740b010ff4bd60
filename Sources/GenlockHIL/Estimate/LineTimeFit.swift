/// The line time and the camera's offset fitted from how the band's centre row moves with the
/// flash instant across many flashes.
///
/// Each two-edge frame `i` gives the band's centre row `y_i` and `x_i = f_i + w_i/2 − E_i/2 −
/// ref_i`, the flash's middle less half the exposure, relative to the frame's reference instant
/// (its sensor timestamp's exposure start, or `Tn`). The row whose window is centred on the
/// flash's middle satisfies `x_i = o + L·y_i`, where `o` is the exposure start's offset from the
/// reference; `o` may drift slowly, so the model is `x_i = o + L·y_i + d·t_i` (`t_i` seconds from
/// the middle of the session). Least squares, then once more without the points further than
/// four robust standard deviations (and `minimumToleranceNs`) from the first fit.
///
/// The fit needs the band to walk the frame (flash periods that are not a whole number of frame
/// periods), so that `y` spans many rows; ``rowSpan`` says how far it did.
public struct LineTimeFit: Hashable, Sendable {
    public struct Point: Hashable, Sendable {
        public var xNs: Double
        public var row: Double
        public var tSeconds: Double
        public init(xNs: Double, row: Double, tSeconds: Double) {
            self.xNs = xNs
            self.row = row
            self.tSeconds = tSeconds
        }
    }

    /// The fitted line time (or the one given), ns per row, and its standard uncertainty (0 when given).
    public var lineTimeNs: Double
    public var lineTimeSigmaNs: Double
    /// Offset at `t = 0` and drift (ns per second).
    public var offsetNs: Double
    public var driftNsPerSecond: Double
    /// Per point: residual (ns) and whether it was kept.
    public var residualsNs: [Double]
    public var inliers: [Bool]
    /// Robust standard deviation of the kept residuals, ns.
    public var residualSigmaNs: Double
    /// Rows between the highest and lowest centre kept.
    public var rowSpan: Double

    /// Nil with fewer than four points (three with a given line time).
    public init?(_ points: [Point], lineTimeNs given: Double?, minimumToleranceNs: Double) {
        guard points.count >= (given == nil ? 4 : 3) else { return nil }
        var keep = [Bool](repeating: true, count: points.count)
        var solution: (o: Double, l: Double, d: Double, sigmaL: Double)?
        var residuals: [Double] = []
        var sigma = 0.0
        for pass in 0..<2 {
            let kept = points.indices.filter { keep[$0] }.map { points[$0] }
            guard let s = Self.solve(kept, given: given) else { return nil }
            solution = s
            residuals = points.map { $0.xNs - s.o - s.l * $0.row - s.d * $0.tSeconds }
            let deviations = points.indices.filter { keep[$0] }.map { abs(residuals[$0]) }.sorted()
            sigma = 1.4826 * deviations[deviations.count / 2]
            if pass == 0 {
                let tolerance = max(4 * sigma, minimumToleranceNs)
                keep = residuals.map { abs($0) <= tolerance }
            }
        }
        guard let solution else { return nil }
        let keptRows = points.indices.filter { keep[$0] }.map { points[$0].row }
        lineTimeNs = solution.l
        lineTimeSigmaNs = solution.sigmaL
        offsetNs = solution.o
        driftNsPerSecond = solution.d
        residualsNs = residuals
        inliers = keep
        residualSigmaNs = sigma
        rowSpan = (keptRows.max() ?? 0) - (keptRows.min() ?? 0)
    }

    /// The row where the band of a flash with `xNs` at `tSeconds` is centred.
    public func predictedRow(xNs: Double, tSeconds: Double) -> Double {
        (xNs - offsetNs - driftNsPerSecond * tSeconds) / lineTimeNs
    }

    /// Least squares for (o, L, d), or (o, d) with L given; the drift is left out when the points
    /// span no time. L's standard uncertainty from the residuals and the design.
    private static func solve(_ points: [Point], given: Double?) -> (o: Double, l: Double, d: Double, sigmaL: Double)? {
        let tSpread = (points.map(\.tSeconds).max() ?? 0) - (points.map(\.tSeconds).min() ?? 0)
        var columns: [(Point) -> Double] = [{ _ in 1 }]
        if given == nil { columns.append { $0.row } }
        if tSpread > 0 { columns.append { $0.tSeconds } }
        let k = columns.count
        guard points.count > k else { return nil }
        var a = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        var b = [Double](repeating: 0, count: k)
        for p in points {
            let target = p.xNs - (given.map { $0 * p.row } ?? 0)
            let row = columns.map { $0(p) }
            for i in 0..<k {
                b[i] += row[i] * target
                for j in 0..<k { a[i][j] += row[i] * row[j] }
            }
        }
        guard let inverse = SmallMatrix.inverse(a) else { return nil }
        let beta = (0..<k).map { i in (0..<k).reduce(0.0) { $0 + inverse[i][$1] * b[$1] } }
        var rss = 0.0
        for p in points {
            let target = p.xNs - (given.map { $0 * p.row } ?? 0)
            let row = columns.map { $0(p) }
            let r = target - (0..<k).reduce(0.0) { $0 + row[$1] * beta[$1] }
            rss += r * r
        }
        let variance = rss / Double(points.count - k)
        let o = beta[0]
        let l = given ?? beta[1]
        let d = tSpread > 0 ? beta[k - 1] : 0
        let sigmaL = given == nil ? (variance * inverse[1][1]).squareRoot() : 0
        return (o, l, d, sigmaL)
    }
}
