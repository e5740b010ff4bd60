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
        /// (``tracker``): an interval carries the jitter of two timestamps, and an
        /// estimate of its own that the phase estimate does not share biases that estimate's prior.
        public var frequencyGain: Double
        /// The tracker's steady-state settings when each frame carries the kernel's frequency
        /// adjustment of the realtime clock (``Frame/clockAdjustmentPpb``: adjtimex on Linux, the
        /// simulated servo's output in the simulator). The clock's movement against the sensor is
        /// then known but for the servo's next changes, and what is left to learn is the crystals'
        /// constant error: the phase is averaged over about 30 frames and the frequency over about
        /// 3,000, which keeps the stamp's jitter out of the starts. Measured
        /// (`Benchmarks/phase-lock-seeds.sh`, seeds 1–10; α 0.02–0.2, β 0.0001–0.005 tried): worst
        /// exposure skew p99 at 60 and 120 fps 12.3 → 11.94 µs and IMX708 11.5 → 11.26 µs against
        /// the former gains without the adjustment (32 ns histogram buckets), and through
        /// `gm-failover` the residual after the failover 11.1–15.1 → 10.0–11.2 µs.
        public var tracker: TrackerSettings
        /// The tracker's steady-state settings when the clock's adjustment is not known (a clock whose
        /// adjustment cannot be read): the tracker must follow the servo's changes itself, so it
        /// weighs each measurement more (see ``TrackerSettings/learning``).
        public var trackerWithoutClockAdjustment: TrackerSettings
        /// The tracker starts from the acquisition's frequency estimate, which averaged only a few
        /// frame intervals at a bounded weight; its first corrections weigh as those of a
        /// least-squares fit that counts that estimate as this many frames, so the frequency is
        /// learnt in tens of frames rather than the hundreds or thousands the steady-state gains
        /// take. Measured with the clock's adjustment fed forward (seeds 1–10): the 10 µs-line rig's
        /// worst p99 at 30 fps 12.2 µs with 3 or 5, 13.2 µs with 10, where the frequency still
        /// carried the acquisition's error when the recording began.
        public var trackerPriorFrames: Int
        /// With the clock's adjustment read: the frames in flight are predicted with the expected
        /// part of the servo's next change (``AdjustmentCadence``: successive changes of a servo fed
        /// noisy offsets are anti-correlated, and it learns by how much). Measured (seeds 1–30):
        /// IMX708 (control delay 3) meets 11.2 µs on 23 of 30 seeds with it, 19 without; the
        /// 10 µs-line rig at 30 fps 12 µs on 29 of 30 against 28.
        public var predictsClockAdjustment: Bool
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
            phaseGain: Double = 1.0, frequencyGain: Double = 0.05, tracker: TrackerSettings = .fedForward,
            trackerWithoutClockAdjustment: TrackerSettings = .learning, trackerPriorFrames: Int = 3,
            predictsClockAdjustment: Bool = true,
            phaseFilterResetThreshold: TimeSpan = .microseconds(20), maximumShorteningFrames: Int = 24,
            lockThreshold: TimeSpan = .microseconds(10),
            framesToLock: Int = 5, lossThreshold: TimeSpan = .microseconds(100), pacingTolerance: Double = 0.05,
            framesToJudgePacing: Int = 10
        ) {
            self.phaseGain = phaseGain
            self.frequencyGain = frequencyGain
            self.tracker = tracker
            self.trackerWithoutClockAdjustment = trackerWithoutClockAdjustment
            self.trackerPriorFrames = trackerPriorFrames
            self.predictsClockAdjustment = predictsClockAdjustment
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
