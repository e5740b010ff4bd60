import GenlockControl

/// One camera's tile: what the coordinator knows of it, flattened for the page.
public struct CameraTile: Codable, Hashable, Sendable {
    public var name: String
    public var connected: Bool
    /// Why the tile is grey (never connected, disconnected), nil when connected.
    public var missingReason: String?
    public var version: String?
    public var ptpPortState: String?
    public var ptpOffsetNs: Int64?
    /// Passes the coordinator's PTP gate.
    public var ptpLocked: Bool
    /// `acquiring`, `locked`, `lost` (phase-locked capture), nil otherwise.
    public var phaseLockState: String?
    public var phaseErrorNs: Int64?
    public var frames: Int64?
    public var dropped: Int64?
    public var skipped: Int64?
    public var lastIndex: Int64?
    public var latenessP99Ns: Int64?
    public var diskFreeBytes: Int64?
    public var preflight: String?
    /// Connected, in the session, capturing and not finished.
    public var recording: Bool
    public var finished: Bool
    /// The latest preview, when the ingest feeds one.
    public var preview: PreviewInfo?

    public init(view: CameraView, phase: CoordinatorCore.Phase, preview: PreviewInfo?) {
        name = view.name
        connected = view.connected
        // A node that reported its run finished leaves: that is the end of its session, not a fault.
        missingReason = view.connected ? nil : view.softwareVersion == nil ? "never connected"
            : view.status?.finished == true ? "finished, disconnected" : "disconnected"
        version = view.softwareVersion
        ptpPortState = view.ptp?.portState
        ptpOffsetNs = view.ptp?.offsetNs
        ptpLocked = view.ptpLocked
        let status = view.status
        phaseLockState = status?.phaseLock?.state.rawValue
        phaseErrorNs = status?.phaseLock?.phaseErrorNs
        frames = status?.framesCaptured
        dropped = status?.health?.framesDroppedCount
        skipped = status?.framesSkipped
        lastIndex = status?.lastIndex
        latenessP99Ns = status?.health?.latenessP99Ns
        diskFreeBytes = status?.health?.diskFreeBytes
        preflight = status?.preflight
        finished = status?.finished ?? false
        recording = view.connected && view.joinedSession && (phase == .started || phase == .stopping) && !finished
            && (status?.framesCaptured ?? 0) > 0
        self.preview = preview
    }
}

/// A preview's place on the page: fetch `/preview/<camera>.jpg?v=<version>`.
public struct PreviewInfo: Codable, Hashable, Sendable {
    /// Frame index `n` of the picture.
    public var index: Int64
    /// Its `Tn`, realtime ns.
    public var scheduledNs: Int64
    /// Increases with every new picture (cache-busting).
    public var version: Int64
    public init(index: Int64, scheduledNs: Int64, version: Int64) {
        self.index = index
        self.scheduledNs = scheduledNs
        self.version = version
    }
}
