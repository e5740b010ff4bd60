/// What the phase lock learns of the PTP servo's habits from the clock adjustments it reads: how
/// often the servo changes the adjustment (once per sync) and how each change follows the last.
///
/// A PI servo fed noisy offsets kicks the frequency by kp × the noise at every sync and mostly
/// undoes the kick at the next: successive changes are anti-correlated (about −½ when the noise
/// dominates). The frames in flight over the control delay are committed before the next change
/// is read, so it is the one thing the lock cannot know; the expected part of it, ρ × the last
/// change at one sync period after it, it can. ρ and the period are learnt here, so a servo whose
/// changes do not follow one another (ρ ≈ 0) gets no prediction, and a change far larger than the
/// ones seen (a failover's jump to the clamp) is not extrapolated.
public struct AdjustmentCadence: Hashable, Sendable {
    /// When the last change was read (ns of realtime, the midpoint of the interval it fell in),
    /// and its size (a fraction).
    private var lastAtNs: Double?
    private var last: Double = 0
    /// Running estimate of the time between changes: the sync interval.
    public private(set) var periodNs: Double = 0
    /// Running means (weight 1/20) of change × previous change and of previous change².
    private var covariance: Double = 0
    private var variance: Double = 0
    private var pairs = 0

    /// Changes seen in succession before the lock predicts from them.
    public static let pairsToPredict = 16

    public init() {}

    /// The correlation of successive changes (0 before any pair).
    public var rho: Double { variance > 0 ? max(-1, min(1, covariance / variance)) : 0 }

    /// The adjustment changed by `change` somewhere in the frame interval ending at `atNs`, `frameNs` long.
    public mutating func observe(change: Double, atNs endNs: Double, frameNs: Double) {
        guard change != 0 else { return }
        let atNs = endNs - frameNs / 2
        if let lastAtNs {
            let gap = atNs - lastAtNs
            // A gap of two periods or more is a sync whose change was zero (or lost): not a pair.
            if gap > frameNs / 2, periodNs == 0 || gap < 1.5 * periodNs {
                periodNs = periodNs == 0 ? gap : periodNs + 0.1 * (gap - periodNs)
                covariance += 0.05 * (change * last - covariance)
                variance += 0.05 * (last * last - variance)
                pairs += 1
            }
        }
        lastAtNs = atNs
        last = change
    }

    /// The next change expected: when (ns of realtime) and by how much, or nil when too few
    /// changes were seen or the last was an outlier (over three standard deviations of the ones seen).
    public func expectedNext() -> (atNs: Double, change: Double)? {
        guard pairs >= Self.pairsToPredict, periodNs > 0, let lastAtNs, last * last <= 9 * variance else { return nil }
        return (lastAtNs + periodNs, rho * last)
    }
}
