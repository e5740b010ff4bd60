/// The least-squares fits' one piece of linear algebra (``LineTimeFit``, ``SweepResponseCheck``).
enum SmallMatrix {
    /// Gauss–Jordan inverse of a small matrix; nil when singular (no spread in a column).
    static func inverse(_ m: [[Double]]) -> [[Double]]? {
        let n = m.count
        var a = m, inv = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
        for c in 0..<n {
            guard let pivot = (c..<n).max(by: { abs(a[$0][c]) < abs(a[$1][c]) }), abs(a[pivot][c]) > 1e-12 * max(1, abs(m[c][c])) else { return nil }
            a.swapAt(c, pivot)
            inv.swapAt(c, pivot)
            let scale = a[c][c]
            for j in 0..<n { a[c][j] /= scale; inv[c][j] /= scale }
            for r in 0..<n where r != c {
                let f = a[r][c]
                if f == 0 { continue }
                for j in 0..<n { a[r][j] -= f * a[c][j]; inv[r][j] -= f * inv[c][j] }
            }
        }
        return inv
    }
}
