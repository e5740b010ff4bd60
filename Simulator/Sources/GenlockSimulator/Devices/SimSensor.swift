import GenlockCore

/// Why a sensor control was refused.
public struct SensorControlError: Error, Hashable, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

/// The free-running timing of one simulated image sensor in true time: frames follow each other
/// with no gap, each `frameLengthLines × lineTime` long as measured by the sensor's own crystal.
///
/// The sensor mode is the core's ``SensorTiming`` (line time in picoseconds, frame-length limits,
/// control delay), the same value the phase-lock controller is configured with. A frame-length
/// change names the frame it is for, and reaches no frame before ``firstChangeableFrame``,
/// `controlDelayFrames` after the frame in progress when it was written, as ``PhaseLock`` assumes
/// (`applySequence = sequence + controlDelayFrames`). Pure value type: the engine advances it
/// lazily to the instants it asks about, so an idle sensor costs no events.
public struct SimSensor: Hashable, Sendable {
    /// The sensor mode.
    public let timing: SensorTiming
    /// The crystal's error, parts per trillion (a fast crystal makes frames shorter in true time).
    public let crystalPpt: Int64
    /// Frame length of the frame starting at ``nextStartTrueNs``.
    public private(set) var frameLengthLines: Int64 {
        didSet { frameDurationNs = durationTrueNs(lines: frameLengthLines) }
    }
    /// True duration of a frame of ``frameLengthLines`` (cached: asked for at every request).
    private var frameDurationNs: Int64 = 0
    /// Sensor frame number (sequence) of the next frame to start.
    public private(set) var nextFrame: Int64 = 0
    /// True time at which row 0 of frame ``nextFrame`` starts exposing.
    public private(set) var nextStartTrueNs: Int64
    private var pending: [Int64: Int64] = [:]

    public init(timing: SensorTiming, crystalPpt: Int64, frameLengthLines: Int64, firstStartTrueNs: Int64) {
        self.timing = timing
        self.crystalPpt = crystalPpt
        self.frameLengthLines = frameLengthLines
        self.nextStartTrueNs = firstStartTrueNs
        self.lineTimeTrueNs = Int64(Int128(timing.lineTimePs) * 1_000_000_000_000 / (1_000_000_000_000 + Int128(crystalPpt)) / 1000)
        self.frameDurationNs = Int64(
            Int128(frameLengthLines) * Int128(timing.lineTimePs) * 1_000_000_000_000 / (1_000_000_000_000 + Int128(crystalPpt)) / 1000)
    }

    /// The true duration of a frame of `lines` lines.
    public func durationTrueNs(lines: Int64) -> Int64 {
        let nominalPs = Int128(lines) * Int128(timing.lineTimePs)
        // true = nominal / (1 + crystal): a fast crystal finishes its lines sooner.
        return Int64(nominalPs * 1_000_000_000_000 / (1_000_000_000_000 + Int128(crystalPpt)) / 1000)
    }

    /// The line time in true nanoseconds (rolling-shutter ground truth), rounded down.
    public let lineTimeTrueNs: Int64

    /// The first frame a frame-length change written now reaches: ``SensorTiming/controlDelayFrames``
    /// after the frame in progress (the last one started).
    public var firstChangeableFrame: Int64 { max(nextFrame - 1 + Int64(timing.controlDelayFrames), nextFrame) }

    /// Requests frame length `lines` for frame `sequence` and those after it. A frame that has
    /// already started cannot change.
    public mutating func setFrameLength(lines: Int64, forFrame sequence: Int64) throws(SensorControlError) {
        guard (timing.minFrameLengthLines...timing.maxFrameLengthLines).contains(lines) else {
            throw SensorControlError(reason: "frame length \(lines) lines is outside the sensor's \(timing.minFrameLengthLines)...\(timing.maxFrameLengthLines)")
        }
        guard sequence >= nextFrame else {
            throw SensorControlError(reason: "frame \(sequence) has already started (next is \(nextFrame))")
        }
        pending[sequence] = lines
    }

    /// Moves past the next frame start, returning (frame number, start true ns, lines).
    public mutating func advance() -> (frame: Int64, startTrueNs: Int64, lines: Int64) {
        if !pending.isEmpty, let lines = pending.removeValue(forKey: nextFrame) { frameLengthLines = lines }
        let frame = (nextFrame, nextStartTrueNs, frameLengthLines)
        nextStartTrueNs += frameDurationNs
        nextFrame += 1
        return frame
    }

    /// Starts streaming afresh (a capture process configuring the camera): pending changes are
    /// dropped, the frame length becomes `lines`, and the first frame starting at or after `t` is
    /// returned (it is the frame in progress: ``nextFrame`` is the one after it).
    public mutating func startStreaming(lines: Int64, startingAtOrAfter t: Int64) -> (frame: Int64, startTrueNs: Int64, lines: Int64) {
        pending.removeAll(keepingCapacity: true)
        frameLengthLines = lines
        return firstFrame(startingAtOrAfter: t)
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
