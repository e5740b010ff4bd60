/// Why a text could not be read as a ``TimeSpan``.
public struct TimeSpanParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public var text: String
    public var reason: String
    public var description: String { "'\(text)' is not a duration: \(reason)" }
}

extension TimeSpan {
    /// Reads a duration such as `2s`, `1.5ms`, `200us`, `200µs`, `37ns`, `10m`, `1h`.
    ///
    /// Decimal fractions are converted exactly to integer nanoseconds; a fraction finer than one
    /// nanosecond, a missing unit, or a value beyond ±292 years is rejected.
    public init(parsing text: String) throws(TimeSpanParseError) {
        let trimmed = text.trimmingWhitespace()
        let units: [(String, Int64)] = [
            ("ns", 1), ("us", 1_000), ("µs", 1_000), ("ms", 1_000_000),
            ("s", 1_000_000_000), ("m", 60_000_000_000), ("h", 3_600_000_000_000),
        ]
        // Longest suffix first so that "ms" is not read as "m" + "s".
        guard let (suffix, scale) = units.sorted(by: { $0.0.count > $1.0.count })
            .first(where: { trimmed.hasSuffix($0.0) })
        else {
            throw TimeSpanParseError(text: text, reason: "missing unit (ns, us, ms, s, m, h)")
        }
        let number = String(trimmed.dropLast(suffix.count))
        guard let value = ExactDecimal(number) else {
            throw TimeSpanParseError(text: text, reason: "'\(number)' is not a decimal number")
        }
        guard let ns = value.scaled(by: scale) else {
            throw TimeSpanParseError(text: text, reason: "not a whole number of nanoseconds, or out of range")
        }
        self.init(nanoseconds: ns)
    }
}

/// A decimal number read exactly as `mantissa / 10^scale` (no floating point).
struct ExactDecimal {
    var negative: Bool
    var digits: String
    var fraction: String

    init?(_ text: String) {
        var body = Substring(text)
        negative = body.first == "-"
        if body.first == "-" || body.first == "+" { body = body.dropFirst() }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return nil }
        digits = String(parts[0])
        fraction = parts.count == 2 ? String(parts[1]) : ""
        guard !(digits.isEmpty && fraction.isEmpty),
            (digits + fraction).allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
    }

    /// `self × scale` as an exact Int64, or nil when it is fractional or overflows.
    func scaled(by scale: Int64) -> Int64? {
        var result: Int64 = 0
        for ch in digits {
            let (m, o1) = result.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(ch.wholeNumberValue!))
            if o1 || o2 { return nil }
            result = a
        }
        var (whole, overflow) = result.multipliedReportingOverflow(by: scale)
        if overflow { return nil }
        var denominator: Int64 = 1
        var numerator: Int64 = 0
        for ch in fraction {
            guard denominator <= Int64.max / 10 else { return nil }
            denominator *= 10
            numerator = numerator * 10 + Int64(ch.wholeNumberValue!)
        }
        // numerator/denominator × scale must be whole.
        let product = Int128(numerator) * Int128(scale)
        guard product % Int128(denominator) == 0 else { return nil }
        (whole, overflow) = whole.addingReportingOverflow(Int64(product / Int128(denominator)))
        if overflow { return nil }
        return negative ? -whole : whole
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return String(s)
    }
}
