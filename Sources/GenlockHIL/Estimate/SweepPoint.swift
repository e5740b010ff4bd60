import GenlockCore

/// One global-shutter frame lit by part of a flash: a point on the ramp of a sweep.
///
/// Every row of a global-shutter frame exposing during `[s, s+E]` gets the same share of a flash
/// `[f, f+w]` (w < E): the overlap divided by `w`. That share rises from 0 to 1 while the flash
/// crosses the window's start (`f` from `s − w` to `s`) and falls back while it crosses its end
/// (`f` from `s + E − w` to `s + E`), so a share `p` strictly between 0 and 1 gives `s` twice
/// over: `s = f + w(1 − p)` on the rising ramp, `s = f + p·w − E` on the falling one. The flash
/// plan's sweep steps successive flashes across the window so that some land on a ramp; the side
/// is the one nearer the sensor's own timestamp (or `Tn`), which must be closer than `(E − w)/2`.
public struct SweepPoint: Sendable {
    /// Shares this close to 0 or 1 are on the flat parts, where `s` is not determined.
    public static let margin = 0.05

    /// The frame's share of a whole flash.
    public let share: Double
    /// Its standard uncertainty.
    public let sigma: Double

    /// `excess`: each row's light above the background; `full`: the light of a whole flash.
    public init(excess: [Float], full: Float, noiseLuma: Float) {
        let mean = excess.reduce(0, +) / Float(max(excess.count, 1))
        share = full > 0 ? Double(mean / full) : 0
        // The noise of the frame's mean, and a uniform luma level of doubt about the background
        // and the full level (each is a median of quantized levels).
        let noise = full > 0 ? Double(noiseLuma / full) / Double(max(excess.count, 1)).squareRoot() : 1
        let level = full > 0 ? 1 / Double(full) : 1
        sigma = (noise * noise + level * level / 12).squareRoot()
    }

    /// The exposure start this point gives with `flash`, on the side nearer `prior`, and the
    /// ramp it was read on; nil on a flat part.
    func estimate(flash: FlashRecord, frame: FrameMeta, exposure: TimeSpan, prior: RealtimeInstant) -> SweepResponseCheck.Point? {
        guard share > Self.margin, share < 1 - Self.margin else { return nil }
        let f = Double((flash.on - frame.scheduled).nanoseconds)
        let w = Double(flash.width.nanoseconds)
        let rising = f + w * (1 - share)
        let falling = f + share * w - Double(exposure.nanoseconds)
        let target = Double((prior - frame.scheduled).nanoseconds)
        let onRising = abs(rising - target) <= abs(falling - target)
        let estimate = FrameEstimate(index: frame.index, offsetNs: onRising ? rising : falling, sigmaNs: max(w * sigma, 1), edges: 1, flash: flash.index)
        return SweepResponseCheck.Point(estimate: estimate, ramp: onRising ? .rising : .falling, widthNs: w)
    }

    /// The light of a whole flash in a global-shutter camera: the median frame light among the
    /// lit frames at least 90 % as bright as the brightest.
    static func fullLevel(_ readings: some Collection<BandReading>) -> Float {
        var means: [Float] = []
        for case .lit(let excess, _, _) in readings { means.append(excess.reduce(0, +) / Float(max(excess.count, 1))) }
        guard let top = means.max() else { return 0 }
        var bright = means.filter { $0 >= 0.9 * top }
        return LitBands.median(&bright)
    }
}
