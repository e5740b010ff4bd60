/// What a camera's frame timestamp means, and how to get the exposure start of row 0 from it.
///
/// libcamera documents SensorTimestamp as the start of exposure, but on the Raspberry Pi 5 the
/// driver stamps the frame-start interrupt: the start of readout of the first line (plus interrupt
/// latency), about one exposure time after that line began to expose. Users have been misled by
/// this (timestamps 200 µs apart, images 8–10 ms apart), so the meaning is explicit here.
public enum SensorTimestampMeaning: String, Hashable, Sendable, CaseIterable {
    /// The timestamp is the start of readout of row 0 (Pi 5 frame-start interrupt):
    /// exposure start ≈ timestamp − exposure.
    case startOfReadout
    /// The timestamp is the start of exposure of row 0, as libcamera documents.
    case startOfExposure

    /// The exposure start of row 0 on the monotonic clock, for a frame stamped `timestamp`.
    public func exposureStart(timestamp: MonotonicInstant, exposure: TimeSpan) -> MonotonicInstant {
        switch self {
        case .startOfReadout: timestamp - exposure
        case .startOfExposure: timestamp
        }
    }
}

/// The sensor's frame-timing constants the phase lock needs.
public struct SensorTiming: Hashable, Sendable {
    /// Nominal duration of one sensor line in picoseconds (line times are not whole nanoseconds:
    /// they come from a pixel clock).
    public var lineTimePs: Int64
    /// The shortest frame the sensor mode allows, in lines.
    public var minFrameLengthLines: Int64
    /// The longest frame the sensor mode allows, in lines.
    public var maxFrameLengthLines: Int64
    /// Frames between issuing a frame-length change and the first frame it applies to.
    public var controlDelayFrames: Int

    public init(lineTimePs: Int64, minFrameLengthLines: Int64, maxFrameLengthLines: Int64, controlDelayFrames: Int) {
        precondition(lineTimePs > 0 && minFrameLengthLines > 0 && maxFrameLengthLines >= minFrameLengthLines)
        precondition(controlDelayFrames >= 1)
        self.lineTimePs = lineTimePs
        self.minFrameLengthLines = minFrameLengthLines
        self.maxFrameLengthLines = maxFrameLengthLines
        self.controlDelayFrames = controlDelayFrames
    }

    /// The nominal duration of `lines` lines, in nanoseconds (rounded to nearest).
    public func durationNs(lines: Int64) -> Int64 { (lines * lineTimePs + 500) / 1000 }

    /// The frame duration to ask of a camera so that it programs exactly `lines` lines: the middle
    /// of the last line, `(lines + ½) × line time`. libcamera carries durations in whole
    /// microseconds and the Raspberry Pi IPA turns a duration back into lines by floor division;
    /// `lines × line time` rounded to a microsecond can land just below the line boundary and lose
    /// a line, while half a line (≥ 4.6 µs on these sensors) of margin survives the rounding.
    public func frameDuration(lines: Int64) -> TimeSpan {
        TimeSpan(nanoseconds: (lines * lineTimePs + lineTimePs / 2 + 500) / 1000)
    }

    /// The frame length, in lines, a Raspberry Pi camera programs for a requested frame duration:
    /// libcamera carries the duration in whole microseconds (rounded), the IPA floor-divides it by
    /// the line time, and the mode's limits clamp it. ``frameDuration(lines:)`` asks for a duration
    /// this maps back to exactly the lines wanted.
    public func linesProgrammed(for frameDuration: TimeSpan) -> Int64 {
        let lines = frameDuration.microsecondsRounded * 1_000_000 / lineTimePs
        return min(max(lines, minFrameLengthLines), maxFrameLengthLines)
    }

    /// How much shorter than one period at `rate` the mode's shortest frame is (zero when it is not
    /// shorter), rounded down to a nanosecond. Under one line time the sensor can barely shorten a
    /// frame (IMX708 1536×864 at 120 fps: 8.4 µs, the line is 9.2 µs): a late phase can only be
    /// pulled in by less than a line per frame. The phase lock then lengthens onto the next `Tn`
    /// instead; START and `genlock doctor --fps` say so.
    public func shorteningHeadroom(at rate: FrameRate) -> TimeSpan {
        // In picoseconds, exactly: period = denominator·10¹² / numerator.
        let periodPs = Int128(rate.denominator) * 1_000_000_000_000 / Int128(rate.numerator)
        let shortestPs = Int128(minFrameLengthLines) * Int128(lineTimePs)
        return TimeSpan(nanoseconds: Int64(max(periodPs - shortestPs, 0) / 1000))
    }

    /// True when the mode cannot make a frame as short as one period at `rate` (its shortest frame
    /// is longer): the sensor cannot keep that rate at all.
    public func isTooFast(_ rate: FrameRate) -> Bool {
        Int128(minFrameLengthLines) * Int128(lineTimePs) * Int128(rate.numerator) > Int128(rate.denominator) * 1_000_000_000_000
    }

    /// True when the mode cannot make a frame as long as one period at `rate` (its longest frame is
    /// shorter): the sensor cannot run that slowly.
    public func isTooSlow(_ rate: FrameRate) -> Bool {
        Int128(maxFrameLengthLines) * Int128(lineTimePs) * Int128(rate.numerator) < Int128(rate.denominator) * 1_000_000_000_000
    }

    /// The frame length in lines closest to `period` (the sensor's free-running length at the rate).
    public func nominalLines(for period: TimeSpan) -> Int64 {
        let lines = (period.nanoseconds * 1000 + lineTimePs / 2) / lineTimePs
        return min(max(lines, minFrameLengthLines), maxFrameLengthLines)
    }

    /// How many times faster than `period` a free-running sensor runs for request-timed capture:
    /// `preferred` (the classic design's 2) when a frame of `period / preferred` is at least the
    /// mode's minimum frame length, else the largest multiple that fits, at least 1. A request
    /// queued at `Tn` is filled by the next sensor frame, so it waits up to `period / multiple`.
    public func requestTimedMultiple(for period: TimeSpan, preferring preferred: Int = 2) -> Int {
        var multiple = max(preferred, 1)
        while multiple > 1, period.nanoseconds / Int64(multiple) * 1000 < minFrameLengthLines * lineTimePs {
            multiple -= 1
        }
        return multiple
    }
}
