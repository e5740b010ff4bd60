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
    /// The kernel's frequency adjustment of both clocks now (what the PTP servo last applied), in
    /// parts per billion, positive when they run fast; nil where it cannot be read. A camera
    /// sensor's crystal does not follow it, so a change of it moves the sensor's frames against
    /// these clocks: the phase lock predicts that move instead of waiting to measure it.
    func frequencyAdjustmentPpb() -> Double?
}

extension ClockPair {
    /// The monotonic deadline at which realtime is expected to read `target`, through a fresh sample.
    public func deadline(for target: RealtimeInstant) -> MonotonicInstant {
        sample().monotonic(at: target)
    }
}
