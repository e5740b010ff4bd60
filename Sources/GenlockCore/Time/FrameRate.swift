/// Why a frame rate was rejected.
public struct FrameRateError: Error, Equatable, Sendable, CustomStringConvertible {
    public var text: String
    public var reason: String
    public var description: String { "'\(text)' is not a valid frame rate: \(reason)" }
}

/// A frame rate as an exact rational number of frames per second, in lowest terms.
///
/// Broadcast rates are not decimals (29.97 is really 30000/1001), and every node must compute
/// the same deadlines, so rates are never floating point.
public struct FrameRate: Hashable, Sendable, CustomStringConvertible {
    /// Frames, per ``denominator`` seconds.
    public let numerator: Int64
    /// Seconds, per ``numerator`` frames.
    public let denominator: Int64

    /// The slowest rate accepted: one frame per hour.
    public static let minimumFramesPerHour: Int64 = 1
    /// The fastest rate accepted: one frame per 100 µs. No sensor goes beyond this; a larger value
    /// is a typo (for example a period typed where a rate was meant).
    public static let maximumFramesPerSecond: Int64 = 10_000
    /// Numerator and denominator are bounded so that schedule arithmetic fits its 128-bit intermediate.
    public static let maximumTerm: Int64 = 1_000_000_000

    /// A rate of `numerator / denominator` frames per second, reduced to lowest terms.
    public init(numerator: Int64, denominator: Int64 = 1) throws(FrameRateError) {
        let text = denominator == 1 ? "\(numerator)" : "\(numerator)/\(denominator)"
        guard denominator != 0 else { throw FrameRateError(text: text, reason: "denominator is zero") }
        guard numerator > 0, denominator > 0 else {
            throw FrameRateError(text: text, reason: numerator == 0 ? "must be greater than zero" : "must be positive")
        }
        let g = Self.gcd(numerator, denominator)
        let n = numerator / g
        let d = denominator / g
        guard n <= Self.maximumTerm, d <= Self.maximumTerm else {
            throw FrameRateError(text: text, reason: "numerator and denominator must be at most \(Self.maximumTerm)")
        }
        // n/d <= max  <=>  n <= max·d ;  n/d >= 1/3600  <=>  3600·n >= d
        guard Int128(n) <= Int128(Self.maximumFramesPerSecond) * Int128(d) else {
            throw FrameRateError(text: text, reason: "faster than \(Self.maximumFramesPerSecond) frames per second")
        }
        guard Int128(n) * 3600 >= Int128(d) * Int128(Self.minimumFramesPerHour) else {
            throw FrameRateError(text: text, reason: "slower than one frame per hour")
        }
        self.numerator = n
        self.denominator = d
    }

    /// Reads `30`, `120`, `30000/1001` or an exact decimal such as `29.97` (= 2997/100).
    public init(parsing text: String) throws(FrameRateError) {
        let trimmed = text.trimmingWhitespace()
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        func term(_ s: Substring) throws(FrameRateError) -> (Int64, Int64) {
            guard let decimal = ExactDecimal(String(s)) else {
                throw FrameRateError(text: text, reason: "'\(s)' is not a number")
            }
            var scale: Int64 = 1
            for _ in decimal.fraction {
                guard scale <= Self.maximumTerm else { throw FrameRateError(text: text, reason: "too many decimals") }
                scale *= 10
            }
            guard let value = decimal.scaled(by: scale) else {
                throw FrameRateError(text: text, reason: "'\(s)' is out of range")
            }
            return (value, scale)
        }
        switch parts.count {
        case 1:
            let (value, scale) = try term(parts[0])
            try self.init(numerator: value, denominator: scale, text: text)
        case 2:
            let (a, sa) = try term(parts[0])
            let (b, sb) = try term(parts[1])
            // (a/sa) / (b/sb) = (a·sb) / (b·sa)
            let (n, o1) = a.multipliedReportingOverflow(by: sb)
            let (d, o2) = b.multipliedReportingOverflow(by: sa)
            guard !o1, !o2 else { throw FrameRateError(text: text, reason: "out of range") }
            try self.init(numerator: n, denominator: d, text: text)
        default:
            throw FrameRateError(text: text, reason: "expected N or N/D")
        }
    }

    private init(numerator: Int64, denominator: Int64, text: String) throws(FrameRateError) {
        do {
            try self.init(numerator: numerator, denominator: denominator)
        } catch {
            throw FrameRateError(text: text, reason: error.reason)
        }
    }

    /// The nominal frame period, rounded down to whole nanoseconds (for display and sizing only:
    /// deadlines come from ``FrameSchedule``, which never accumulates this rounding).
    public var nominalPeriod: TimeSpan {
        TimeSpan(nanoseconds: Int64(Int128(denominator) * 1_000_000_000 / Int128(numerator)))
    }

    public var description: String { denominator == 1 ? "\(numerator)" : "\(numerator)/\(denominator)" }

    static func gcd(_ a: Int64, _ b: Int64) -> Int64 {
        var (x, y) = (a.magnitude, b.magnitude)
        while y != 0 { (x, y) = (y, x % y) }
        return Int64(x)
    }
}
