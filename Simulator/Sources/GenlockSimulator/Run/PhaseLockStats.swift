import GenlockCore

/// One change of a node's phase-lock state.
public struct PhaseLockTransition: Hashable, Sendable, Codable {
    /// True time (ns since the run began) of the frame that changed it.
    public var atNs: Int64
    /// `acquiring`, `locked`, `lost` or `unpaced` (``PhaseLock/State``'s raw value).
    public var state: String
}

/// A node's phase lock over a run: frames per state, when it locked, what it lost, and how far
/// exposure starts were from `Tn` (as the node measured them) while locked.
public struct PhaseLockStats: Sendable {
    public var framesAcquiring: Int64 = 0
    public var framesLocked: Int64 = 0
    public var framesLost: Int64 = 0
    /// Frames while the sensor did not follow the lengths asked (no simulated sensor does that).
    public var framesUnpaced: Int64 = 0
    /// Per (re)start of the controller: true ns from streaming start to the first locked frame
    /// (nil: never locked).
    public var timeToLockNs: [Int64?] = []
    /// Per loss of lock: true ns until locked again (nil: not within the run).
    public var relockNs: [Int64?] = []
    /// Every state change, in order (a few per fault).
    public var transitions: [PhaseLockTransition] = []
    /// |phase error| of the frames handled while locked, as measured through the clock pair.
    public var lockedPhaseErrorNs = LogHistogram()
    /// The controller's estimate of the sensor's frequency error at the end (ppm).
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

    /// Counts one decision made at true time `atNs`.
    mutating func observe(_ d: PhaseLock.Decision, atNs: Int64) {
        switch d.state {
        case .acquiring: framesAcquiring += 1
        case .locked:
            framesLocked += 1
            lockedPhaseErrorNs.add(abs(d.phaseError.nanoseconds))
        case .lost: framesLost += 1
        case .unpaced: framesUnpaced += 1
        }
        frequencyErrorPpm = d.frequencyErrorPpm
        guard d.state != last else { return }
        transitions.append(PhaseLockTransition(atNs: atNs, state: d.state.rawValue))
        switch d.state {
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
        last = d.state
    }
}
