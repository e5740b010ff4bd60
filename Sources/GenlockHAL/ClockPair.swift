import GenlockCore

/// A source of simultaneous (realtime, monotonic) readings.
///
/// Implementations read monotonic, realtime, monotonic and hand the triple to
/// ``ClockPairSampling`` so that every backend (POSIX, simulator) applies the same midpoint and
/// retry rules.
public protocol ClockPair: Sendable {
    /// A fresh mapping between realtime and monotonic, with its uncertainty.
    func sample() -> ClockSample
    /// The monotonic clock now (for wake-error measurement).
    func monotonicNow() -> MonotonicInstant
    /// The kernel's frequency adjustment of both clocks now, in parts per billion (positive: they
    /// run fast), or nil where it cannot be read. Read apart from ``sample()`` so that only the
    /// phase lock, which feeds it forward, pays for it; request-timed deadlines do not.
    func frequencyAdjustmentPpb() -> Double?
}

extension ClockPair {
    /// Not known (a virtual clock).
    public func frequencyAdjustmentPpb() -> Double? { nil }

    /// The monotonic deadline at which realtime is expected to read `target`, through a fresh sample.
    public func deadline(for target: RealtimeInstant) -> MonotonicInstant {
        sample().monotonic(at: target)
    }
}
