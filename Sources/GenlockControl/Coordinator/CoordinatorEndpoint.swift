import GenlockCore

/// The coordinator's end of the control protocol, whole: the session's decisions
/// (``CoordinatorCore``) and one ``ControlConnection`` per connection (framing, authentication,
/// sequence numbers, nonces, the START sequence an ACK must name), with the limits that keep it
/// responsive under a flood. Events in, outputs out; `CoordinatorServer` (TCP) and the simulator
/// (simulated TCP) only move the bytes and carry the outputs out, so both run exactly this code.
///
/// One rule for a connection that goes wrong: a frame that fails its checks, or a message a node
/// may not send (START, STOP, a second HELLO), is answered with ERROR; a node's ERROR is not
/// answered. Either way the coordinator logs why, closes the connection, and the core learns at
/// once that the node is gone.
///
/// Bounded under load: a connection must authenticate (its HELLO, over this connection's
/// CHALLENGE) within ``Limits/handshakeTimeout``; at most ``Limits/maximumUnauthenticated``
/// connections wait to do so (the oldest is closed for a new one), and they never count against
/// the cameras, which need no slot but their name; an authenticated node silent for
/// ``Limits/idleTimeout`` is closed; lines about unauthenticated connections are rate-limited.
///
/// Pure: no I/O, no clock, no randomness. Connection nonces and the time are passed in; durations
/// are measured on the monotonic clock.
public struct CoordinatorEndpoint: Sendable {
    /// What the transport must do, in order.
    public enum Output: Hashable, Sendable {
        /// Write these bytes on connection `id`.
        case write(ConnectionID, [UInt8])
        /// Close connection `id` (after writing the bytes above). The endpoint has already
        /// forgotten it; its later `closed` event is ignored.
        case close(ConnectionID)
        case log(String)
        /// The session is over (at most once).
        case finished(CoordinatorCore.Summary)
        /// Keep this record of the session (atomically): a restarted coordinator reads it to know
        /// which running session it may adopt.
        case persist(CoordinatorCore.SessionRecord)
    }

    public struct Limits: Hashable, Sendable {
        /// From accepting a connection to its authenticated HELLO.
        public var handshakeTimeout: TimeSpan
        /// The longest an authenticated node may send nothing (it sends STATUS twice a second).
        public var idleTimeout: TimeSpan
        /// How often every authenticated node hears HEARTBEAT.
        public var heartbeatInterval: TimeSpan
        /// Connections accepted but not yet authenticated.
        public var maximumUnauthenticated: Int
        public init(handshakeTimeout: TimeSpan = .seconds(5), idleTimeout: TimeSpan = .seconds(10),
                    heartbeatInterval: TimeSpan = .seconds(1), maximumUnauthenticated: Int = 64) {
            self.handshakeTimeout = handshakeTimeout
            self.idleTimeout = idleTimeout
            self.heartbeatInterval = heartbeatInterval
            self.maximumUnauthenticated = maximumUnauthenticated
        }
    }

    private struct Peer: Sendable {
        var connection: ControlConnection
        /// The transport's description of the peer (an address).
        var address: String
        /// The camera name its authenticated HELLO gave.
        var name: String?
        var lastFrameAt: MonotonicInstant
        /// How the log names the peer.
        var label: String { name.map { "\($0) (\(address))" } ?? address }
    }

    /// The session's decisions so far (phase, START, stop index); read-only.
    public private(set) var core: CoordinatorCore
    /// After STOP, how long (beyond the stop margin) to wait for every node to report its run
    /// finished before ending without them; nil waits for as long as it takes.
    public var finishTimeout: TimeSpan?
    public let limits: Limits
    private let key: RigKey
    private var peers: [ConnectionID: Peer] = [:]
    /// Unauthenticated connections, oldest first (the limits on them shared with the ingest).
    private var waiting: PendingHandshakes<ConnectionID>
    private var rejections = RejectionLog()
    private var startAcks = StartAcknowledgements()
    /// True while the tick that may decide START runs: the STARTs it frames are timed.
    private var timingStart = false
    private var stopRequestedAt: MonotonicInstant?
    private var lastHeartbeatAt: MonotonicInstant?
    private var hasFinished = false
    /// The latest monotonic time the transport passed in (for the rejection summary at the end).
    private var latest = MonotonicInstant(nanoseconds: 0)

    public init(configuration: CoordinatorCore.Configuration, key: RigKey, sessionID: UInt64, finishTimeout: TimeSpan? = nil,
                limits: Limits = .init()) {
        self.core = CoordinatorCore(configuration: configuration, sessionID: sessionID)
        self.key = key
        self.finishTimeout = finishTimeout
        self.limits = limits
        self.waiting = PendingHandshakes(capacity: limits.maximumUnauthenticated, timeout: limits.handshakeTimeout)
    }

    /// Connections accepted and not yet authenticated.
    public var unauthenticatedCount: Int { waiting.count }

    /// A node connected as `id` at monotonic time `now`: returns the CHALLENGE to write. `nonce` is
    /// the connection's fresh random nonce (non-zero); `peer` names it in the log (an address).
    public mutating func accepted(_ id: ConnectionID, nonce: UInt64, peer: String, at now: MonotonicInstant) -> [Output] {
        latest = now
        var outputs: [Output] = []
        for oldest in waiting.admit(id, at: now) {
            outputs += reject(oldest, reason: "evicted", "closed \(peers[oldest]?.address ?? "?"): \(waiting.capacity) connections waiting to authenticate, the oldest makes room", at: now)
        }
        var connection = ControlConnection(role: .coordinator, key: key, localNonce: nonce)
        let challenge = connection.encode(.challenge(nonce: nonce), sessionID: core.sessionID).bytes
        peers[id] = Peer(connection: connection, address: peer, lastFrameAt: now)
        return outputs + [.write(id, challenge)]
    }

    /// Bytes arrived on connection `id` at monotonic time `now`.
    public mutating func received(_ id: ConnectionID, _ bytes: some Collection<UInt8>, at now: MonotonicInstant) -> [Output] {
        latest = now
        guard let inbound = peers[id]?.connection.receive(bytes) else { return [] }
        var outputs: [Output] = []
        // Stops at the first message that closes the connection.
        for item in inbound where peers[id] != nil {
            switch item {
            case .violation(let error): outputs += refuse(id, error, at: now)
            case .message(let message, let sessionID, _):
                peers[id]?.lastFrameAt = now
                outputs += handle(message, sessionID: sessionID, from: id, at: now)
            }
        }
        return outputs
    }

    /// Connection `id` is gone (the node closed it, or it broke).
    public mutating func closed(_ id: ConnectionID) -> [Output] {
        forget(id)
    }

    /// Time passes: START once enough nodes are ready; at T0 the late-ACK report and the START→ACK
    /// line (unless every ACK came first); heartbeats; the handshake and idle timeouts; the finish
    /// timeout.
    public mutating func tick(now: ClockSample) -> [Output] {
        let mono = now.monotonic
        latest = mono
        timingStart = core.phase == .waiting
        var outputs = perform(core.handle(.tick(now: now.realtime)))
        timingStart = false
        if let start = core.start, now.realtime.nanosecondsSinceEpoch >= start.t0Ns, let line = startAcks.t0Reached() {
            outputs.append(.log(line))
        }
        for id in waiting.expired(at: mono) {
            outputs += reject(id, reason: "handshake timeout", "closed \(peers[id]?.address ?? "?"): no authenticated HELLO within \(limits.handshakeTimeout)", at: mono)
        }
        // Ten ticks a second: sort only the (rare) idle connections, not every peer.
        let idle = peers.compactMap { id, peer in peer.name != nil && mono - peer.lastFrameAt >= limits.idleTimeout ? id : nil }
        for id in idle.sorted() {
            if let peer = peers[id] { outputs.append(.log("\(peer.label) sent nothing for \(limits.idleTimeout); closing its connection")) }
            outputs += close(id)
        }
        if lastHeartbeatAt.map({ mono - $0 >= limits.heartbeatInterval }) ?? true {
            lastHeartbeatAt = mono
            for id in peers.keys.sorted() where peers[id]?.name != nil {
                outputs += write(.heartbeat(sentAtNs: now.realtime.nanosecondsSinceEpoch), to: id)
            }
        }
        outputs += rejections.flush(at: mono).map(Output.log)
        if let finishTimeout, let stoppedAt = stopRequestedAt, !hasFinished, core.phase == .stopping,
           mono - stoppedAt > finishTimeout + core.configuration.stopMargin {
            let missing = core.unfinishedCameras
            outputs.append(.log("no report of a finished run within \(finishTimeout) of STOP from \(missing.joined(separator: ", ")); ending without them"))
            outputs += finish(core.summary)
        }
        return outputs
    }

    /// Ctrl-C or `genlock coordinator stop`: the common stop index, and STOP to every node.
    public mutating func stopRequested(now: ClockSample) -> [Output] {
        latest = now.monotonic
        if stopRequestedAt == nil { stopRequestedAt = now.monotonic }
        return perform(core.handle(.stopRequested(now: now.realtime)))
    }

    /// An operator's START (the dashboard); the core sends it only when nothing else holds it.
    public mutating func startRequested(now: ClockSample) -> [Output] {
        latest = now.monotonic
        // The operator's START is timed like one the tick decides (the START→ACK line).
        timingStart = core.phase == .waiting
        defer { timingStart = false }
        return perform(core.handle(.startRequested(now: now.realtime)))
    }

    private mutating func handle(_ message: ControlMessage, sessionID: UInt64, from id: ConnectionID, at now: MonotonicInstant) -> [Output] {
        switch message {
        case .hello(let hello) where peers[id]?.name == nil:
            // The connection accepts HELLO only as its first frame, authenticated over this
            // connection's CHALLENGE: the node is fresh.
            peers[id]?.name = hello.nodeName
            waiting.remove(id)
            return perform(core.handle(.hello(id, hello, sessionID: sessionID)))
        case .status(let status):
            return perform(core.handle(.status(id, status)))
        case .ack(let ack):
            var outputs = perform(core.handle(.ack(id, sequence: ack.sequence)))
            if let name = peers[id]?.name, core.hasAcknowledgedStart(name), let line = startAcks.acknowledged(by: name, at: now) {
                outputs.append(.log(line))
            }
            return outputs
        case .error(let error):
            return [.log("\(peers[id]?.label ?? "?") sent ERROR: \(error)")] + close(id)
        case .hello:
            return refuse(id, ControlError(.unexpected, "HELLO again on the same connection"), at: now)
        case .start, .stop, .challenge, .heartbeat:
            return refuse(id, ControlError(.unexpected, "a node does not send \(message.name)"), at: now)
        }
    }

    /// Logs why (rate-limited for a connection that never authenticated), answers with ERROR, closes.
    private mutating func refuse(_ id: ConnectionID, _ error: ControlError, at now: MonotonicInstant) -> [Output] {
        let line = "rejected connection from \(peers[id]?.label ?? "?"): \(error)"
        let log: [Output] = peers[id]?.name == nil
            ? rejections.note(reason: "\(error.code)", line: line, at: now).map(Output.log)
            : [.log(line)]
        return log + write(.error(error), to: id) + close(id)
    }

    /// Closes an unauthenticated connection, the log rate-limited.
    private mutating func reject(_ id: ConnectionID, reason: String, _ line: String, at now: MonotonicInstant) -> [Output] {
        rejections.note(reason: reason, line: line, at: now).map(Output.log) + close(id)
    }

    private mutating func close(_ id: ConnectionID) -> [Output] {
        guard peers[id] != nil else { return [] }
        return [.close(id)] + forget(id)
    }

    /// Drops the connection's state and tells the core the node is gone.
    private mutating func forget(_ id: ConnectionID) -> [Output] {
        waiting.remove(id)
        guard peers.removeValue(forKey: id) != nil else { return [] }
        return perform(core.handle(.disconnected(id)))
    }

    /// Frames `message` for connection `id` (nothing when it is gone), noting the sequence under
    /// which START went so its ACK can be matched.
    private mutating func write(_ message: ControlMessage, to id: ConnectionID) -> [Output] {
        guard var peer = peers[id] else { return [] }
        let (bytes, sequence) = peer.connection.encode(message, sessionID: core.sessionID)
        peers[id] = peer
        if case .start = message {
            core.sentStart(to: id, sequence: sequence)
            if timingStart, let name = peer.name { startAcks.sent(to: name, at: latest) }
        }
        return [.write(id, bytes)]
    }

    private mutating func finish(_ summary: CoordinatorCore.Summary) -> [Output] {
        guard !hasFinished else { return [] }
        hasFinished = true
        // What the rejection log still holds is said now: the process may end with the session.
        return rejections.flush(at: latest, force: true).map(Output.log) + [.finished(summary)]
    }

    private mutating func perform(_ actions: [CoordinatorCore.Action]) -> [Output] {
        var outputs: [Output] = []
        for action in actions {
            switch action {
            case .send(let id, let message): outputs += write(message, to: id)
            case .close(let id): outputs += close(id)
            case .displaced(let name, let old, let new):
                outputs.append(.log("\(name): the connection from \(peers[new]?.address ?? "?") displaced the live one from \(peers[old]?.address ?? "?")"))
                outputs += close(old)
            case .log(let text): outputs.append(.log(text))
            case .persist(let record): outputs.append(.persist(record))
            case .finished(let summary): outputs += finish(summary)
            }
        }
        return outputs
    }
}
