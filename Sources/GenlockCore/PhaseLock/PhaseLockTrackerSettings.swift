extension PhaseLock {
    /// How the controller's phase and frequency tracker runs once warmed up: an alpha-beta
    /// (type-2) tracker, so phase and frequency are estimated from the same measurements and a
    /// frequency error shows in the innovation (measured phase minus the estimate carried forward)
    /// and is removed rather than carried into every prior.
    public struct TrackerSettings: Hashable, Sendable {
        /// Weight of each frame's measured phase in the estimate (α). The estimate is the previous
        /// one carried forward by the length that frame was programmed with (the controller knows
        /// its own rounding to whole lines exactly), corrected by this fraction of the innovation.
        /// The measurement carries the sensor timestamp's jitter (±1–2 µs) and the clock pair's;
        /// steering on it as is (1.0) passes that jitter straight into the next frames' starts.
        public var phase: Double
        /// Fraction of each innovation, per frame length, that corrects the frequency estimate (β).
        public var frequency: Double
        /// Innovations that keep one sign mean the clock is moving under the sensor (a grandmaster
        /// failover, a servo re-converging: the node's realtime slews at up to 500 ppm) rather
        /// than timestamp jitter, which averages out. When the innovations' running mean (weight ¼
        /// per frame) exceeds this, the tracker is behind: each frame's measurement is taken as
        /// the phase and the frequency is measured from intervals at
        /// ``Configuration/frequencyGain``, as while acquiring, until the mean falls back under
        /// half of it. Timestamp jitter of ±1 µs gives a running mean of σ ≈ 0.3 µs (±2 µs: 0.5 µs).
        public var reconvergingThreshold: TimeSpan

        public init(phase: Double, frequency: Double, reconvergingThreshold: TimeSpan) {
            precondition(phase > 0 && phase <= 1 && frequency >= 0 && frequency <= 1, "tracker gains in (0, 1] and [0, 1]")
            self.phase = phase
            self.frequency = frequency
            self.reconvergingThreshold = reconvergingThreshold
        }

        /// With the clock's frequency adjustment fed forward (``Configuration/tracker``): what
        /// moves the phase between frames is known but for the servo's next changes, so the
        /// tracker can average the stamp's jitter over about 30 frames (α 0.03: a sixtieth of its
        /// variance is left) and the crystals' constant error over thousands (β 0.0003). Lower is
        /// no better (α 0.02: the 10 µs-line rig's 120 fps worst p99 12.0 → 12.2 µs); higher lets
        /// jitter through (α 0.1: IMX708 11.3 → 11.5 µs, gm-failover's residual up to 11.0 µs). A
        /// failover's slew is then mostly predicted, so the reconverging threshold can be 3 µs,
        /// which jitter never reaches (1.5 µs: IMX708 11.3 → 11.5 µs, from frames taken unfiltered).
        public static let fedForward = TrackerSettings(phase: 0.03, frequency: 0.0003, reconvergingThreshold: .microseconds(3))

        /// Without the clock's adjustment (``Configuration/trackerWithoutClockAdjustment``):
        /// the tracker must follow the servo's frequency changes from the frames themselves. A
        /// steady-state Kalman filter with the stamp's noise as the measurement noise (±2 µs
        /// uniform: σ 1.15 µs) and the node's realtime wandering against the sensor as the process
        /// noise (the PTP servo moves its frequency by a few ppm at every sync: about 0.9 µs per √s
        /// of phase, a random walk) asks for α about 0.13 at 30 fps (0.25 with ±1 µs stamps). α 0.2
        /// was the best measured around that (0.05–0.3): it passes a ninth of the stamp's variance
        /// and still follows the servo. β 0.005 (about 200 frames): the steady-state Kalman β for
        /// α 0.3 (0.053) passes too much jitter into the frequency, which the prediction over the
        /// control delay multiplies; 0.0025 and 0.001 were worse on the whole (issue 18's fourth
        /// pass: IMX708 worst p99 11.9 → 11.5 µs against α 0.3 / β 0.01). Reconverging at 1.5 µs,
        /// which seldom trips on jitter and costs one frame's filtering when it does: through
        /// `gm-failover` the residual after the failover was 11.0–14.5 µs p99 with it, 11.0–17.2 µs
        /// at 3 µs, and 11.0–18.7 µs with the tracker following the clock only through its frequency.
        public static let learning = TrackerSettings(phase: 0.2, frequency: 0.005, reconvergingThreshold: .nanoseconds(1_500))
    }
}
