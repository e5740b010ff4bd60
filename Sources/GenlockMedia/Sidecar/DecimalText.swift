/// Fixed-point text for integer quantities, so no instant ever passes through floating point.
enum DecimalText {
    /// `value / 10^scaleDigits` with `places` decimals (rounded half away from zero), e.g.
    /// `fixed(1_500_000, scaleDigits: 6, places: 3)` is `"1.500"`.
    static func fixed(_ value: Int64, scaleDigits: Int, places: Int) -> String {
        precondition(places <= scaleDigits)
        var drop: Int64 = 1
        for _ in 0..<(scaleDigits - places) { drop *= 10 }
        let magnitude = value.magnitude
        let rounded = (magnitude + UInt64(drop / 2)) / UInt64(drop)
        var unit: UInt64 = 1
        for _ in 0..<places { unit *= 10 }
        let whole = rounded / unit
        var text = (value < 0 && rounded != 0 ? "-" : "") + String(whole)
        if places > 0 {
            var fraction = String(rounded % unit)
            while fraction.count < places { fraction = "0" + fraction }
            text += "." + fraction
        }
        return text
    }
}
