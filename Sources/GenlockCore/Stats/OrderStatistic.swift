extension Array where Element: Comparable {
    /// The element at 0-based position `rank` of the sorted array (`sorted()[rank]`), found in
    /// expected linear time by partitioning in place around median-of-three pivots (Hoare's FIND),
    /// rather than sorting: a percentile of n values costs O(n), not O(n log n). The array's order
    /// is changed. After a partition budget of about 2·log₂ n rounds (inputs that defeat the
    /// pivots) the range left is sorted, so the worst case stays O(n log n). Inlinable, so that it
    /// is specialized for the element type where it is used (a generic call per comparison costs
    /// more than the comparison).
    @inlinable
    public mutating func selectOrderStatistic(_ rank: Int) -> Element {
        precondition(rank >= 0 && rank < count, "rank \(rank) is outside 0..<\(count)")
        return withUnsafeMutableBufferPointer { b in
            var lo = 0, hi = b.count - 1
            var budget = 2 * (Int.bitWidth - b.count.leadingZeroBitCount) + 4
            // Short ranges are sorted outright: cheaper than partitioning them further.
            while hi - lo > 16, budget > 0 {
                budget -= 1
                let mid = lo + (hi - lo) / 2
                if b[mid] < b[lo] { b.swapAt(mid, lo) }
                if b[hi] < b[lo] { b.swapAt(hi, lo) }
                if b[hi] < b[mid] { b.swapAt(hi, mid) }
                let pivot = b[mid]
                var i = lo, j = hi
                // Afterwards b[lo...j] ≤ pivot ≤ b[i...hi], and anything strictly between j and i
                // equals the pivot. The median of three leaves b[lo] ≤ pivot ≤ b[hi], and each swap
                // leaves an element behind that stops the other scan, so neither leaves the range.
                while i <= j {
                    while b[i] < pivot { i += 1 }
                    while pivot < b[j] { j -= 1 }
                    if i <= j {
                        b.swapAt(i, j)
                        i += 1
                        j -= 1
                    }
                }
                if rank <= j {
                    hi = j
                } else if rank >= i {
                    lo = i
                } else {
                    return b[rank]
                }
            }
            b[lo...hi].sort()
            return b[rank]
        }
    }
}
