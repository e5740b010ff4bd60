/// The PTP state of one node, small enough to send to the coordinator in HELLO/STATUS.
///
/// `offsetNanoseconds` is ptp4l's offsetFromMaster (NIC clock against the grandmaster; 0 on the
/// grandmaster itself). `systemOffsetNanoseconds` is CLOCK_REALTIME against the NIC clock, when it
/// was measured: without phc2sys the system clock does not follow PTP at all, however good the
/// NIC clock is.
public struct PTPStatus: Hashable, Sendable, Codable {
    /// True when the lock gate accepted this node (see ``LockGate``).
    public var locked: Bool
    /// Why the node is not locked; nil when it is.
    public var reason: String?
    /// The port state (the "best" port of a multi-port clock: SLAVE first, then a master state).
    public var portState: PortState?
    /// offsetFromMaster in nanoseconds; nil when ptp4l gave none.
    public var offsetNanoseconds: Int64?
    /// meanPathDelay in nanoseconds.
    public var meanPathDelayNanoseconds: Int64?
    /// CLOCK_REALTIME minus the NIC clock (UTC-corrected), in nanoseconds, when measured.
    public var systemOffsetNanoseconds: Int64?
    /// The grandmaster this node follows (its own identity when it is the grandmaster).
    public var grandmasterIdentity: ClockIdentity?
    /// This node's own clockIdentity.
    public var clockIdentity: ClockIdentity?
    /// True when this node is the grandmaster.
    public var isGrandmaster: Bool
    /// ptp4l's gmPresent: false while no grandmaster has been heard.
    public var grandmasterPresent: Bool?
    /// Hops between this clock and the grandmaster (0 on the grandmaster).
    public var stepsRemoved: Int?

    public init(
        locked: Bool, reason: String? = nil, portState: PortState? = nil, offsetNanoseconds: Int64? = nil,
        meanPathDelayNanoseconds: Int64? = nil, systemOffsetNanoseconds: Int64? = nil,
        grandmasterIdentity: ClockIdentity? = nil, clockIdentity: ClockIdentity? = nil,
        isGrandmaster: Bool = false, grandmasterPresent: Bool? = nil, stepsRemoved: Int? = nil
    ) {
        self.locked = locked
        self.reason = reason
        self.portState = portState
        self.offsetNanoseconds = offsetNanoseconds
        self.meanPathDelayNanoseconds = meanPathDelayNanoseconds
        self.systemOffsetNanoseconds = systemOffsetNanoseconds
        self.grandmasterIdentity = grandmasterIdentity
        self.clockIdentity = clockIdentity
        self.isGrandmaster = isGrandmaster
        self.grandmasterPresent = grandmasterPresent
        self.stepsRemoved = stepsRemoved
    }
}
