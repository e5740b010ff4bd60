import GenlockCore

/// How a sensor's rows share the exposure.
public enum Shutter: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Row `r` exposes `r` line times after row 0 (every Pi camera module but the global-shutter one).
    case rolling
    /// Every row exposes during the same window.
    case global

    public var description: String { rawValue }
}

/// When one captured frame's rows exposed: the ground truth the renderer draws from, and what
/// the analyzer estimates.
///
/// Row `r` exposes during `[start + r·lineTime, start + r·lineTime + exposure]` with a rolling
/// shutter, `[start, start + exposure]` with a global one.
public struct ExposureTiming: Hashable, Sendable {
    /// Row 0 starts exposing.
    public var start: RealtimeInstant
    public var exposure: TimeSpan
    /// Time from one row's start of exposure to the next row's, in picoseconds (line times are
    /// fractional nanoseconds on real sensors).
    public var lineTimePs: Int64
    public var shutter: Shutter

    public init(start: RealtimeInstant, exposure: TimeSpan, lineTimePs: Int64, shutter: Shutter) {
        self.start = start
        self.exposure = exposure
        self.lineTimePs = lineTimePs
        self.shutter = shutter
    }

    /// The line time in (fractional) nanoseconds.
    public var lineTimeNs: Double { Double(lineTimePs) / 1000 }

    /// The share of `flash` that row `row` integrates, 0…1: the overlap of the flash with the
    /// row's exposure window divided by the flash's width. A row lit for the whole flash gets 1.
    public func litFraction(row: Int, flash: FlashRecord) -> Double {
        // Relative to the frame's start, so that Double keeps sub-nanosecond precision.
        let on = Double((flash.on - start).nanoseconds)
        let off = Double((flash.off - start).nanoseconds)
        let rowStart = shutter == .rolling ? Double(row) * lineTimeNs : 0
        let overlap = Swift.min(off, rowStart + Double(exposure.nanoseconds)) - Swift.max(on, rowStart)
        return overlap > 0 ? overlap / (off - on) : 0
    }
}
