import GenlockCore

/// One change of a node's phase-lock state.
public struct PhaseLockTransition: Hashable, Sendable, Codable {
    /// True time (ns since the run began) of the frame that changed it.
    public var atNs: Int64
    /// `acquiring`, `locked`, `lost` or `unpaced` (``PhaseLock/State``'s raw value).
    public var state: String
}

/// A node's phase lock over a run, from its driver's reports: numbered frames per state, when it
/// locked, what it lost, and how far exposure starts were from `Tn` (as the node measured them)
/// while locked.
public struct PhaseLockStats: Sendable {
    /// Numbered frames by the lock's state after each (the pre-roll and duplicates are not numbered).
    public var framesAcquiring: Int64 = 0
    public var framesLocked: Int64 = 0
    public var framesLost: Int64 = 0
    /// Numbered frames while the sensor did not follow the lengths asked (no simulated sensor does that).
    public var framesUnpaced: Int64 = 0
    /// Per (re)start of the controller: true ns from streaming start to the first locked frame
    /// (nil: never locked).
    public var timeToLockNs: [Int64?] = []
    /// Per loss of lock: true ns until locked again (nil: not within the run).
    public var relockNs: [Int64?] = []
    /// Every state change, in order (a few per fault).
    public var transitions: [PhaseLockTransition] = []
    /// |phase error| of the numbered frames while locked, as measured through the clock pair.
    public var lockedPhaseErrorNs = LogHistogram()
    /// What the driver told the operator at the start (the notices; at most one per start).
    public var notices: [String] = []
    /// The controller's estimate of the sensor's frequency error when the run ended (ppm).
    public var frequencyErrorPpm: Double = 0

    private var last: PhaseLock.State?
    private var since: Int64 = 0

    public init() {}

    /// A controller started (START reached the node, or it restarted) at true time `atNs`.
    mutating func started(atNs: Int64) {
        last = nil
        since = atNs
        timeToLockNs.append(nil)
    }

    /// The lock entered `state` (a new state: the driver reports changes only) with a frame at
    /// true time `atNs`.
    mutating func changed(to state: PhaseLock.State, atNs: Int64) {
        transitions.append(PhaseLockTransition(atNs: atNs, state: state.rawValue))
        switch state {
        case .locked:
            if last == .lost, !relockNs.isEmpty {
                relockNs[relockNs.count - 1] = atNs - since
            } else if !timeToLockNs.isEmpty, timeToLockNs[timeToLockNs.count - 1] == nil {
                timeToLockNs[timeToLockNs.count - 1] = atNs - since
            }
        case .lost:
            relockNs.append(nil)
            since = atNs
        case .acquiring, .unpaced:
            break
        }
        last = state
    }

    /// Counts one numbered frame, in `state` and `phaseError` from its `Tn`.
    mutating func numbered(state: PhaseLock.State, phaseError: TimeSpan) {
        switch state {
        case .acquiring: framesAcquiring += 1
        case .locked:
            framesLocked += 1
            lockedPhaseErrorNs.add(abs(phaseError.nanoseconds))
        case .lost: framesLost += 1
        case .unpaced: framesUnpaced += 1
        }
    }
}
