extension PhaseLockScheduler {
    /// What the adapter carries out, in the order given.
    public enum Action: Hashable, Sendable {
        /// Queue these requests now, in order, each carrying the frame duration that programs its length.
        case queueRequests(Requests)
        /// Hand on the completed frame with this index (the receiver releases it); a completed frame
        /// with no such action is released unrecorded.
        case frame(NumberedFrame)
        /// Indices no frame landed on (just before the next numbered frame).
        case skip(Range<Int64>)
        /// The lock changed state (on the first frame too, as acquiring).
        case stateChanged(PhaseLock.Status)
        /// Something to tell the operator; the run goes on.
        case problem(Problem)
        /// The run is over: stop the camera. Boxed (`indirect`): the summary is three times the size
        /// of any other action, and every event's actions are copied; the box is made once per run.
        indirect case finish(PhaseLockSummary)
    }

    /// Requests to queue, numbered by the run's request count (a request does not choose its
    /// frame's index in phase-locked capture: the exposure start does).
    public struct Requests: Hashable, Sendable {
        /// One request per number, queued in this order.
        public var numbers: Range<Int64>
        /// The frame length each programs.
        public var frameLengthLines: Int64
        /// What each asks of the camera: ``SensorTiming/frameDuration(lines:)`` of the length.
        public var frameDuration: TimeSpan
    }

    /// A frame the lock numbered: frame `index`, exposed (by the sensor's own account) at
    /// ``exposureStart``, which the lock steers onto ``scheduled``.
    public struct NumberedFrame: Hashable, Sendable {
        /// The frame index `n`: the `Tn` nearest the exposure start.
        public var index: Int64
        /// `Tn`.
        public var scheduled: RealtimeInstant
        /// The sensor's timestamp (monotonic), as the camera reported it.
        public var sensorTimestamp: MonotonicInstant
        /// ``sensorTimestamp`` on the shared timeline, through the pair sampled when the frame arrived.
        public var sensorRealtime: RealtimeInstant
        /// The exposure start of row 0 on the shared timeline (the timestamp read per its meaning,
        /// mapped through the same pair).
        public var exposureStart: RealtimeInstant
        /// ``exposureStart`` minus ``scheduled``.
        public var phaseError: TimeSpan
        /// The lock's state after this frame.
        public var state: PhaseLock.State

        public init(
            index: Int64, scheduled: RealtimeInstant, sensorTimestamp: MonotonicInstant, sensorRealtime: RealtimeInstant,
            exposureStart: RealtimeInstant, phaseError: TimeSpan, state: PhaseLock.State
        ) {
            self.index = index
            self.scheduled = scheduled
            self.sensorTimestamp = sensorTimestamp
            self.sensorRealtime = sensorRealtime
            self.exposureStart = exposureStart
            self.phaseError = phaseError
            self.state = state
        }
    }

    /// What went wrong, for the operator.
    public enum Problem: Hashable, Sendable, CustomStringConvertible {
        /// The camera failed a request (counted, replaced).
        case requestFailed(request: Int64, reason: String)
        /// A frame came without a sensor timestamp (counted, replaced).
        case timestampMissing(sequence: Int64)
        /// The camera refused a request (counted, queued again with the next frame).
        case requestNotQueued(request: Int64, reason: String)
        /// The camera does not follow the frame lengths it is given (``PhaseLock/State/unpaced``).
        case unpaced(PhaseLock.Interval)

        public var description: String {
            switch self {
            case .requestFailed(let request, let reason): "request \(request) failed: \(reason)"
            case .timestampMissing(let sequence): "frame \(sequence) has no sensor timestamp"
            case .requestNotQueued(let request, let reason): "request \(request) not queued: \(reason)"
            case .unpaced(let interval):
                "the camera does not follow the frame lengths it is asked for (frames \(interval.measured) apart, asked "
                    + "\(interval.programmed)): no phase lock is possible; frames are still numbered by the nearest Tn "
                    + "(libcamera's virtual pipeline completes requests as fast as they are queued)"
            }
        }
    }

    /// The actions answering one event, in order. A completed frame yields at most six (its
    /// request, the owed ones, a state change and its problem, a skip, the numbered frame; a frame
    /// that finishes the run queues nothing), held inline.
    public typealias Actions = InlineActions<6, Action>
}
