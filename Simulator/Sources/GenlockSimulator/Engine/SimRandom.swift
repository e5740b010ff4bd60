/// The simulator's pseudo-random generator: xoshiro256** seeded through SplitMix64.
///
/// Every random draw in a run comes from generators derived from the one scenario seed with
/// ``derived(_:)``, each consumer (a node's clock, its timer, the network) owning its own stream,
/// so adding draws in one place never shifts the numbers another place sees. Only integer
/// arithmetic: identical on every machine.
public struct SimRandom: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// A generator whose whole state is expanded from `seed` with SplitMix64.
    public init(seed: UInt64) {
        var x = seed
        s0 = Self.splitMix(&x); s1 = Self.splitMix(&x); s2 = Self.splitMix(&x); s3 = Self.splitMix(&x)
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }  // the all-zero state is a fixed point
    }

    /// An independent stream for the consumer named by `stream` (a stable tag, not a draw).
    public func derived(_ stream: UInt64) -> SimRandom {
        var x = s0 ^ (stream &* 0x9E37_79B9_7F4A_7C15) ^ s3.rotl(17)
        return SimRandom(seed: Self.splitMix(&x))
    }

    static func splitMix(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func next() -> UInt64 {
        let result = (s1 &* 5).rotl(7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = s3.rotl(45)
        return result
    }

    /// A uniform integer in `0..<bound` (bound > 0), by multiply-shift (bias below 2⁻³²).
    public mutating func below(_ bound: UInt64) -> UInt64 {
        precondition(bound > 0)
        return UInt64((UInt128(next()) * UInt128(bound)) >> 64)
    }

    /// A uniform integer in `range`.
    public mutating func int(in range: ClosedRange<Int64>) -> Int64 {
        let span = UInt64(bitPattern: range.upperBound &- range.lowerBound) &+ 1
        if span == 0 { return Int64(bitPattern: next()) }
        return range.lowerBound &+ Int64(bitPattern: below(span))
    }

    /// True with probability `ppm` parts per million.
    public mutating func chance(ppm: Int64) -> Bool {
        ppm > 0 && Int64(below(1_000_000)) < ppm
    }

    /// A uniform double in [0, 1) (53 bits).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// An approximately normal draw with standard deviation `sigma` (Irwin–Hall sum of 12
    /// uniforms: exact arithmetic, no libm, tails bounded at ±6σ).
    public mutating func gaussian(sigma: Double) -> Double {
        if sigma == 0 { return 0 }
        var sum = 0.0
        for _ in 0..<12 { sum += unit() }
        return (sum - 6) * sigma
    }

    /// An approximately normal integer draw (nanoseconds, parts per trillion, …).
    public mutating func gaussian(sigma: Int64) -> Int64 {
        sigma == 0 ? 0 : Int64(gaussian(sigma: Double(sigma)).rounded())
    }

    /// An exponential draw with mean `mean` (inverse transform through a 64-bit uniform; uses
    /// only `log`, whose result is identical for identical inputs on one platform).
    public mutating func exponential(mean: Int64) -> Int64 {
        if mean <= 0 { return 0 }
        let u = 1 - unit()  // (0, 1]
        return Int64((-Double(mean) * log(u)).rounded())
    }
}

extension UInt64 {
    func rotl(_ k: UInt64) -> UInt64 { (self << k) | (self >> (64 - k)) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
