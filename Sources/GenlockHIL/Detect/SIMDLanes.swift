/// The few lane operations ``ColumnBinning`` needs, written for the concrete 16-lane types as
/// loops over constant lane counts: the optimizer turns each into a handful of vector
/// instructions (a byte-wise max, a widening, a horizontal add or max), where the standard
/// library's generic `pointwiseMax(_:_:)` and `SIMD.max()` stayed calls in the hot loop.
enum SIMDLanes {
    /// The larger of each pair of lanes.
    @inline(__always)
    static func maximum(_ a: SIMD16<UInt8>, _ b: SIMD16<UInt8>) -> SIMD16<UInt8> {
        var result = a
        for lane in 0..<16 { result[lane] = a[lane] > b[lane] ? a[lane] : b[lane] }
        return result
    }

    /// The largest lane.
    @inline(__always)
    static func highest(_ v: SIMD16<UInt8>) -> UInt8 {
        var top = v[0]
        for lane in 1..<16 { top = top > v[lane] ? top : v[lane] }
        return top
    }

    /// Each byte lane as a 16-bit lane.
    @inline(__always)
    static func widened(_ v: SIMD16<UInt8>) -> SIMD16<UInt16> {
        var result = SIMD16<UInt16>()
        for lane in 0..<16 { result[lane] = UInt16(v[lane]) }
        return result
    }

    /// The sum of the lanes, without overflow.
    @inline(__always)
    static func total(_ v: SIMD16<UInt16>) -> UInt32 {
        var sum: UInt32 = 0
        for lane in 0..<16 { sum &+= UInt32(v[lane]) }
        return sum
    }
}
