/// Order statistics of a set of integer samples (nanoseconds, usually), by the nearest-rank method.
public struct Percentiles: Hashable, Sendable, CustomStringConvertible {
    public var count: Int
    public var p50: Int64
    public var p99: Int64
    public var p999: Int64
    public var max: Int64
    public var min: Int64

    /// Summarises `samples`; nil when there are none.
    public init?(_ samples: [Int64]) {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        count = sorted.count
        p50 = Self.rank(sorted, 50, 100)
        p99 = Self.rank(sorted, 99, 100)
        p999 = Self.rank(sorted, 999, 1000)
        max = sorted.last!
        min = sorted.first!
    }

    /// Nearest rank: the smallest sample such that at least `num/den` of all samples are ≤ it.
    public static func rank(_ sorted: [Int64], _ num: Int, _ den: Int) -> Int64 {
        precondition(!sorted.isEmpty)
        let r = (sorted.count * num + den - 1) / den
        return sorted[Swift.max(r, 1) - 1]
    }

    public var description: String {
        "p50 \(TimeSpanFormat.text(p50)), p99 \(TimeSpanFormat.text(p99)), max \(TimeSpanFormat.text(max))"
    }
}
