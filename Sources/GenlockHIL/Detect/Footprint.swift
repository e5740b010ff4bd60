/// The rows of a region the LED lights evenly, learned from the lit frames: a band edge is only
/// measured there.
///
/// A row's envelope is the most light it received in any lit frame. Inside the LED's footprint
/// every row is fully lit by some flash (the flashes walk the frame), so its envelope is near the
/// peak; outside it (a round spot's top and bottom, a diffuser that does not cover every row) the
/// envelope stays low, and the outline there would look like a band edge in every lit frame. An
/// edge whose ramp reaches a row with a low envelope is the footprint's outline, or a row never
/// seen fully lit: either way not measured.
public struct Footprint: Hashable, Sendable {
    /// A row counts as evenly lit when its envelope is at least this share of the peak (flash
    /// widths vary by tens of percent on a rig, so the envelope is not flat even inside).
    public static let evenShare: Float = 0.7

    /// Per row, the largest excess over the lit frames.
    public let envelope: [Float]
    /// The longest run of rows at or above ``evenShare`` of the peak.
    public let usable: Range<Int>

    /// `lit`: the excess (light above the background per row) of each lit, unclipped frame.
    public init(rows: Int, lit: [[Float]]) {
        var envelope = [Float](repeating: 0, count: rows)
        for excess in lit where excess.count == rows {
            for row in 0..<rows { envelope[row] = max(envelope[row], excess[row]) }
        }
        let sorted = envelope.sorted()
        let peak = sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, sorted.count * 95 / 100)]
        var best = 0..<0, row = 0
        while row < rows {
            guard peak > 0, envelope[row] >= Self.evenShare * peak else { row += 1; continue }
            let start = row
            while row < rows, envelope[row] >= Self.evenShare * peak { row += 1 }
            if row - start > best.count { best = start..<row }
        }
        self.envelope = envelope
        self.usable = best
    }
}
