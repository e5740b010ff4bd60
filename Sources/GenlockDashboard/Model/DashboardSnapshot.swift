import GenlockControl
import GenlockCore

/// Everything the page draws, as it is pushed over the WebSocket (JSON). Built from the
/// coordinator's state by ``DashboardSnapshot/init(core:session:previews:framesets:now:)``: a pure
/// function, so the tiles' rules are tested without a server.
public struct DashboardSnapshot: Codable, Hashable, Sendable {
    /// `waiting`, `started`, `stopping` or `finished`.
    public var phase: String
    public var sessionID: String
    public var t0Ns: Int64?
    public var rate: String?
    public var stopIndex: Int64?
    /// Whether START is the operator's to press (`--wait-for-start`).
    public var startOnRequest: Bool
    /// START can be pressed now.
    public var startEnabled: Bool
    /// Why START is not pressable (the PTP gate, cameras missing, already started).
    public var startDisabledReason: String?
    public var stopEnabled: Bool
    public var cameras: [CameraTile]
    /// Framesets seen so far by the ingest (nil until an ingest feeds it).
    public var framesets: FramesetCounts?
    /// After STOP: the sync report and where the session is.
    public var report: SessionReport?
    /// Realtime when this snapshot was built.
    public var nowNs: Int64

    public struct FramesetCounts: Codable, Hashable, Sendable {
        public var complete: Int64
        public var partial: Int64
        public init(complete: Int64, partial: Int64) {
            self.complete = complete
            self.partial = partial
        }
    }

    public struct SessionReport: Codable, Hashable, Sendable {
        /// The sync report as text (the rig's; a coordinator's is each camera's final STATUS).
        public var text: String
        /// The session folder, when this process knows it.
        public var folder: String?
        /// The session's files (names, relative to the folder), when the folder is readable.
        public var files: [String]
        /// `/session/hil-report` when the session holds the HIL analyzer's report.
        public var hilReportURL: String?
        public init(text: String, folder: String?, files: [String] = [], hilReportURL: String? = nil) {
            self.text = text
            self.folder = folder
            self.files = files
            self.hilReportURL = hilReportURL
        }
    }

    public init(core: CoordinatorCore, report: SessionReport?, previews: [String: PreviewInfo], framesets: FramesetCounts?, now: RealtimeInstant) {
        phase = "\(core.phase)"
        sessionID = String(core.sessionID, radix: 16)
        t0Ns = core.start?.t0Ns
        rate = core.start.map { "\($0.rate)" } ?? "\(core.configuration.rate)"
        stopIndex = core.stopIndex
        startOnRequest = core.configuration.startOnRequest
        let hold = core.holdReason
        switch core.phase {
        case .waiting:
            startEnabled = core.configuration.startOnRequest && hold == CoordinatorCore.operatorHold
            startDisabledReason = startEnabled ? nil : hold ?? (core.configuration.startOnRequest ? nil : "starts by itself once every camera is ready")
            if !core.configuration.startOnRequest, let hold { startDisabledReason = "starts by itself; now \(hold)" }
        case .started, .stopping, .finished:
            startEnabled = false
            startDisabledReason = "started"
        }
        stopEnabled = core.phase == .started || core.phase == .waiting
        cameras = core.cameras.map { CameraTile(view: $0, phase: core.phase, preview: previews[$0.name]) }
        self.framesets = framesets
        self.report = report
        nowNs = now.nanosecondsSinceEpoch
    }
}
