import GenlockCore

/// The measured skew between two cameras at one frame index: camera `a`'s exposure start minus
/// camera `b`'s.
public struct SkewSample: Hashable, Sendable, Codable {
    public var index: Int64
    public var skewNs: Double
    /// Standard uncertainty: both estimates' uncertainties in quadrature.
    public var sigmaNs: Double
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

    /// Pairs `a`'s and `b`'s estimates frame by frame.
    ///
    /// A rolling shutter measures every lit frame, so samples are the indices both cameras
    /// measured. A global shutter measures only the frames whose flash landed on a ramp of the
    /// sweep, rarely the same index in two cameras; since a camera's offset from `Tn` changes
    /// little over a sweep, each estimate of `a` is paired with `b`'s nearest estimate within
    /// `window` frames (0 for rolling shutters).
    public init(a: CameraAnalysis, b: CameraAnalysis, window: Int64) {
        self.a = a.name
        self.b = b.name
        var samples: [SkewSample] = []
        let others = b.estimates.sorted { $0.index < $1.index }
        for e in a.estimates {
            // The nearest index of b's estimates (binary search, ties to the earlier).
            var lo = 0, hi = others.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if others[mid].index < e.index { lo = mid + 1 } else { hi = mid }
            }
            let near = [lo - 1, lo].filter { others.indices.contains($0) }
                .min { abs(others[$0].index - e.index) < abs(others[$1].index - e.index) }
            guard let near, abs(others[near].index - e.index) <= window else { continue }
            let o = others[near]
            samples.append(SkewSample(index: e.index, skewNs: e.offsetNs - o.offsetNs,
                                      sigmaNs: (e.sigmaNs * e.sigmaNs + o.sigmaNs * o.sigmaNs).squareRoot()))
        }
        self.samples = samples
        statistics = Self.statistics(samples)
    }

    static func statistics(_ samples: [SkewSample]) -> SkewStatistics? {
        guard let magnitude = Percentiles(samples.map { Int64(abs($0.skewNs).rounded()) }),
              let signed = Percentiles(samples.map { Int64($0.skewNs.rounded()) }),
              let sigma = Percentiles(samples.map { Int64($0.sigmaNs.rounded()) }) else { return nil }
        return SkewStatistics(count: magnitude.count, p50Ns: magnitude.p50, p99Ns: magnitude.p99, maxNs: magnitude.max,
                              medianSignedNs: signed.p50, medianSigmaNs: sigma.p50)
    }
}
