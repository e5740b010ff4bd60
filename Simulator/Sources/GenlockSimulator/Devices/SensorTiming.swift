/// Why a sensor control was refused.
public struct SensorControlError: Error, Hashable, Sendable, CustomStringConvertible {
    public var requestedLines: Int64
    public var range: ClosedRange<Int64>
    public var description: String {
        "frame length \(requestedLines) lines is outside the sensor's \(range.lowerBound)...\(range.upperBound)"
    }
}

/// The free-running timing of one image sensor in true time: frames follow each other with no
/// gap, each `frameLengthLines × lineTime` long as measured by the sensor's own crystal.
///
/// A frame-length change (the phase-lock controller's only knob) takes effect `controlDelay`
/// frames after the frame in progress when it was written, as on real sensors whose registers
/// latch at frame boundaries through a pipeline. Pure value type: the engine advances it lazily
/// to the instants it asks about, so an idle sensor costs no events.
public struct SensorTiming: Hashable, Sendable {
    /// Nominal line time (sensor clock).
    public let lineTimeNs: Int64
    /// The crystal's error, parts per trillion (a fast crystal makes frames shorter in true time).
    public let crystalPpt: Int64
    public let frameLengthRange: ClosedRange<Int64>
    public let controlDelayFrames: Int64
    /// Frame length of the frame starting at ``nextStartTrueNs``.
    public private(set) var frameLengthLines: Int64 {
        didSet { frameDurationNs = durationTrueNs(lines: frameLengthLines) }
    }
    /// True duration of a frame of ``frameLengthLines`` (cached: asked for at every request).
    private var frameDurationNs: Int64 = 0
    /// Sensor frame number of the next frame to start.
    public private(set) var nextFrame: Int64 = 0
    /// True time at which row 0 of frame ``nextFrame`` starts exposing.
    public private(set) var nextStartTrueNs: Int64
    private var pending: [(frame: Int64, lines: Int64)] = []

    public init(
        lineTimeNs: Int64, crystalPpt: Int64, frameLengthLines: Int64, frameLengthRange: ClosedRange<Int64>,
        controlDelayFrames: Int64, firstStartTrueNs: Int64
    ) {
        self.lineTimeNs = lineTimeNs
        self.crystalPpt = crystalPpt
        self.frameLengthRange = frameLengthRange
        self.controlDelayFrames = controlDelayFrames
        self.frameLengthLines = frameLengthLines
        self.nextStartTrueNs = firstStartTrueNs
        self.frameDurationNs = durationTrueNs(lines: frameLengthLines)
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.nextFrame == b.nextFrame && a.nextStartTrueNs == b.nextStartTrueNs && a.frameLengthLines == b.frameLengthLines
            && a.pending.map(\.frame) == b.pending.map(\.frame) && a.pending.map(\.lines) == b.pending.map(\.lines)
    }
    public func hash(into h: inout Hasher) { h.combine(nextFrame); h.combine(nextStartTrueNs) }

    /// The true duration of a frame of `lines` lines.
    public func durationTrueNs(lines: Int64) -> Int64 {
        let nominal = Int128(lines) * Int128(lineTimeNs)
        // true = nominal / (1 + crystal): a fast crystal finishes its lines sooner.
        return Int64(nominal * 1_000_000_000_000 / (1_000_000_000_000 + Int128(crystalPpt)))
    }

    /// The line time in true nanoseconds (for the rolling-shutter ground truth), rounded.
    public var lineTimeTrueNs: Int64 { durationTrueNs(lines: 1) }

    /// Requests frame length `lines` for frames from ``controlDelayFrames`` after the frame in progress.
    public mutating func setFrameLength(lines: Int64) throws(SensorControlError) {
        guard frameLengthRange.contains(lines) else { throw SensorControlError(requestedLines: lines, range: frameLengthRange) }
        let inProgress = nextFrame - 1
        let effective = Swift.max(inProgress + 1 + controlDelayFrames, nextFrame)
        pending.removeAll { $0.frame >= effective }
        pending.append((effective, lines))
    }

    /// Moves past the next frame start, returning (frame number, start true ns, lines).
    public mutating func advance() -> (frame: Int64, startTrueNs: Int64, lines: Int64) {
        if let first = pending.first, first.frame <= nextFrame {
            frameLengthLines = first.lines
            pending.removeFirst()
        }
        let frame = (nextFrame, nextStartTrueNs, frameLengthLines)
        nextStartTrueNs += frameDurationNs
        nextFrame += 1
        return frame
    }

    /// Advances to, and returns, the first frame starting at or after `t` (skipping the ones before).
    public mutating func firstFrame(startingAtOrAfter t: Int64) -> (frame: Int64, startTrueNs: Int64, lines: Int64) {
        if pending.isEmpty && nextStartTrueNs < t {
            // Jump whole frames at once when the length is fixed (the common, long-idle case).
            let d = frameDurationNs
            let n = (t - nextStartTrueNs) / d
            if n > 1 {
                nextStartTrueNs += (n - 1) * d
                nextFrame += n - 1
            }
        }
        while true {
            let f = advance()
            if f.startTrueNs >= t { return f }
        }
    }
}
