import GenlockCore

/// The facts about one node that decide whether it is locked, from one status reading.
public struct PTPObservation: Hashable, Sendable {
    public var portState: PortState?
    /// offsetFromMaster; 0 on the grandmaster.
    public var offsetNanoseconds: Int64?
    public var isGrandmaster: Bool
    public var grandmasterPresent: Bool?
    /// CLOCK_REALTIME against the NIC clock, when it was measured.
    public var systemOffsetNanoseconds: Int64?
    /// Why the system clock offset could not be measured although it was asked for.
    public var systemOffsetError: String?

    public init(
        portState: PortState?, offsetNanoseconds: Int64?, isGrandmaster: Bool = false,
        grandmasterPresent: Bool? = nil, systemOffsetNanoseconds: Int64? = nil, systemOffsetError: String? = nil
    ) {
        self.systemOffsetError = systemOffsetError
        self.portState = portState
        self.offsetNanoseconds = offsetNanoseconds
        self.isGrandmaster = isGrandmaster
        self.grandmasterPresent = grandmasterPresent
        self.systemOffsetNanoseconds = systemOffsetNanoseconds
    }
}

/// Decides when a node counts as locked: its port is SLAVE (or it is the grandmaster) and
/// |offset| stayed strictly below `maxOffset` for `requiredSamples` consecutive readings.
///
/// Pure state machine: one reading in, one verdict out. Any bad reading (daemon unreachable,
/// wrong state, offset too large) starts the count again, because a START released on a node
/// that just lost its master would record frames on the wrong timeline.
public struct LockGate: Sendable {
    /// Why a node is not (yet) locked.
    public enum Reason: Hashable, Sendable, CustomStringConvertible {
        /// ptp4l could not be read (not running, wrong socket, silent); the text says which.
        case unavailable(String)
        case noPort
        /// The port is in a state that does not follow a master.
        case portState(PortState)
        case noGrandmaster
        case noOffset
        case offsetTooLarge(offsetNanoseconds: Int64, maxNanoseconds: Int64)
        /// CLOCK_REALTIME does not follow the NIC clock (phc2sys missing or not locked).
        case systemOffsetTooLarge(offsetNanoseconds: Int64, maxNanoseconds: Int64)
        /// The system clock offset was asked for but could not be measured.
        case systemOffsetUnavailable(String)
        /// Good readings so far, but fewer than required in a row.
        case settling(good: Int, required: Int)

        public var description: String {
            switch self {
            case .unavailable(let text): return text
            case .noPort: return "ptp4l reported no port"
            case .portState(let state):
                let why: String
                switch state {
                case .uncalibrated: why = "a master was chosen but the servo has not locked yet"
                case .listening: why = "no master heard yet"
                case .faulty: why = "the port failed (check the interface and timestamping)"
                case .passive: why = "another port leads to the grandmaster"
                case .master, .preMaster, .grandMaster: why = "this node serves time but is not the grandmaster"
                default: why = "not following a master"
                }
                return "port is \(state): \(why)"
            case .noGrandmaster: return "no grandmaster present"
            case .noOffset: return "ptp4l reported no offset from master"
            case .offsetTooLarge(let offset, let max):
                return "offset from master \(TimeSpanFormat.text(offset)) is not below \(TimeSpanFormat.text(max))"
            case .systemOffsetTooLarge(let offset, let max):
                return "system clock is \(TimeSpanFormat.text(offset)) from the NIC clock, not below \(TimeSpanFormat.text(max)) (is phc2sys running?)"
            case .systemOffsetUnavailable(let why): return "system clock offset unknown: \(why)"
            case .settling(let good, let required):
                return "settling: \(good) of \(required) consecutive samples within the limit"
            }
        }
    }

    /// The gate's answer after a reading.
    public enum Verdict: Hashable, Sendable {
        case locked
        case waiting(Reason)

        public var reason: Reason? {
            if case .waiting(let reason) = self { return reason }
            return nil
        }
    }

    /// How long a node must read within the limit before it counts as locked for START
    /// (`genlock ptp wait`, the camera node's reports, the simulated gate). A shorter window can
    /// open while the servo still swings after linuxptp's first frequency estimate, and gentle
    /// gains swing slowly: in the simulator, 5 syncs in a row sometimes opened START seconds early.
    public static let settlingWindow = TimeSpan.seconds(2)
    /// The time between a node's readings of ptp4l while it settles.
    public static let settlingInterval = TimeSpan.milliseconds(250)
    /// Consecutive readings `interval` apart that span ``settlingWindow``.
    public static func settlingReadings(every interval: TimeSpan) -> Int {
        max(1, Int(settlingWindow.nanoseconds / max(1, interval.nanoseconds)))
    }
    /// Consecutive readings ``settlingInterval`` apart that span ``settlingWindow``: 8.
    public static var settlingReadings: Int { settlingReadings(every: settlingInterval) }

    /// Locked: the last ``requiredSamples`` readings were all good.
    public var isLocked: Bool { consecutiveGood >= requiredSamples }

    public let maxOffset: TimeSpan
    /// The limit for CLOCK_REALTIME against the NIC clock, when that is measured.
    public let maxSystemOffset: TimeSpan
    public let requiredSamples: Int
    /// Good readings in a row so far.
    public private(set) var consecutiveGood: Int = 0

    /// A gate; `requiredSamples` below 1 is treated as 1. `maxSystemOffset` defaults to `maxOffset`.
    public init(maxOffset: TimeSpan, requiredSamples: Int, maxSystemOffset: TimeSpan? = nil) {
        self.maxOffset = maxOffset
        self.maxSystemOffset = maxSystemOffset ?? maxOffset
        self.requiredSamples = max(1, requiredSamples)
    }

    /// Feeds one reading.
    public mutating func observe(_ observation: PTPObservation) -> Verdict {
        if let problem = problem(with: observation) {
            consecutiveGood = 0
            return .waiting(problem)
        }
        consecutiveGood += 1
        if consecutiveGood >= requiredSamples { return .locked }
        return .waiting(.settling(good: consecutiveGood, required: requiredSamples))
    }

    /// Feeds a failed reading (the daemon could not be asked): the count starts again.
    public mutating func observeUnavailable(_ why: String) -> Verdict {
        consecutiveGood = 0
        return .waiting(.unavailable(why))
    }

    private func problem(with o: PTPObservation) -> Reason? {
        guard let state = o.portState else { return .noPort }
        if !o.isGrandmaster {
            guard state == .slave else { return .portState(state) }
            if o.grandmasterPresent == false { return .noGrandmaster }
        }
        let limit = maxOffset.nanoseconds
        guard let offset = o.offsetNanoseconds else { return .noOffset }
        if offset.magnitude >= limit.magnitude {
            return .offsetTooLarge(offsetNanoseconds: offset, maxNanoseconds: limit)
        }
        if let why = o.systemOffsetError { return .systemOffsetUnavailable(why) }
        let systemLimit = maxSystemOffset.nanoseconds
        if let system = o.systemOffsetNanoseconds, system.magnitude >= systemLimit.magnitude {
            return .systemOffsetTooLarge(offsetNanoseconds: system, maxNanoseconds: systemLimit)
        }
        return nil
    }
}
