import GenlockCore

/// The PTP state a node reports (HELLO and STATUS).
public struct PTPReport: Hashable, Sendable {
    /// Whether the node's PTP lock gate is open (port SLAVE or grandmaster, offset below threshold).
    public var locked: Bool
    /// Offset from master in nanoseconds, when known.
    public var offsetNs: Int64?
    /// The ptp4l port state (`SLAVE`, `MASTER`, ...) or `unknown`.
    public var portState: String

    public init(locked: Bool, offsetNs: Int64?, portState: String) {
        self.locked = locked
        self.offsetNs = offsetNs
        self.portState = portState
    }

    public static let unknown = PTPReport(locked: false, offsetNs: nil, portState: "unknown")
}

/// The control messages. Nothing else crosses the network: no per-frame traffic.
public enum ControlMessage: Hashable, Sendable {
    /// Coordinator → node, first on every connection: the coordinator's fresh random nonce, over
    /// which the node authenticates its HELLO and everything after it. The only frame not bound to
    /// a connection (its MAC is over nonce 0), so it carries nothing to trust: a recorded one makes
    /// a node authenticate its HELLO to a nonce no live coordinator holds.
    case challenge(nonce: UInt64)
    /// Node → coordinator, the answer to CHALLENGE (authenticated over its nonce).
    case hello(Hello)
    /// Coordinator → node: the schedule.
    case start(Start)
    /// Coordinator → node: capture only frames before `stopIndex`.
    case stop(stopIndex: Int64)
    /// Either way: acknowledges the frame with `sequence`. The coordinator's ACK of HELLO is the
    /// first frame authenticated over the node's nonce: it proves the coordinator fresh.
    case ack(Ack)
    /// Coordinator → node, every second on an authenticated connection: the coordinator is alive.
    /// `sentAtNs` is the coordinator's realtime, so every node that heard the same last heartbeat
    /// ends a lost session on the same index.
    case heartbeat(sentAtNs: Int64)
    /// Node → coordinator.
    case status(Status)
    /// Either way, then the connection is closed.
    case error(ControlError)

    public struct Hello: Hashable, Sendable {
        public var nodeName: String
        public var softwareVersion: String
        public var capabilities: [String]
        public var ptp: PTPReport
        /// Random per connection; the coordinator's frames on this connection are authenticated with
        /// it, so a frame recorded on another connection cannot be replayed here.
        public var nonce: UInt64
        /// The session the node is recording (the frame header carries its id): T0, rate, first index
        /// and the stop index once known. A restarted coordinator adopts it from here.
        public var session: Start?
        public init(nodeName: String, softwareVersion: String, capabilities: [String], ptp: PTPReport, nonce: UInt64,
                    session: Start? = nil) {
            self.nodeName = nodeName
            self.softwareVersion = softwareVersion
            self.capabilities = capabilities
            self.ptp = ptp
            self.nonce = nonce
            self.session = session
        }
    }

    public struct Start: Hashable, Sendable {
        public var t0Ns: Int64
        public var rate: FrameRate
        public var firstIndex: Int64
        public var stopIndex: Int64?
        /// Where the coordinator's ingest listens (the rig file's `ingest:`): a node recording
        /// with no ingest of its own streams there. START only (a HELLO's session omits it). An
        /// unspecified host (`0.0.0.0`, `::`) means the coordinator's own address as the node
        /// reached it.
        public var ingest: HostPort?
        public init(t0Ns: Int64, rate: FrameRate, firstIndex: Int64, stopIndex: Int64?, ingest: HostPort? = nil) {
            self.t0Ns = t0Ns
            self.rate = rate
            self.firstIndex = firstIndex
            self.stopIndex = stopIndex
            self.ingest = ingest
        }
        /// The plan a capture scheduler runs.
        public var plan: StartPlan {
            StartPlan(schedule: FrameSchedule(start: RealtimeInstant(nanosecondsSinceEpoch: t0Ns), rate: rate),
                      firstIndex: firstIndex, stopIndex: stopIndex)
        }
    }

    public struct Ack: Hashable, Sendable {
        public var sequence: UInt64
        public init(sequence: UInt64) {
            self.sequence = sequence
        }
    }

    public struct Status: Hashable, Sendable {
        public var ptp: PTPReport
        public var framesCaptured: Int64
        public var framesSkipped: Int64
        public var lastIndex: Int64?
        /// True once the node's run has finished (stop index reached).
        public var finished: Bool
        /// The sensor phase lock, when the node captures phase-locked (continuous sensor).
        public var phaseLock: PhaseLockReport?
        /// Realtime lateness against `Tn` (request-timed capture, once a frame was captured).
        public var lateness: LatenessReport?
        /// The node's preflight at launch (`genlock doctor`'s quick checks), one line, once known.
        public var preflight: String?
        /// Frames dropped, lateness p99, disk free: appended last (nil from nodes that predate it).
        public var health: HealthReport?
        public init(ptp: PTPReport, framesCaptured: Int64, framesSkipped: Int64, lastIndex: Int64?, finished: Bool,
                    phaseLock: PhaseLockReport? = nil, lateness: LatenessReport? = nil, preflight: String? = nil,
                    health: HealthReport? = nil) {
            self.health = health
            self.ptp = ptp
            self.framesCaptured = framesCaptured
            self.framesSkipped = framesSkipped
            self.lastIndex = lastIndex
            self.finished = finished
            self.phaseLock = phaseLock
            self.lateness = lateness
            self.preflight = preflight
        }
    }

    /// What an operator watches on a node besides its counts: each field nil when the node cannot
    /// tell (no recording, no frame captured yet, no output folder).
    public struct HealthReport: Hashable, Sendable {
        /// Frames the recorder released unwritten (rowed `dropped` in the sidecar).
        public var framesDroppedCount: Int64?
        /// Realtime lateness p99 over the node's recent frames (request-timed capture).
        public var latenessP99Ns: Int64?
        /// Bytes an unprivileged writer may still use in the output folder.
        public var diskFreeBytes: Int64?
        public init(framesDroppedCount: Int64? = nil, latenessP99Ns: Int64? = nil, diskFreeBytes: Int64? = nil) {
            self.framesDroppedCount = framesDroppedCount
            self.latenessP99Ns = latenessP99Ns
            self.diskFreeBytes = diskFreeBytes
        }
    }

    /// How late a node's frames were on the shared timeline: realtime read on waking minus `Tn`.
    public struct LatenessReport: Hashable, Sendable {
        /// The latest captured frame's.
        public var lastNs: Int64
        /// The worst since START.
        public var maxNs: Int64
        public init(lastNs: Int64, maxNs: Int64) {
            self.lastNs = lastNs
            self.maxNs = maxNs
        }
    }

    /// Where a node's sensor phase lock stands (``PhaseLock``'s state and its latest phase error).
    public struct PhaseLockReport: Hashable, Sendable {
        public var state: PhaseLock.State
        /// Exposure start minus `Tn` of the latest frame.
        public var phaseErrorNs: Int64
        public init(state: PhaseLock.State, phaseErrorNs: Int64) {
            self.state = state
            self.phaseErrorNs = phaseErrorNs
        }
    }

    /// The wire type code.
    var typeCode: UInt8 {
        switch self {
        case .hello: 1
        case .start: 2
        case .stop: 3
        case .ack: 4
        case .status: 5
        case .error: 6
        case .challenge: 7
        case .heartbeat: 8
        }
    }
}

/// An ERROR message: a code and a text.
public struct ControlError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: UInt16, Sendable {
        case badMagic = 1, unsupportedVersion, oversize, truncated, malformed, badMAC, replay, wrongSession, unexpected, busy
    }
    public var code: Code
    public var text: String
    public init(_ code: Code, _ text: String) {
        self.code = code
        self.text = text
    }
    public var description: String { "\(code): \(text)" }
}
