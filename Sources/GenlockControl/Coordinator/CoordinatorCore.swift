import GenlockCore

/// Identifies one connection to the coordinator.
public typealias ConnectionID = Int

/// The coordinator's decisions: who is connected, when to START (T0 = now + lead, once enough
/// locked nodes are present), and the common stop index. Pure: events in, actions out;
/// ``CoordinatorEndpoint`` runs it with the connections.
public struct CoordinatorCore: Sendable {
    public struct Configuration: Hashable, Sendable {
        public var cameras: [String]
        public var minimumCameras: Int
        public var rate: FrameRate
        public var lead: TimeSpan
        public var stopMargin: TimeSpan
        /// Hold START until every node reports PTP locked.
        public var ptpGate: Bool
        public var maximumPTPOffset: TimeSpan
        /// The session this coordinator (an earlier run of it) started and had not seen finish, from
        /// its persisted record: a node's HELLO reporting this session is adopted. Nil: a node's
        /// running session is adopted whatever its id (the log says it is not on record).
        public var sessionOnRecord: UInt64?
        /// Hold START, once everything else allows it, until an operator asks for it
        /// (``Event/startRequested(now:)``, the dashboard's START button).
        public var startOnRequest: Bool
        /// The rig's ingest, named in START so nodes stream there without being told on their
        /// own command line.
        public var ingest: HostPort?

        public init(cameras: [String], minimumCameras: Int? = nil, rate: FrameRate, lead: TimeSpan, stopMargin: TimeSpan,
                    ptpGate: Bool, maximumPTPOffset: TimeSpan, sessionOnRecord: UInt64? = nil, startOnRequest: Bool = false,
                    ingest: HostPort? = nil) {
            self.ingest = ingest
            self.sessionOnRecord = sessionOnRecord
            self.startOnRequest = startOnRequest
            self.cameras = cameras
            self.minimumCameras = minimumCameras ?? cameras.count
            self.rate = rate
            self.lead = lead
            self.stopMargin = stopMargin
            self.ptpGate = ptpGate
            self.maximumPTPOffset = maximumPTPOffset
        }
    }

    public enum Event: Hashable, Sendable {
        /// An authenticated HELLO; `sessionID` is its frame's (the session the node records, 0 for none).
        case hello(ConnectionID, ControlMessage.Hello, sessionID: UInt64)
        case status(ConnectionID, ControlMessage.Status)
        case ack(ConnectionID, sequence: UInt64)
        case disconnected(ConnectionID)
        /// Time passes (the transport ticks a few times a second).
        case tick(now: RealtimeInstant)
        /// Ctrl-C or `genlock coordinator stop`.
        case stopRequested(now: RealtimeInstant)
        /// An operator's START (the dashboard): sent at once when nothing holds it, refused (logged)
        /// otherwise. Only meaningful with ``Configuration/startOnRequest``.
        case startRequested(now: RealtimeInstant)
    }

    public enum Action: Hashable, Sendable {
        case send(ConnectionID, ControlMessage)
        case close(ConnectionID)
        /// Camera `name` authenticated on connection `by` while its connection `old` was live: the
        /// newer one wins, `old` is closed (the endpoint logs both peers).
        case displaced(name: String, old: ConnectionID, by: ConnectionID)
        /// The session changed (START sent or adopted, the stop index chosen, finished): the
        /// coordinator persists it, so a restarted coordinator knows what it may adopt.
        case persist(SessionRecord)
        case log(String)
        case finished(Summary)
    }

    public struct Summary: Hashable, Sendable {
        public var start: ControlMessage.Start?
        public var stopIndex: Int64?
        public var nodes: [String: ControlMessage.Status]
        public init(start: ControlMessage.Start?, stopIndex: Int64?, nodes: [String: ControlMessage.Status]) {
            self.start = start
            self.stopIndex = stopIndex
            self.nodes = nodes
        }
    }

    struct Node: Sendable {
        var name: String
        var connection: ConnectionID?
        var ptp: PTPReport
        var startSequence: UInt64?
        var acked = false
        var status: ControlMessage.Status?
        var joinedSession = false
        var softwareVersion: String?
    }

    public enum Phase: Hashable, Sendable { case waiting, started, stopping, finished }

    /// What a coordinator keeps on disk about its session.
    public struct SessionRecord: Hashable, Sendable {
        public var sessionID: UInt64
        public var start: ControlMessage.Start
        public var finished: Bool
        public init(sessionID: UInt64, start: ControlMessage.Start, finished: Bool) {
            self.sessionID = sessionID
            self.start = start
            self.finished = finished
        }
    }

    public let configuration: Configuration
    /// This coordinator's session id, or the adopted session's.
    public private(set) var sessionID: UInt64
    public private(set) var phase: Phase = .waiting
    public private(set) var start: ControlMessage.Start?
    public private(set) var stopIndex: Int64?
    private var nodes: [String: Node] = [:]
    private var byConnection: [ConnectionID: String] = [:]
    private var lastWaitingLog = ""
    private var startWanted = false
    /// Why START is held while waiting (cameras missing, the PTP gate, the operator), nil otherwise:
    /// derived from the nodes as they are now, never a tick behind.
    public var holdReason: String? { phase == .waiting ? startHold() : nil }
    private var reportedLate = false

    public init(configuration: Configuration, sessionID: UInt64) {
        self.configuration = configuration
        self.sessionID = sessionID
    }

    public mutating func handle(_ event: Event) -> [Action] {
        switch event {
        case .hello(let id, let hello, let session): return adopt(hello, session: session) + hello_(id, hello)
        case .status(let id, let status):
            guard let name = byConnection[id] else { return [] }
            let previous = nodes[name]?.status?.phaseLock?.state
            let previousPreflight = nodes[name]?.status?.preflight
            nodes[name]?.status = status
            nodes[name]?.ptp = status.ptp
            var actions: [Action] = []
            if let preflight = status.preflight, preflight != previousPreflight {
                // The node's doctor verdict at launch: one line per node, before START if it came in time.
                actions.append(.log("\(name) preflight: \(preflight)"))
            }
            if let lock = status.phaseLock, lock.state != previous {
                // State changes only: a STATUS every second would otherwise flood the log.
                actions.append(.log("\(name) phase lock \(lock.state.rawValue), phase error \(TimeSpanFormat.text(lock.phaseErrorNs))"))
            }
            return actions + finishIfDone()
        case .ack(let id, let sequence):
            guard let name = byConnection[id], nodes[name]?.startSequence == sequence else { return [] }
            nodes[name]?.acked = true
            return []
        case .disconnected(let id):
            guard let name = byConnection.removeValue(forKey: id) else { return [] }
            if nodes[name]?.connection == id { nodes[name]?.connection = nil }
            return [.log("\(name) disconnected")] + finishIfDone()
        case .tick(let now): return tick(now)
        case .stopRequested(let now): return requestStop(now)
        case .startRequested(let now):
            guard phase == .waiting else { return [.log("START requested: the session has already started")] }
            if let reason = startHold(), !(configuration.startOnRequest && reason == Self.operatorHold) {
                return [.log("START requested but held: \(reason)")]
            }
            startWanted = true
            return tick(now)
        }
    }

    private mutating func hello_(_ id: ConnectionID, _ hello: ControlMessage.Hello) -> [Action] {
        var actions: [Action] = [.send(id, .ack(.init(sequence: 1)))]
        guard configuration.cameras.contains(hello.nodeName) else {
            // Said in the log too: the HELLO was authenticated, so this is a node of the rig
            // under a name the rig file lacks (a typo), which the operator needs to see.
            return [.log("refused \(hello.nodeName): not a camera of this rig's configuration (\(configuration.cameras.joined(separator: ", ")))"),
                    .send(id, .error(ControlError(.unexpected, "camera '\(hello.nodeName)' is not in this rig's configuration"))), .close(id)]
        }
        if let old = nodes[hello.nodeName]?.connection, old != id {
            // The node reconnected before its old connection was noticed as gone (or someone else
            // holds the key): the newer one wins, and the log says so with both peers.
            byConnection[old] = nil
            actions.append(.displaced(name: hello.nodeName, old: old, by: id))
        }
        var node = nodes[hello.nodeName] ?? Node(name: hello.nodeName, connection: id, ptp: hello.ptp)
        node.connection = id
        node.ptp = hello.ptp
        node.acked = false
        node.softwareVersion = hello.softwareVersion
        nodes[hello.nodeName] = node
        byConnection[id] = hello.nodeName
        actions.append(.log("\(hello.nodeName) connected (version \(hello.softwareVersion), PTP \(describe(hello.ptp)))"))
        if let start, phase != .finished {
            // A late joiner or a reconnect: the same START (with the stop index once known); the
            // node's scheduler starts at the first reachable index and never renumbers.
            var s = start
            s.stopIndex = stopIndex
            actions.append(.send(id, .start(s)))
            nodes[hello.nodeName]?.joinedSession = true
        }
        return actions
    }

    /// A restarted coordinator takes over the session a node reports, before it has started one of
    /// its own: the session id, T0, rate and stop index from the node's authenticated HELLO.
    private mutating func adopt(_ hello: ControlMessage.Hello, session: UInt64) -> [Action] {
        guard phase == .waiting, session != 0, let running = hello.session, configuration.cameras.contains(hello.nodeName) else { return [] }
        if let onRecord = configuration.sessionOnRecord, onRecord != session {
            return [.log("\(hello.nodeName) records session \(hex(session)), not the session on record \(hex(onRecord)); not adopted")]
        }
        sessionID = session
        start = ControlMessage.Start(t0Ns: running.t0Ns, rate: running.rate, firstIndex: running.firstIndex, stopIndex: nil, ingest: configuration.ingest)
        stopIndex = running.stopIndex
        phase = running.stopIndex == nil ? .started : .stopping
        let onRecord = configuration.sessionOnRecord == nil ? " (not on record: this coordinator kept none)" : ""
        var actions: [Action] = [.log("adopted session \(hex(session)) from \(hello.nodeName)\(onRecord): T0 \(running.t0Ns) ns, \(running.rate) fps"
            + (running.stopIndex.map { ", stop index \($0)" } ?? ""))]
        if running.rate != configuration.rate { actions.append(.log("the adopted session runs at \(running.rate) fps, not the rig file's \(configuration.rate)")) }
        return actions + [persistAction]
    }

    private var persistAction: Action {
        var s = start!
        s.stopIndex = stopIndex
        return .persist(SessionRecord(sessionID: sessionID, start: s, finished: phase == .finished))
    }

    /// Records the sequence number under which START went to a connection (for ACK matching):
    /// ``CoordinatorEndpoint`` calls it as it frames START.
    mutating func sentStart(to id: ConnectionID, sequence: UInt64) {
        guard let name = byConnection[id] else { return }
        nodes[name]?.startSequence = sequence
    }

    private mutating func tick(_ now: RealtimeInstant) -> [Action] {
        switch phase {
        case .waiting:
            let connected = nodes.values.filter { $0.connection != nil }
            if let why = startHold() {
                defer { lastWaitingLog = why }
                return why == lastWaitingLog ? [] : [.log(why)]
            }
            let s = ControlMessage.Start(
                t0Ns: (now + configuration.lead).nanosecondsSinceEpoch, rate: configuration.rate, firstIndex: 0, stopIndex: nil, ingest: configuration.ingest)
            start = s
            phase = .started
            var actions: [Action] = [.log("START: session \(hex(sessionID)), T0 \(s.t0Ns) ns, \(s.rate) fps, \(connected.count) cameras"), persistAction]
            for node in connected.sorted(by: { $0.name < $1.name }) {
                actions.append(.send(node.connection!, .start(s)))
                nodes[node.name]?.joinedSession = true
            }
            return actions
        case .started, .stopping:
            guard let start, !reportedLate, now.nanosecondsSinceEpoch >= start.t0Ns else { return [] }
            reportedLate = true
            let late = nodes.values.filter { $0.joinedSession && !$0.acked }.map(\.name).sorted()
            return late.isEmpty ? [.log("all cameras acknowledged START before T0")] : [.log("late: no ACK of START before T0 from \(late.joined(separator: ", "))")]
        case .finished:
            return []
        }
    }

    private mutating func requestStop(_ now: RealtimeInstant) -> [Action] {
        switch phase {
        case .waiting:
            phase = .finished
            return [.log("stopped before START"), .finished(Summary(start: nil, stopIndex: nil, nodes: [:]))]
        case .started:
            guard let start else { return [] }
            let schedule = start.plan.schedule
            let n = (try? schedule.firstIndex(after: now, margin: configuration.stopMargin)) ?? start.firstIndex
            stopIndex = max(n, start.firstIndex)
            phase = .stopping
            var actions: [Action] = [.log("STOP: stop index \(stopIndex!)"), persistAction]
            for node in nodes.values.sorted(by: { $0.name < $1.name }) {
                if let c = node.connection { actions.append(.send(c, .stop(stopIndex: stopIndex!))) }
            }
            return actions + finishIfDone()
        case .stopping, .finished:
            return []
        }
    }

    /// Camera `name` acknowledged the START sent on its current connection.
    public func hasAcknowledgedStart(_ name: String) -> Bool { nodes[name]?.acked == true }

    /// The cameras that joined the session, are connected, and have not reported their run finished.
    public var unfinishedCameras: [String] {
        nodes.values.filter { $0.joinedSession && $0.connection != nil && $0.status?.finished != true }.map(\.name).sorted()
    }

    /// The session so far: its START, stop index, and every camera's latest STATUS.
    public var summary: Summary {
        var statuses: [String: ControlMessage.Status] = [:]
        for n in nodes.values { if let s = n.status { statuses[n.name] = s } }
        return Summary(start: start, stopIndex: stopIndex, nodes: statuses)
    }

    /// Finished when every node that joined the session has reported its run finished, or is gone.
    private mutating func finishIfDone() -> [Action] {
        guard phase == .stopping, unfinishedCameras.isEmpty else { return [] }
        phase = .finished
        return [persistAction, .finished(summary)]
    }

    /// The hold reason once only the operator's START is missing.
    public static let operatorHold = "ready: waiting for an operator's START"

    /// Why START cannot go out now, nil when it can.
    private func startHold() -> String? {
        let connected = nodes.values.filter { $0.connection != nil }
        let unlocked = connected.filter { !isLocked($0.ptp) }.map(\.name).sorted()
        if connected.count < configuration.minimumCameras {
            let missing = configuration.cameras.filter { nodes[$0]?.connection == nil }
            return "waiting for cameras: \(connected.count)/\(configuration.minimumCameras) connected; missing \(missing.joined(separator: ", "))"
        }
        if configuration.ptpGate, !unlocked.isEmpty { return "holding START: PTP not locked on \(unlocked.joined(separator: ", "))" }
        if configuration.startOnRequest, !startWanted { return Self.operatorHold }
        return nil
    }

    /// Every configured camera as the coordinator sees it now, in configuration order.
    public var cameras: [CameraView] {
        configuration.cameras.map { name in
            let node = nodes[name]
            return CameraView(
                name: name, connected: node?.connection != nil, softwareVersion: node?.softwareVersion, ptp: node?.ptp,
                status: node?.status, joinedSession: node?.joinedSession ?? false,
                ptpLocked: node.map { isLocked($0.ptp) } ?? false)
        }
    }

    private func isLocked(_ ptp: PTPReport) -> Bool {
        guard ptp.locked, let offset = ptp.offsetNs else { return false }
        return offset.magnitude <= configuration.maximumPTPOffset.nanoseconds.magnitude
    }

    private func describe(_ ptp: PTPReport) -> String {
        "\(ptp.portState)\(ptp.offsetNs.map { ", offset \(TimeSpanFormat.text($0))" } ?? "")\(ptp.locked ? ", locked" : ", not locked")"
    }
}
