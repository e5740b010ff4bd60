/// CLOCK_REALTIME against a NIC's PTP hardware clock, as `phc_ctl IFACE cmp` measures it.
public enum SystemClockOffset {
    /// Reads `offset from CLOCK_REALTIME is -37000000123ns` (also the `approximately` form
    /// phc_ctl prints when the kernel lacks PTP_SYS_OFFSET). The value is realtime minus PHC.
    public static func parsePHCCtl(_ output: String) -> Int64? {
        for line in output.split(separator: "\n").reversed() {
            guard let range = line.firstRange(of: "offset from CLOCK_REALTIME is ") else { continue }
            var rest = line[range.upperBound...]
            if rest.hasPrefix("approximately ") { rest = rest.dropFirst("approximately ".count) }
            guard rest.hasSuffix("ns") else { continue }
            return Int64(rest.dropLast(2))
        }
        return nil
    }

    /// Realtime minus PHC, corrected for a NIC clock on the PTP (TAI) timescale: such a clock is
    /// `currentUtcOffset` seconds ahead of UTC, and phc2sys keeps realtime that far behind it.
    public static func corrected(rawNanoseconds: Int64, utcOffsetSeconds: Int64?, ptpTimescale: Bool?) -> Int64 {
        guard ptpTimescale == true, let utcOffsetSeconds else { return rawNanoseconds }
        return rawNanoseconds + utcOffsetSeconds * 1_000_000_000
    }
}
