/// A simultaneous reading of the realtime and monotonic clocks: the mapping between them at one
/// instant, with its uncertainty.
///
/// Both clocks run at the same (PTP-adjusted) rate, so the mapping is a pure offset, valid until
/// the next realtime step. That is why it is re-sampled before every deadline.
public struct ClockSample: Hashable, Sendable, CustomStringConvertible {
    /// The realtime reading.
    public var realtime: RealtimeInstant
    /// The monotonic instant taken as simultaneous with ``realtime`` (midpoint of the read window).
    public var monotonic: MonotonicInstant
    /// Half the read window: the realtime reading happened within ± this of ``monotonic``.
    public var uncertainty: TimeSpan
    /// The kernel's frequency adjustment of both clocks when the sample was taken, in parts per
    /// billion (positive: they run fast), as `adjtimex` reports it (`freq` and `tick`): what ptp4l's
    /// or phc2sys's servo, or chrony, is slewing them at. Read apart from the pair
    /// (`ClockPair.frequencyAdjustmentPpb()`) and set only where the phase lock needs it: nil
    /// otherwise, and where it cannot be read (a virtual clock). Between servo updates the clocks move against a free-running
    /// sensor at a rate the node knows, so the phase lock need not learn it from noisy frames.
    public var frequencyAdjustmentPpb: Double?

    public init(realtime: RealtimeInstant, monotonic: MonotonicInstant, uncertainty: TimeSpan = .zero, frequencyAdjustmentPpb: Double? = nil) {
        self.realtime = realtime
        self.monotonic = monotonic
        self.uncertainty = uncertainty
        self.frequencyAdjustmentPpb = frequencyAdjustmentPpb
    }

    /// Builds a sample from a monotonic–realtime–monotonic read: the realtime read is placed at the
    /// midpoint of the two monotonic reads, and half their distance is the uncertainty.
    public init(monotonicBefore: MonotonicInstant, realtime: RealtimeInstant, monotonicAfter: MonotonicInstant) {
        let window = monotonicAfter - monotonicBefore
        // Round the half-window up so the stated uncertainty never understates the truth.
        let half = (window.nanoseconds + 1) / 2
        self.realtime = realtime
        self.monotonic = monotonicBefore + TimeSpan(nanoseconds: window.nanoseconds / 2)
        self.uncertainty = TimeSpan(nanoseconds: half)
    }

    /// The monotonic instant at which realtime reads `target`, assuming no step in between:
    /// the absolute deadline to arm for a realtime target.
    @inlinable public func monotonic(at target: RealtimeInstant) -> MonotonicInstant {
        monotonic + (target - realtime)
    }

    /// The realtime reading at monotonic instant `instant`, assuming no step in between.
    @inlinable public func realtime(at instant: MonotonicInstant) -> RealtimeInstant {
        realtime + (instant - monotonic)
    }

    public var description: String {
        "realtime \(realtime.nanosecondsSinceEpoch) ↔ monotonic \(monotonic.nanoseconds) ± \(uncertainty)"
    }
}

/// The retry policy for sampling a clock pair: a read whose window is wider than
/// ``maximumWindow`` (the thread was preempted between reads) is retried, up to ``attempts`` times.
public struct ClockPairSampling: Hashable, Sendable {
    /// The widest acceptable monotonic window around the realtime read.
    public var maximumWindow: TimeSpan
    /// How many reads to try before settling for the narrowest one seen.
    public var attempts: Int

    public init(maximumWindow: TimeSpan = .microseconds(20), attempts: Int = 8) {
        precondition(attempts >= 1, "at least one attempt")
        self.maximumWindow = maximumWindow
        self.attempts = attempts
    }

    /// Reads with `read` (which returns monotonic, realtime, monotonic) until the window is narrow
    /// enough. Never fails: after the last attempt the narrowest sample is returned, and its
    /// ``ClockSample/uncertainty`` says how good it is.
    @inlinable public func sample(
        _ read: () -> (MonotonicInstant, RealtimeInstant, MonotonicInstant)
    ) -> ClockSample {
        var best: ClockSample? = nil
        for _ in 0..<attempts {
            let (m1, r, m2) = read()
            let s = ClockSample(monotonicBefore: m1, realtime: r, monotonicAfter: m2)
            if m2 - m1 <= maximumWindow { return s }
            if best == nil || s.uncertainty < best!.uncertainty { best = s }
        }
        return best!
    }
}
