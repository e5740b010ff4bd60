import GenlockCore

/// What one frame's row profile shows of the LED.
public enum BandReading: Hashable, Sendable {
    /// No row brighter than the background by more than the noise allows.
    case dark
    /// A pixel of the LED's lit rows reaches the top of the stream's range: the light there is
    /// clipped, so the ramps' middle no longer marks half a flash.
    case saturated
    /// Per row of the region, the light above the background (mean luma), and the level of the
    /// frame's plateau (the rows that integrated the most). `interior`: the plateau is at least
    /// three rows tall and clear of the region's first and last rows, so it is a whole flash
    /// rather than the part of a band the region cut.
    case lit(excess: [Float], plateau: Float, interior: Bool)
}

/// Turns row profiles (each row's mean luma over the LED's columns, one profile per frame) into
/// the light of the flashes: subtracts each row's background, finds which frames are lit, and
/// measures each lit frame's plateau (with a rolling shutter, the rows that integrated the whole
/// flash).
///
/// The background of a row is a low percentile of that row over all frames, so every row must
/// be dark in at least a tenth of the frames (flashes that light every frame at the same rows
/// leave no background to measure: use a sweep or a longer flash period).
public struct LitBands: Sendable {
    /// The top of the luma range of a full-range stream (0…255).
    public static let fullRangeTop: UInt8 = 255
    /// The top of the luma range of a limited-range stream (16…235); also used when the stream
    /// does not say which range it uses, so that a limited-range clip is never missed.
    public static let limitedRangeTop: UInt8 = 235
    /// Per row of the region, the background's mean luma.
    public let background: [Float]
    /// Standard deviation of one row's mean luma in a dark frame.
    public let noiseLuma: Float

    public init(profiles: [[Float]]) {
        let rows = profiles.first?.count ?? 0
        var background = [Float](repeating: 0, count: rows)
        var column = [Float](repeating: 0, count: profiles.count)
        for row in 0..<rows {
            for (i, p) in profiles.enumerated() { column[i] = p[row] }
            background[row] = column.isEmpty ? 0 : column.selectOrderStatistic((column.count - 1) / 10)
        }
        // Robust noise from the differences of neighbouring rows within each frame: a flash
        // changes a frame's rows together (a band, or the whole frame with a global shutter),
        // so only the few rows of its edges stand out, and the median ignores them.
        var deviations: [Float] = []
        deviations.reserveCapacity(profiles.count * max(rows - 1, 0))
        for p in profiles where rows > 1 {
            for row in 1..<rows { deviations.append((p[row] - background[row]) - (p[row - 1] - background[row - 1])) }
        }
        let median = Self.median(&deviations)
        for i in deviations.indices { deviations[i] = abs(deviations[i] - median) }
        self.background = background
        self.noiseLuma = max(1.4826 * Self.median(&deviations) / Float(2).squareRoot(), 0.05)
    }

    /// The least rise above the background (mean luma) that counts as lit.
    public var threshold: Float { max(8 * noiseLuma, 4) }

    /// Reads one frame's profile; `rowMaxima` (the brightest pixel of each row, empty when not
    /// known) at or above `clipLuma` in a lit row makes the frame saturated.
    public func reading(_ profile: [Float], rowMaxima: [UInt8] = [], clipLuma: UInt8 = LitBands.limitedRangeTop) -> BandReading {
        let rows = profile.count
        guard rows > 0 else { return .dark }
        var excess = [Float](repeating: 0, count: rows)
        for row in 0..<rows { excess[row] = profile[row] - background[row] }
        // Smooth over three rows only to decide whether the frame is lit at all.
        var peak: Float = 0
        for row in 0..<rows {
            let lo = max(row - 1, 0), hi = min(row + 1, rows - 1)
            peak = max(peak, (excess[lo] + excess[row] + excess[hi]) / 3)
        }
        guard peak >= threshold else { return .dark }
        let maximum = excess.max() ?? 0
        if rowMaxima.count == rows {
            for row in 0..<rows where excess[row] >= threshold && rowMaxima[row] >= clipLuma { return .saturated }
        }
        var plateau: [Float] = []
        var touches = false
        for row in 0..<rows where excess[row] >= 0.8 * maximum {
            if profile[row] >= Float(clipLuma) { return .saturated }
            plateau.append(excess[row])
            touches = touches || row == 0 || row == rows - 1
        }
        let interior = plateau.count >= 3 && !touches
        return .lit(excess: excess, plateau: Self.median(&plateau), interior: interior)
    }

    /// The upper median (the sorted values' element at count / 2); `values` is reordered.
    static func median(_ values: inout [Float]) -> Float {
        values.isEmpty ? 0 : values.selectOrderStatistic(values.count / 2)
    }
}
