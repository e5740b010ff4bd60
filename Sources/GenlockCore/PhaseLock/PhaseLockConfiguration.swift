extension PhaseLock {
    /// Gains and thresholds.
    public struct Configuration: Hashable, Sendable {
        /// Fraction of the predicted phase error removed per frame. Because the lengths in flight
        /// are predicted exactly, the control delay adds no lag and 1.0 is stable: it removes the whole
        /// predicted error (deadbeat), so each frame's residual is just its own rounding to a whole
        /// line (within ±½ line) plus timestamp jitter. Smaller gains let rounding errors pile up
        /// (kp 0.5 gives a residual σ of ⅓ line instead of 0.29), and only pay off when the
        /// timestamp jitter is comparable to a line time, which it is not on these sensors.
        public var phaseGain: Double
        /// While acquiring (or after the phase estimate restarted): weight of each frame interval's
        /// measured frequency error in the running estimate. 0.05 averages about 20 frames: timestamp
        /// jitter of a few µs on a 33 ms frame is ~100 ppm per frame, averaged down to a few ppm.
        /// Once locked the frequency is corrected from the phase estimate's innovation instead
        /// (``frequencyFilterGain``): an interval carries the jitter of two timestamps, and an
        /// estimate of its own that the phase estimate does not share biases that estimate's prior.
        public var frequencyGain: Double
        /// Weight of each frame's measured phase in the controller's estimate of it. The estimate
        /// is the previous one carried forward by the length that frame was programmed with (the
        /// controller knows its own rounding to whole lines exactly), corrected by this fraction of
        /// the difference from the measurement. The measurement carries the sensor timestamp's
        /// jitter (±1–2 µs) and the clock pair's; steering on it as is (1.0) passes that jitter
        /// straight into the next frames' starts. A steady-state Kalman filter with the stamp's
        /// noise as the measurement noise (±2 µs uniform: σ 1.15 µs) and the node's realtime
        /// wandering against the sensor as the process noise (the PTP servo moves its frequency by
        /// a few ppm at every sync: about 0.9 µs per √s of phase, a random walk) asks for about 0.13
        /// at 30 fps (0.25 with ±1 µs stamps; less at higher rates). The default is the best of the
        /// gains measured around that (0.05–0.3) rather than the model's figure, since the model is
        /// rough: 0.2 passes a ninth of the stamp's variance (0.3: a sixth) and still follows the servo.
        /// Measured (`Benchmarks/phase-lock-seeds.sh`, seeds 1–10, with ``frequencyFilterGain``
        /// 0.005): IMX708 worst p99 11.9 → 11.5 µs, its excess over the perfect controller's floor
        /// 0.5–1.2 → 0.4–0.8 µs; 0.1 and 0.15 were no better on the 10 µs-line rig at 30 fps.
        public var phaseFilterGain: Double
        /// Once locked, the fraction of each frame's innovation (measured phase minus the estimate
        /// carried forward) that corrects the frequency estimate, per frame length: with
        /// ``phaseFilterGain`` an alpha-beta (type-2) tracker, so phase and frequency are estimated
        /// from the same measurements and a frequency error shows in the innovation and is removed
        /// rather than carried into every prior. 0.01 (until issue 18's fourth pass) averaged over about 100 frames:
        /// the steady-state Kalman gain for α 0.3 (0.053) passes too much timestamp jitter into the
        /// frequency, which the prediction over the control delay multiplies (IMX708, ±2 µs jitter,
        /// delay 3: with it, `pi5-phase-lock` seed 1 gives a skew p99 0.6 µs over 0.01's). 0.005
        /// (about 200 frames) with α 0.2: the crystal's error is constant and the servo's frequency
        /// noise averages out over a few seconds; seeds 1–10, the worst p99 at 30 fps 12.5 → 12.4 µs
        /// and IMX708 11.9 → 11.5 µs against 0.01. Lower is worse on the whole: 0.0025 gives 30 fps
        /// 12.3 but IMX708 11.6 and gm-failover 81.9 (80.9); 0.001 gives 30 fps 12.9, IMX708 11.9.
        public var frequencyFilterGain: Double
        /// Once locked, innovations that keep one sign mean the clock is moving under the sensor (a
        /// grandmaster failover, a servo re-converging: the node's realtime slews at up to 500 ppm)
        /// rather than timestamp jitter, which averages out. When the innovations' running mean
        /// (weight ¼ per frame) exceeds this, the tracker is behind: each frame's measurement is
        /// taken as the phase and the frequency is measured from intervals at ``frequencyGain``,
        /// as while acquiring, until the mean falls back under half of it. Timestamp jitter of ±1 µs
        /// gives a running mean of σ ≈ 0.3 µs (±2 µs: 0.5 µs), so 1.5 µs seldom trips on noise, and
        /// when it does it costs one frame's filtering. Through `gm-failover` (seeds 1–10) the
        /// residual after the failover is 11.0–14.5 µs p99 with it, 11.0–17.2 µs at 3 µs, and was
        /// 11.0–18.7 µs with the tracker following the clock only through its frequency estimate.
        public var reconvergingThreshold: TimeSpan
        /// A measurement further than this from the estimate (a realtime step, a dropped frame, the
        /// first frames) is taken as it is: the estimate starts again from it.
        public var phaseFilterResetThreshold: TimeSpan
        /// At a mode's fastest rates a frame can hardly be made shorter than the period (IMX708
        /// 1536×864 at 120 fps: by under one line). A late phase that shortening at that limit would
        /// take more than this many frames to remove is removed by lengthening onto the next `Tn`
        /// instead: one frame, and one index no frame lands on (while acquiring, in the pre-roll).
        public var maximumShorteningFrames: Int
        /// |phase error| at or below this counts as on target.
        public var lockThreshold: TimeSpan
        /// Consecutive on-target frames to declare lock.
        public var framesToLock: Int
        /// |phase error| above this, once locked, declares the lock lost (a clock step, a dropped frame).
        public var lossThreshold: TimeSpan
        /// A frame interval off its programmed length by more than this fraction does not follow
        /// the lengths asked. Real sensors are within a few hundred ppm (crystal, kernel frequency
        /// adjustment) plus µs of timestamp jitter; 5 % of even an 8 ms frame is 400 µs.
        public var pacingTolerance: Double
        /// Consecutive off-pace intervals that declare the camera ``State/unpaced`` (one
        /// realtime step between two frames makes one interval off; a camera that ignores frame
        /// lengths makes them all off). As many on-pace intervals leave it.
        public var framesToJudgePacing: Int

        public init(
            phaseGain: Double = 1.0, frequencyGain: Double = 0.05, phaseFilterGain: Double = 0.2, frequencyFilterGain: Double = 0.005,
            reconvergingThreshold: TimeSpan = .nanoseconds(1_500),
            phaseFilterResetThreshold: TimeSpan = .microseconds(20), maximumShorteningFrames: Int = 24,
            lockThreshold: TimeSpan = .microseconds(10),
            framesToLock: Int = 5, lossThreshold: TimeSpan = .microseconds(100), pacingTolerance: Double = 0.05,
            framesToJudgePacing: Int = 10
        ) {
            self.phaseGain = phaseGain
            self.frequencyGain = frequencyGain
            self.phaseFilterGain = phaseFilterGain
            self.frequencyFilterGain = frequencyFilterGain
            self.reconvergingThreshold = reconvergingThreshold
            self.phaseFilterResetThreshold = phaseFilterResetThreshold
            self.maximumShorteningFrames = maximumShorteningFrames
            self.lockThreshold = lockThreshold
            self.framesToLock = framesToLock
            self.lossThreshold = lossThreshold
            self.pacingTolerance = pacingTolerance
            self.framesToJudgePacing = framesToJudgePacing
        }
    }
}
