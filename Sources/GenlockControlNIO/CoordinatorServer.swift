import Dispatch
import GenlockControl
import GenlockCore
import Glibc
import NIOCore
import NIOPosix
import Synchronization

/// The coordinator over TCP: listens, moves bytes between each node's socket and
/// ``CoordinatorEndpoint`` (which owns the protocol and its limits), and ticks it ten times a
/// second. Everything runs on one event loop, so no locks. When `accept` fails for want of file
/// descriptors (EMFILE, ENFILE) it stops polling the listening socket for 100 ms instead of spinning
/// (``AcceptPause``), and says so once a tick with the count of failed accepts.
public final class CoordinatorServer: @unchecked Sendable {
    public typealias Log = @Sendable (String) -> Void

    private let group: any EventLoopGroup
    private let loop: EventLoop
    private let log: Log
    private let now: @Sendable () -> ClockSample
    // Confined to `loop`.
    private var acceptFailures: [String: Int] = [:]
    /// Pauses ``AcceptPause`` began since the last tick's line.
    private var acceptPauses = 0
    private var endpoint: CoordinatorEndpoint
    private var channels: [ConnectionID: Channel] = [:]
    private var connectionIDs: [ObjectIdentifier: ConnectionID] = [:]
    private var nextID: ConnectionID = 1
    private let done: EventLoopPromise<CoordinatorCore.Summary>
    private var server: Channel?
    /// How long after STOP (beyond the stop margin) to wait for nodes to report their run
    /// finished. Set before ``bind(host:port:)``.
    public var finishTimeout: TimeSpan = .seconds(15)
    /// Keeps the session's record (when START is sent or adopted, the stop index chosen, the
    /// session finished). Set before ``bind(host:port:)``. Called in order on a queue of its own,
    /// never on the event loop: an fsync on a busy disk took 50–350 ms here, and START waited for it
    /// (the nodes' START→ACK with it). A coordinator killed before the record lands restarts without
    /// it and adopts the nodes' session as "not on record".
    public var persist: @Sendable (CoordinatorCore.SessionRecord) -> Void = { _ in }
    private let persistQueue = DispatchQueue(label: "genlock.coordinator.persist")

    /// `now` samples the clock pair: realtime for START and STOP, monotonic for every duration.
    public convenience init(configuration: CoordinatorCore.Configuration, key: RigKey, sessionID: UInt64,
                            limits: CoordinatorEndpoint.Limits = .init(),
                            now: @escaping @Sendable () -> ClockSample, log: @escaping Log) {
        self.init(group: MultiThreadedEventLoopGroup(numberOfThreads: 1), configuration: configuration, key: key,
                  sessionID: sessionID, limits: limits, now: now, log: log)
    }

    /// A server on `group`'s next loop (tests pass an `EmbeddedEventLoop` and attach channels themselves).
    init(group: any EventLoopGroup, configuration: CoordinatorCore.Configuration, key: RigKey, sessionID: UInt64,
         limits: CoordinatorEndpoint.Limits = .init(),
         now: @escaping @Sendable () -> ClockSample, log: @escaping Log) {
        self.group = group
        self.loop = group.next()
        self.log = log
        self.now = now
        self.endpoint = CoordinatorEndpoint(configuration: configuration, key: key, sessionID: sessionID, limits: limits)
        self.rate = configuration.rate
        self.done = loop.makePromise()
    }

    /// Binds the listening socket; returns the bound port (useful with port 0).
    public func bind(host: String, port: Int) throws -> Int {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        AcceptPause(pause: .milliseconds(100)) { [self] error, paused in acceptFailed(error, paused: paused) })
                }
            }
            .childChannelOption(.tcpUserTimeout, value: ControlTransport.userTimeoutMs)
            .childChannelInitializer { [self] channel in channel.eventLoop.makeCompletedFuture { try attach(to: channel) } }
        let channel = try bootstrap.bind(host: host, port: port).wait()
        server = channel
        startTicking()
        return channel.localAddress?.port ?? port
    }

    /// Blocks until the session has finished (all nodes done after STOP, or the timeout).
    public func waitUntilFinished() throws -> CoordinatorCore.Summary {
        let summary = try finished.wait()
        persistQueue.sync {}  // the last record (finished) is on disk before the caller exits
        try? server?.close().wait()
        shutDown.withLock { $0 = true }
        try? group.syncShutdownGracefully()
        return summary
    }

    /// Set once the loop is being shut down: a late START or STOP (a signal, a watcher) is then
    /// dropped instead of handed to a loop that no longer runs.
    private let shutDown = Mutex(false)

    /// Runs `body` on the loop unless it is shut down.
    private func onLoop(_ body: @escaping @Sendable () -> Void) {
        shutDown.withLock { down in if !down { loop.execute(body) } }
    }

    /// `body`'s answer from the loop, or nil once it is shut down (waited for outside the lock).
    private func submitted<T: Sendable>(_ body: @escaping @Sendable () -> T) -> EventLoopFuture<T>? {
        shutDown.withLock { down in down ? nil : loop.submit(body) }
    }

    /// T0 once START has been sent (readable from any thread).
    public var startedAt: RealtimeInstant? {
        (try? submitted { [self] in endpoint.core.start.map { RealtimeInstant(nanosecondsSinceEpoch: $0.t0Ns) } }?.wait()) ?? nil
    }

    /// Connections accepted and not yet authenticated (readable from any thread).
    public var unauthenticatedConnections: Int {
        (try? submitted { [self] in endpoint.unauthenticatedCount }?.wait()) ?? 0
    }

    /// The configured frame rate.
    public let rate: FrameRate?

    /// Called on the event loop with the coordinator's state on every 100 ms tick, after an
    /// operator's START or STOP and when the session finishes: the dashboard's feed. Not after
    /// every STATUS or ACK: the observer keeps a reference to the core's storage, so the next
    /// mutation copies every node's record, and that must not happen per message under load.
    /// It must return at once (copy, never wait); set before ``bind(host:port:)``.
    public var observe: @Sendable (CoordinatorCore) -> Void = { _ in }

    /// An operator's START (the dashboard): sent when nothing holds it (see `startOnRequest`).
    public func requestStart() {
        onLoop { [self] in perform(endpoint.startRequested(now: now()), observing: true) }
    }

    /// Ctrl-C or `genlock coordinator stop`: pick the common stop index and send STOP.
    public func requestStop() {
        onLoop { [self] in perform(endpoint.stopRequested(now: now()), observing: true) }
    }

    /// The session's summary, once it has finished.
    var finished: EventLoopFuture<CoordinatorCore.Summary> { done.futureResult }

    /// Puts the protocol on an accepted `channel`, before it becomes active.
    func attach(to channel: Channel) throws {
        try channel.pipeline.syncOperations.addHandler(ByteStreamHandler(
            onActive: { [self] in accepted($0) },
            onBytes: { [self] in received($0, $1) },
            onInactive: { [self] in closed($0) }))
    }

    /// Ticks the endpoint every 100 ms (START, the late-ACK report, the finish timeout).
    func startTicking() {
        let timeout = finishTimeout
        loop.execute { [self] in endpoint.finishTimeout = timeout }
        loop.scheduleRepeatedTask(initialDelay: .milliseconds(50), delay: .milliseconds(100)) { [self] _ in
            perform(endpoint.tick(now: now()), observing: true)
            if !acceptFailures.isEmpty {
                let text = acceptFailures.sorted { $0.key < $1.key }.map { "\($0.value)× \($0.key)" }.joined(separator: ", ")
                let pauses = acceptPauses
                acceptFailures = [:]
                acceptPauses = 0
                log("accept failed (\(text)); paused accepting \(pauses)× for 100 ms")
            }
        }
    }

    /// `accept` failed (on the loop; ``AcceptPause`` stops polling the listening socket for 100 ms):
    /// counted by reason, and said once a tick.
    private func acceptFailed(_ error: IOError, paused: Bool) {
        if paused { acceptPauses += 1 }
        let reason = error.errnoCode == EMFILE ? "EMFILE" : error.errnoCode == ENFILE ? "ENFILE" : "errno \(error.errnoCode)"
        acceptFailures[reason, default: 0] += 1
    }

    private func accepted(_ channel: Channel) {
        let id = nextID
        nextID += 1
        connectionIDs[ObjectIdentifier(channel)] = id
        channels[id] = channel
        perform(endpoint.accepted(
            id, nonce: UInt64.random(in: 1...UInt64.max), peer: channel.remoteAddress?.description ?? "connection \(id)", at: now().monotonic))
    }

    private func received(_ channel: Channel, _ bytes: [UInt8]) {
        guard let id = connectionIDs[ObjectIdentifier(channel)] else { return }
        perform(endpoint.received(id, bytes, at: now().monotonic))
    }

    private func closed(_ channel: Channel) {
        guard let id = connectionIDs.removeValue(forKey: ObjectIdentifier(channel)) else { return }
        channels[id] = nil
        perform(endpoint.closed(id))
    }

    private func perform(_ outputs: [CoordinatorEndpoint.Output], observing: Bool = false) {
        var observing = observing
        defer { if observing { observe(endpoint.core) } }
        for output in outputs {
            switch output {
            case .write(let id, let bytes): channels[id]?.send(bytes).whenFailure { _ in }
            case .close(let id): channels[id]?.close(promise: nil)
            case .log(let text): log(text)
            case .persist(let record):
                let persist = persist
                persistQueue.async { persist(record) }
            case .finished(let summary):
                observing = true
                done.succeed(summary)
            }
        }
    }
}
