/// The analysis as the `--json` file holds it: per camera its offset from the schedule and its
/// per-frame estimates, per pair the skew statistics and samples, and every diagnostic.
public struct AnalysisReport: Hashable, Sendable, Codable {
    public struct Camera: Hashable, Sendable, Codable {
        public var name: String
        public var shutter: String
        /// Line time used, ns (nil: unknown), whether it was fitted from the bands (no line time
        /// in `sensors.csv`), and its standard uncertainty then.
        public var lineTimeNs: Double?
        public var lineTimeEstimated: Bool
        public var lineTimeSigmaNs: Double?
        /// The region found to be the LED (nil: none).
        public var region: PixelRegion?
        public var framesDecoded: Int
        public var litFrames: Int
        /// Median of (estimated exposure start − `Tn`) over the camera's estimates, ns.
        public var offsetFromScheduledNs: Double?
        /// That median minus the first camera's (the first camera's is 0), ns.
        public var offsetFromFirstCameraNs: Double?
        public var estimates: [FrameEstimate]
    }

    public var session: String
    public var cameras: [Camera]
    public var pairs: [PairSkew]
    public var diagnostics: [Diagnostic]
    /// Whether every camera pair has at least one skew sample.
    public var complete: Bool

    /// `framesDecoded`: per camera in the analysis's order.
    public init(session: String, analysis: SessionAnalysis, framesDecoded: [Int]) {
        self.session = session
        let medians = analysis.cameras.map { camera -> Double? in
            let offsets = camera.estimates.map(\.offsetNs).sorted()
            return offsets.isEmpty ? nil : offsets[offsets.count / 2]
        }
        let reference = medians.first ?? nil
        cameras = analysis.cameras.enumerated().map { i, c in
            Camera(name: c.name, shutter: c.shutter.rawValue, lineTimeNs: c.lineTimeNs, lineTimeEstimated: c.lineTimeEstimated,
                   lineTimeSigmaNs: c.lineTimeSigmaNs, region: c.region, framesDecoded: framesDecoded[i], litFrames: c.litFrames,
                   offsetFromScheduledNs: medians[i],
                   offsetFromFirstCameraNs: both(medians[i], reference).map { $0 - $1 },
                   estimates: c.estimates)
        }
        pairs = analysis.pairs
        diagnostics = analysis.diagnostics
        complete = analysis.complete
    }

    /// The summary printed by `genlock hil analyze`: a line per camera, a line per pair.
    public var text: String {
        var lines: [String] = []
        for c in cameras {
            let offset = c.offsetFromScheduledNs.map { "exposure start − Tn median \(Self.micro($0))" } ?? "no estimate"
            let line = c.lineTimeNs.map { l in
                "line time \(Self.micro(l))" + (c.lineTimeSigmaNs.map { " ± \(Self.micro($0)) (fitted)" } ?? (c.lineTimeEstimated ? " (fitted)" : " (sensors.csv)"))
            } ?? "line time unknown"
            lines.append("\(c.name): \(c.framesDecoded) frames, \(c.litFrames) lit, \(c.estimates.count) estimated; \(offset); \(line)")
        }
        for p in pairs {
            if let s = p.statistics {
                lines.append("\(p.a)–\(p.b): skew over \(s.count) frames |p50| \(Self.micro(Double(s.p50Ns))), |p99| \(Self.micro(Double(s.p99Ns))), "
                    + "max \(Self.micro(Double(s.maxNs))), median signed \(Self.micro(Double(s.medianSignedNs))) ± \(Self.micro(Double(s.medianSigmaNs)))")
            } else {
                lines.append("\(p.a)–\(p.b): no skew measured")
            }
        }
        lines += diagnostics.map { "diagnostic: \($0)" }
        return lines.joined(separator: "\n")
    }

    /// ns as µs with three decimals.
    static func micro(_ ns: Double) -> String {
        let whole = Int64(ns.rounded())
        let sign = whole < 0 ? "-" : ""
        let a = abs(whole)
        let frac = String(a % 1000)
        return "\(sign)\(a / 1000).\(String(repeating: "0", count: 3 - frac.count))\(frac) µs"
    }
}

private func both<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
