import GenlockCore
import Testing

/// xorshift64*: a fixed sequence, so a failing case is the same on every run.
private struct FixedRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
}

@Suite struct OrderStatisticTests {
    /// Every rank of arrays of many sizes and value spreads (few distinct values: long runs equal
    /// to the pivot; many: distinct) equals the sorted array's element there, and the array keeps
    /// its elements.
    @Test func everyRankEqualsTheSortedArrays() {
        var rng = FixedRandom(state: 0x0DE5_7A75)
        for size in [1, 2, 3, 5, 16, 17, 18, 33, 100, 301, 1000] {
            for distinct in [1, 2, 7, 1_000_000] {
                let values = (0..<size).map { _ in Float(Int.random(in: 0..<distinct, using: &rng)) }
                let sorted = values.sorted()
                for rank in Set([0, size / 10, size / 2, size - 1] + (0..<5).map { _ in Int.random(in: 0..<size, using: &rng) }) {
                    var work = values
                    #expect(work.selectOrderStatistic(rank) == sorted[rank], "size \(size), \(distinct) distinct, rank \(rank)")
                    #expect(work.sorted() == sorted)
                }
            }
        }
    }

    /// Inputs that defeat median-of-three pivots (sorted, reversed, organ pipe, all equal) are
    /// still answered exactly (the partition budget ends in a sort rather than a quadratic walk).
    @Test func adversarialOrdersAreAnsweredExactly() {
        let n = 4096
        let shapes: [(String, [Int])] = [
            ("ascending", Array(0..<n)), ("descending", Array((0..<n).reversed())),
            ("organ pipe", Array(0..<n / 2) + Array((0..<n / 2).reversed())), ("equal", Array(repeating: 7, count: n)),
        ]
        for (name, values) in shapes {
            let sorted = values.sorted()
            for rank in [0, 1, n / 10, n / 2, n - 2, n - 1] {
                var work = values
                #expect(work.selectOrderStatistic(rank) == sorted[rank], "\(name), rank \(rank)")
            }
        }
    }
}
