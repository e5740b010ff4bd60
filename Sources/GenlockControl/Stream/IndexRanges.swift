/// Set operations on lists of inclusive frame-index ranges (sorted, disjoint), as the ingest's
/// ledger keeps what it lacks and what it asked for. Pure; no arithmetic overflows at the ends of
/// `Int64` (a range may start at `Int64.min`: "everything before").
public enum IndexRanges {
    /// The ranges sorted and joined where they overlap or touch.
    public static func merged(_ ranges: [ClosedRange<Int64>]) -> [ClosedRange<Int64>] {
        var out: [ClosedRange<Int64>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = out.last, last.upperBound == .max || range.lowerBound <= last.upperBound + 1 {
                out[out.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                out.append(range)
            }
        }
        return out
    }

    /// The indices of `ranges` not in `cut`, as ranges in order.
    public static func subtracting(_ ranges: [ClosedRange<Int64>], _ cut: [ClosedRange<Int64>]) -> [ClosedRange<Int64>] {
        var out: [ClosedRange<Int64>] = []
        for range in ranges {
            var pieces = [range]
            for c in cut {
                pieces = pieces.flatMap { p -> [ClosedRange<Int64>] in
                    guard p.overlaps(c) else { return [p] }
                    var rest: [ClosedRange<Int64>] = []
                    // Each bound is moved only past a bound strictly inside `p`: no overflow.
                    if p.lowerBound < c.lowerBound { rest.append(p.lowerBound...(c.lowerBound - 1)) }
                    if p.upperBound > c.upperBound { rest.append((c.upperBound + 1)...p.upperBound) }
                    return rest
                }
            }
            out += pieces
        }
        return out
    }

    /// How many indices at or after `floor` the ranges hold (a frame index is never negative, so
    /// `floor` 0 counts a range open downwards, `Int64.min...n`, as `0...n`). Never overflows: a
    /// count beyond `Int64.max` is `Int64.max`.
    public static func count(_ ranges: [ClosedRange<Int64>], from floor: Int64 = 0) -> Int64 {
        var total: Int64 = 0
        for range in ranges where range.upperBound >= floor {
            let (span, spanOverflow) = range.upperBound.subtractingReportingOverflow(max(range.lowerBound, floor))
            let (sum, sumOverflow) = total.addingReportingOverflow(span &+ 1)
            if spanOverflow || span == .max || sumOverflow { return .max }
            total = sum
        }
        return total
    }

    /// The ranges as `a...b, c...d` for a log line, a range open downwards (`Int64.min...n`:
    /// everything before the first row known) from index 0, as ``count(_:from:)`` counts it.
    public static func text(_ ranges: [ClosedRange<Int64>]) -> String {
        ranges.map { "\(max(0, $0.lowerBound))...\($0.upperBound)" }.joined(separator: ", ")
    }

    /// The indices in both.
    public static func intersecting(_ a: [ClosedRange<Int64>], _ b: [ClosedRange<Int64>]) -> [ClosedRange<Int64>] {
        subtracting(a, subtracting(a, b))
    }
}
