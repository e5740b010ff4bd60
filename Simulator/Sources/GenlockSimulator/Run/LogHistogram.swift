/// A histogram of non-negative integers with bounded relative error (1/256), for percentiles of
/// millions of samples without keeping or sorting them. Values below 512 are exact; above, each
/// power of two is split into 256 buckets (32 ns wide at 8–16 µs, where the exposure-skew goals
/// sit: a p99 of 11.98 µs is not reported as 12.03). Quantiles answer the upper edge of their bucket
/// (never understating), clamped to the exact maximum.
///
/// The buckets grow up to the largest value added (2,560 for values up to 100 µs) rather
/// than spanning all of Int64 (14,336), and count in 32 bits: a run keeps hundreds of these (per
/// camera and per camera pair and phase), each camera's two are added to at every frame, and
/// the smaller they are the more of them stay in cache (16 cameras' wake-up histograms missed it
/// at 8 % of a long run's time with 64-bit counts, 4 % with 32). A bucket that fills its 32 bits
/// (4.3 G samples: a 1000-hour run at over 1,200 fps) goes on counting beside it, in 64.
public struct LogHistogram: Sendable {
    /// Buckets per power of two: 2^subBits.
    private static let subBits = 8
    private static let exact = 2 << subBits
    private var counts: [UInt32] = []
    /// Samples past a full bucket's 32 bits, by bucket (empty but in the longest runs).
    private var overflow: [Int: Int64] = [:]
    public private(set) var count: Int64 = 0
    public private(set) var max: Int64 = 0

    /// Most samples a bucket's 32 bits hold before the rest go to ``overflow`` (less only in tests).
    private let bucketLimit: UInt32

    public init() { bucketLimit = .max }

    /// A histogram whose buckets spill past `bucketLimit` samples (to test the spill without 4.3 G samples).
    init(bucketLimit: UInt32) { self.bucketLimit = bucketLimit }

    static func bucket(_ v: Int64) -> Int {
        if v < exact { return Int(v) }
        let e = 63 - v.leadingZeroBitCount  // subBits + 1 ... 62
        let sub = Int((v >> (e - subBits)) & Int64((1 << subBits) - 1))
        return exact + (e - subBits - 1) * (1 << subBits) + sub
    }

    static func upperEdge(_ b: Int) -> Int64 {
        if b < exact { return Int64(b) }
        let e = (b - exact) / (1 << subBits) + subBits + 1
        let sub = Int64((b - exact) % (1 << subBits))
        let shift = e - subBits
        let low = (Int64(1 << subBits) + sub) << shift
        // The width less one first: the top bucket's edge is Int64.max, and low + width passes it.
        return low + ((Int64(1) << shift) - 1)
    }

    /// Adds `value` (negative values count as 0).
    public mutating func add(_ value: Int64) {
        let v = Swift.max(value, 0)
        let b = Self.bucket(v)
        if b >= counts.count { grow(to: b) }
        if counts[b] == bucketLimit { overflow[b, default: 0] += 1 } else { counts[b] += 1 }
        count += 1
        if v > max { max = v }
    }

    /// Room up to bucket `b`, rounded up to a whole power of two's buckets (so a slowly rising
    /// maximum grows the array once per octave, not once per value).
    private mutating func grow(to b: Int) {
        let octave = 1 << Self.subBits
        let size = b < Self.exact ? Self.exact : Self.exact + ((b - Self.exact) / octave + 1) * octave
        counts.append(contentsOf: repeatElement(0, count: size - counts.count))
    }

    /// The nearest-rank quantile `num/den`, or nil when empty.
    public func quantile(_ num: Int64, _ den: Int64) -> Int64? {
        guard count > 0 else { return nil }
        let rank = Swift.max((count * num + den - 1) / den, 1)
        var seen: Int64 = 0
        for (b, c) in counts.enumerated() where c > 0 {
            seen += Int64(c) + (overflow.isEmpty ? 0 : overflow[b, default: 0])
            if seen >= rank { return Swift.min(Self.upperEdge(b), max) }
        }
        return max
    }

    /// p50, p99, p99.9 and max, or nil when empty.
    public var summary: Quantiles? {
        guard count > 0 else { return nil }
        return Quantiles(count: count, p50: quantile(50, 100)!, p99: quantile(99, 100)!, p999: quantile(999, 1000)!, max: max)
    }
}

/// Percentile summary as reported (nanoseconds).
public struct Quantiles: Hashable, Sendable, Codable, CustomStringConvertible {
    public var count: Int64
    public var p50: Int64
    public var p99: Int64
    public var p999: Int64
    public var max: Int64

    public var description: String {
        "p50 \(fmt(p50))  p99 \(fmt(p99))  p99.9 \(fmt(p999))  max \(fmt(max))"
    }
    private func fmt(_ v: Int64) -> String { TimeSpanText.text(v) }
}

import GenlockCore
enum TimeSpanText {
    static func text(_ ns: Int64) -> String { TimeSpanFormat.text(ns) }
}
