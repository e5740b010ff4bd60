/// The state of a PTP port, spelled as linuxptp prints it (IEEE 1588 portState).
public enum PortState: String, Hashable, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case none = "NONE"
    case initializing = "INITIALIZING"
    case faulty = "FAULTY"
    case disabled = "DISABLED"
    case listening = "LISTENING"
    case preMaster = "PRE_MASTER"
    case master = "MASTER"
    case passive = "PASSIVE"
    /// A master has been chosen but the servo has not locked yet: the clock is not trustworthy.
    case uncalibrated = "UNCALIBRATED"
    /// Locked to the master: the only state in which a node's clock follows the rig.
    case slave = "SLAVE"
    case grandMaster = "GRAND_MASTER"

    public var description: String { rawValue }

    /// True for the states in which this port serves time to others.
    public var isServingTime: Bool { self == .master || self == .grandMaster }
}
