/// The few lane operations ``ColumnBinning`` needs, written for the concrete 16-lane types as
/// loops over constant lane counts: the optimizer turns each into a handful of vector
/// instructions (a byte-wise max, a sum of absolute differences, a horizontal max), where the standard
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

    /// The sums of the low and the high eight byte lanes. Kept as two 64-bit lanes (added up
    /// once per bin), this is exactly what x86's sum of absolute differences against zero
    /// (`psadbw`) computes, and the optimizer emits it: no widening per 16 bytes and no fold of
    /// 16-bit lanes per bin. (A single 32-bit sum added to a running total was scalarized.)
    @inline(__always)
    static func halfSums(_ v: SIMD16<UInt8>) -> SIMD2<UInt64> {
        var low: UInt64 = 0, high: UInt64 = 0
        for lane in 0..<8 {
            low &+= UInt64(v[lane])
            high &+= UInt64(v[lane + 8])
        }
        return SIMD2(low, high)
    }
}
