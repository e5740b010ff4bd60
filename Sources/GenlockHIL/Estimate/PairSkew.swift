import GenlockCore

/// The measured skew between two cameras at one frame index: camera `a`'s exposure start minus
/// camera `b`'s.
public struct SkewSample: Hashable, Sendable, Codable {
    public var index: Int64
    public var skewNs: Double
    /// Standard uncertainty: both estimates' uncertainties in quadrature (with the other
    /// camera's interpolation error when `interpolated`).
    public var sigmaNs: Double
    /// Whether camera `b` had no estimate at this index, and its offset from `Tn` was taken from
    /// a line through its estimates around it.
    public var interpolated: Bool
}

/// Order statistics of |skew| over a pair's samples, ns.
public struct SkewStatistics: Hashable, Sendable, Codable {
    public var count: Int
    public var p50Ns: Int64
    public var p99Ns: Int64
    public var maxNs: Int64
    /// The median of the signed skew: a constant offset between the two cameras.
    public var medianSignedNs: Int64
    /// The median of the samples' uncertainties.
    public var medianSigmaNs: Int64
}

/// Everything measured for one camera pair.
public struct PairSkew: Hashable, Sendable, Codable {
    public var a: String
    public var b: String
    public var samples: [SkewSample]
    /// Nil when the two cameras share no measured frame index.
    public var statistics: SkewStatistics?

    /// Pairs `a`'s and `b`'s estimates by their offsets from `Tn`.
    ///
    /// The skew at index `n` is `(s_a − Tn) − (s_b − Tn)`. When both cameras measured `n`, that
    /// is the sample. Otherwise (cameras a frame or more apart light different indices with the
    /// same flash) `b`'s offset at `n` comes from a straight line (offset and drift) through its
    /// estimates around `n` within a few of its flash spacings, at least one on each side and
    /// three in all, and only when they lie on that line (residual at most max(`toleranceNs`,
    /// 3× their uncertainty)): a camera whose offset jumps from frame to frame (request-timed
    /// capture) is compared at shared indices only.
    ///
    /// `window` replaces the flash-spacing window (a global-shutter sweep lights runs of frames
    /// with long gaps between them). The line holds for global shutter too: pairing with `b`'s
    /// nearest estimate instead put a drifting camera's offset from another frame into the
    /// sample, 27 µs off at 12.5 µs of drift per frame with an uncertainty of 0.6 µs.
    public init(a: CameraAnalysis, b: CameraAnalysis, window fixedWindow: Int64? = nil, toleranceNs: Double = 0) {
        self.a = a.name
        self.b = b.name
        var samples: [SkewSample] = []
        let others = b.estimates.sorted { $0.index < $1.index }
        let gaps = zip(others, others.dropFirst()).map { $1.index - $0.index }.sorted()
        let window = fixedWindow ?? min(max(8, 3 * (gaps.isEmpty ? 0 : gaps[gaps.count / 2])), 1000)
        for e in a.estimates {
            // The first of b's estimates at or after e.index (binary search).
            var lo = 0, hi = others.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if others[mid].index < e.index { lo = mid + 1 } else { hi = mid }
            }
            if others.indices.contains(lo), others[lo].index == e.index {
                let o = others[lo]
                samples.append(SkewSample(index: e.index, skewNs: e.offsetNs - o.offsetNs,
                                          sigmaNs: (e.sigmaNs * e.sigmaNs + o.sigmaNs * o.sigmaNs).squareRoot(), interpolated: false))
                continue
            }
            let before = others[max(0, lo - 2)..<lo].filter { e.index - $0.index <= window }
            let after = others[lo..<min(others.count, lo + 2)].filter { $0.index - e.index <= window }
            let near = Array(before) + Array(after)
            guard !before.isEmpty, !after.isEmpty, near.count >= 3, let line = Self.line(near, at: e.index) else { continue }
            let sigmas = near.map(\.sigmaNs).sorted()
            let typical = sigmas[sigmas.count / 2]
            guard line.residualNs <= max(toleranceNs, 3 * typical) else { continue }
            let sigmaB = (typical * typical + line.residualNs * line.residualNs).squareRoot()
            samples.append(SkewSample(index: e.index, skewNs: e.offsetNs - line.valueNs,
                                      sigmaNs: (e.sigmaNs * e.sigmaNs + sigmaB * sigmaB).squareRoot(), interpolated: true))
        }
        self.samples = samples
        statistics = Self.statistics(samples)
    }

    /// The least-squares line offset = p + q·index through `points`, its value at `index`, and
    /// the largest residual.
    private static func line(_ points: [FrameEstimate], at index: Int64) -> (valueNs: Double, residualNs: Double)? {
        let n = Double(points.count)
        let x = points.map { Double($0.index - index) }, y = points.map(\.offsetNs)
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        let sxx = x.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
        guard sxx > 0 else { return nil }
        let q = zip(x, y).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) } / sxx
        let p = my - q * mx
        let residual = zip(x, y).map { abs($1 - p - q * $0) }.max() ?? 0
        return (p, residual)
    }

    static func statistics(_ samples: [SkewSample]) -> SkewStatistics? {
        guard let magnitude = Percentiles(samples.map { Int64(abs($0.skewNs).rounded()) }),
              let signed = Percentiles(samples.map { Int64($0.skewNs.rounded()) }),
              let sigma = Percentiles(samples.map { Int64($0.sigmaNs.rounded()) }) else { return nil }
        return SkewStatistics(count: magnitude.count, p50Ns: magnitude.p50, p99Ns: magnitude.p99, maxNs: magnitude.max,
                              medianSignedNs: signed.p50, medianSigmaNs: sigma.p50)
    }
}
