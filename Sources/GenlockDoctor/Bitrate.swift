/// A planned recording bitrate in bits per second (SI prefixes, as encoders and cameras quote them).
public struct Bitrate: Hashable, Sendable, CustomStringConvertible {
    public var bitsPerSecond: UInt64

    public init(bitsPerSecond: UInt64) { self.bitsPerSecond = bitsPerSecond }

    /// Reads `20Mbps`, `2.5Mbit/s`, `800k`, `1G`, or a bare number of bits per second; the prefix is
    /// SI (k = 1000) and its case does not matter (there are no milli-bits).
    public init(parsing text: String) throws(BitrateParseError) {
        var rest = Substring(text.trimmingWhitespace())
        for suffix in ["bit/s", "bps", "b/s"] where rest.lowercased().hasSuffix(suffix) {
            rest = rest.dropLast(suffix.count)
            break
        }
        rest = Substring(rest.trimmingWhitespace())
        var scale: UInt64 = 1
        if let last = rest.last, let prefix = ["k": UInt64(1_000), "m": 1_000_000, "g": 1_000_000_000][last.lowercased()] {
            scale = prefix
            rest = Substring(rest.dropLast().trimmingWhitespace())
        }
        let parts = rest.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let wholeText = parts.first, !wholeText.isEmpty, wholeText.allSatisfy(\.isASCII), let whole = UInt64(wholeText) else {
            throw BitrateParseError(text: text, reason: "expected a number with an optional k/M/G prefix and bps, like 20Mbps")
        }
        var bits = whole.multipliedReportingOverflow(by: scale)
        if parts.count == 2 {
            // The fraction is applied digit by digit in integers: 2.5M is exactly 2 500 000.
            var digitScale = scale
            for digit in parts[1] {
                guard let value = digit.wholeNumberValue, digit.isASCII else {
                    throw BitrateParseError(text: text, reason: "'\(parts[1])' is not a decimal fraction")
                }
                guard digitScale % 10 == 0 else { throw BitrateParseError(text: text, reason: "finer than one bit per second") }
                digitScale /= 10
                bits = bits.partialValue.addingReportingOverflow(UInt64(value) * digitScale)
            }
        }
        guard !bits.overflow, bits.partialValue > 0 else { throw BitrateParseError(text: text, reason: "must be positive and below 2^64 bit/s") }
        self.init(bitsPerSecond: bits.partialValue)
    }

    /// Bytes per second, rounded up (a plan must not come out smaller than the stream).
    public var bytesPerSecond: UInt64 { (bitsPerSecond + 7) / 8 }

    public var description: String {
        for (prefix, scale) in [("G", UInt64(1_000_000_000)), ("M", 1_000_000), ("k", 1_000)] where bitsPerSecond >= scale {
            let tenths = bitsPerSecond * 10 / scale
            return tenths % 10 == 0 ? "\(tenths / 10) \(prefix)bit/s" : "\(tenths / 10).\(tenths % 10) \(prefix)bit/s"
        }
        return "\(bitsPerSecond) bit/s"
    }
}

/// Why a text could not be read as a ``Bitrate``.
public struct BitrateParseError: Error, Hashable, Sendable, CustomStringConvertible {
    public var text: String
    public var reason: String
    public var description: String { "'\(text)' is not a bitrate: \(reason)" }
}

/// Byte counts for people, in binary units (`64 MiB`, `12.3 GiB`), as `df -h` prints them.
public enum ByteCountFormat {
    public static func text(_ bytes: UInt64) -> String {
        let units: [(String, UInt64)] = [("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        for (unit, scale) in units where bytes >= scale {
            let tenths = bytes / scale * 10 + bytes % scale * 10 / scale
            return tenths % 10 == 0 ? "\(tenths / 10) \(unit)" : "\(tenths / 10).\(tenths % 10) \(unit)"
        }
        return "\(bytes) B"
    }
}
