/// The values going in and out of ``PhaseLock``: its state, the frames and intervals it is fed,
/// what it decides, and what a node reports.
extension PhaseLock {
    /// Where the loop stands.
    public enum State: String, Hashable, Sendable {
        /// Not yet locked since start.
        case acquiring
        /// Exposure starts are on `Tn` within the lock threshold.
        case locked
        /// Was locked, then the error grew past the loss threshold; re-acquiring.
        case lost
        /// The camera does not follow the frame lengths it is given (its frames come at intervals
        /// far from the lengths programmed: libcamera's virtual pipeline, which completes requests
        /// as fast as they are queued, or a pipeline ignoring FrameDurationLimits). No lock is
        /// possible; the controller stops steering (free-running lengths) and frames are still
        /// numbered by the nearest `Tn`.
        case unpaced
    }

    /// A frame interval as measured against the length programmed for it.
    public struct Interval: Hashable, Sendable {
        /// Exposure start to exposure start of two consecutive sensor frames.
        public var measured: TimeSpan
        /// The length programmed for the first of them.
        public var programmed: TimeSpan
        public init(measured: TimeSpan, programmed: TimeSpan) {
            self.measured = measured
            self.programmed = programmed
        }
    }

    /// One completed sensor frame.
    public struct Frame: Hashable, Sendable {
        /// The sensor's frame sequence number (consecutive unless the sensor dropped frames).
        public var sequence: Int64
        /// The realtime instant row 0 began to expose (sensor timestamp mapped through the clock pair).
        public var exposureStart: RealtimeInstant
        /// The kernel's frequency adjustment of the realtime clock when the frame arrived, in parts
        /// per billion (``ClockSample/frequencyAdjustmentPpb``), or nil when it is not known.
        public var clockAdjustmentPpb: Double?
        public init(sequence: Int64, exposureStart: RealtimeInstant, clockAdjustmentPpb: Double? = nil) {
            self.sequence = sequence
            self.exposureStart = exposureStart
            self.clockAdjustmentPpb = clockAdjustmentPpb
        }
    }

    /// What a node reports about its phase lock: the state, the last phase error and the sensor's
    /// estimated frequency error (for STATUS and the log).
    public struct Status: Hashable, Sendable, CustomStringConvertible {
        public var state: State
        /// Exposure start minus `Tn` of the last frame; nil before the first frame.
        public var phaseError: TimeSpan?
        public var frequencyErrorPpm: Double
        public var description: String {
            let error = phaseError.map { ($0.nanoseconds > 0 ? "+" : "") + $0.description } ?? "n/a"
            let ppm = (frequencyErrorPpm * 10).rounded() / 10
            return "phase lock \(state.rawValue), phase error \(error), sensor \(ppm >= 0 ? "+" : "")\(ppm) ppm"
        }
    }

    /// What to do after a frame.
    public struct Decision: Hashable, Sendable {
        /// The frame's index (the nearest `Tn`), or nil when that index is before ``PhaseLock/firstIndex``
        /// (the pre-roll: steered, not recorded) or was already taken (a backward clock step made two
        /// frames nearest the same `Tn`): such a frame is dropped, not renumbered.
        public var index: Int64?
        /// Exposure start minus `Tn` of the nearest index.
        public var phaseError: TimeSpan
        /// The sequence number the new frame length applies to.
        public var applySequence: Int64
        /// The frame length to program for that frame.
        public var frameLengthLines: Int64
        public var state: State
        /// Estimated sensor frequency error in parts per million (positive: sensor lines are long).
        public var frequencyErrorPpm: Double
    }
}
