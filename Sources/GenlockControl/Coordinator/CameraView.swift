/// One configured camera as the coordinator sees it: what the dashboard draws a tile from.
public struct CameraView: Hashable, Sendable {
    public var name: String
    /// An authenticated connection is open.
    public var connected: Bool
    /// From its latest HELLO (nil: never heard from).
    public var softwareVersion: String?
    /// The latest PTP report (HELLO or STATUS).
    public var ptp: PTPReport?
    /// The latest STATUS.
    public var status: ControlMessage.Status?
    /// It was sent this session's START.
    public var joinedSession: Bool
    /// Its PTP report passes the coordinator's gate (locked, offset within the rig's maximum).
    public var ptpLocked: Bool

    public init(name: String, connected: Bool, softwareVersion: String?, ptp: PTPReport?, status: ControlMessage.Status?,
                joinedSession: Bool, ptpLocked: Bool) {
        self.name = name
        self.connected = connected
        self.softwareVersion = softwareVersion
        self.ptp = ptp
        self.status = status
        self.joinedSession = joinedSession
        self.ptpLocked = ptpLocked
    }
}
