import GenlockCore

extension SimulationReport {
    /// The per-pair section (``pairSkews``): a line per pair of cameras and phase, p50/p99/max of
    /// each part, and the pair's signed mean lean.
    func pairLines(_ pairs: [PairSkew]) -> [String] {
        func t(_ ns: Int64) -> String { TimeSpanFormat.text(ns) }
        func q(_ x: Quantiles?) -> String { x.map { "\(t($0.p50)) / \(t($0.p99)) / \(t($0.max))" } ?? "-" }
        var lines = ["", "per pair of cameras (p50 / p99 / max of |difference| over the indices both recorded; lean: mean of first − second):"]
        lines.append(pad("pair", 7) + pad("phase", 14) + pad("frames", 8) + pad("exposure", 33) + pad("clocks", 33) + pad("residual", 33) + "lean")
        for p in pairs {
            let pair = p.cameras.map(String.init).joined(separator: "-")
            lines.append(
                pad(pair, 7) + pad(p.phase.description, 14) + pad("\(p.frames)", 8) + pad(q(p.exposureNs), 33)
                    + pad(q(p.clocksNs), 33) + pad(q(p.residualNs), 33) + t(p.meanExposureDifferenceNs))
        }
        return lines
    }
}
