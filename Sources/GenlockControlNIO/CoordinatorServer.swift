import GenlockControl
import GenlockCore
import NIOCore
import NIOPosix

/// The coordinator over TCP: listens, runs ``CoordinatorCore`` on a single event loop (so no
/// locks), and ticks it a few times a second.
public final class CoordinatorServer: @unchecked Sendable {
    public typealias Log = @Sendable (String) -> Void

    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let loop: EventLoop
    private let key: RigKey
    private let log: Log
    private let now: @Sendable () -> RealtimeInstant
    // Confined to `loop`.
    private var core: CoordinatorCore
    private var connections: [ConnectionID: (channel: Channel, protocol: ControlConnection)] = [:]
    private var nextID: ConnectionID = 1
    private var stopRequestedAt: RealtimeInstant?
    private let done: EventLoopPromise<CoordinatorCore.Summary>
    private var server: Channel?
    private var isFinished = false
    /// How long after STOP to wait for nodes to report their run finished.
    public var finishTimeout: TimeSpan = .seconds(15)

    public init(configuration: CoordinatorCore.Configuration, key: RigKey, sessionID: UInt64,
                now: @escaping @Sendable () -> RealtimeInstant, log: @escaping Log) {
        self.loop = group.next()
        self.key = key
        self.log = log
        self.now = now
        self.core = CoordinatorCore(configuration: configuration, sessionID: sessionID)
        self.rate = configuration.rate
        self.done = loop.makePromise()
    }

    /// Binds the listening socket; returns the bound port (useful with port 0).
    public func bind(host: String, port: Int) throws -> Int {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpUserTimeout, value: ControlTransport.userTimeoutMs)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteStreamHandler(
                        onActive: { [self] in accepted($0) },
                        onBytes: { [self] in received($0, $1) },
                        onInactive: { [self] in closed($0) }))
                }
            }
        let channel = try bootstrap.bind(host: host, port: port).wait()
        server = channel
        loop.scheduleRepeatedTask(initialDelay: .milliseconds(50), delay: .milliseconds(100)) { [self] _ in tick() }
        return channel.localAddress?.port ?? port
    }

    /// Blocks until the session has finished (all nodes done after STOP, or the timeout).
    public func waitUntilFinished() throws -> CoordinatorCore.Summary {
        let summary = try done.futureResult.wait()
        try? server?.close().wait()
        try? group.syncShutdownGracefully()
        return summary
    }

    /// T0 once START has been sent (readable from any thread).
    public var startedAt: RealtimeInstant? {
        try? loop.submit { [self] in core.start.map { RealtimeInstant(nanosecondsSinceEpoch: $0.t0Ns) } }.wait()
    }

    /// The configured frame rate.
    public let rate: FrameRate?

    /// Ctrl-C or `genlock coordinator stop`: pick the common stop index and send STOP.
    public func requestStop() {
        loop.execute { [self] in
            let t = now()
            if stopRequestedAt == nil { stopRequestedAt = t }
            perform(core.handle(.stopRequested(now: t)))
        }
    }

    private var connectionIDs: [ObjectIdentifier: ConnectionID] = [:]

    private func accepted(_ channel: Channel) {
        let id = nextID
        nextID += 1
        connectionIDs[ObjectIdentifier(channel)] = id
        connections[id] = (channel, ControlConnection(role: .coordinator, key: key, localNonce: UInt64.random(in: 1...UInt64.max)))
    }

    private func received(_ channel: Channel, _ bytes: [UInt8]) {
        guard let id = connectionIDs[ObjectIdentifier(channel)], var entry = connections[id] else { return }
        let inbound = entry.protocol.receive(bytes)
        connections[id] = entry
        for item in inbound {
            switch item {
            case .violation(let error):
                log("rejected connection from \(channel.remoteAddress?.description ?? "?"): \(error)")
                send(id, .error(error))
                channel.close(promise: nil)
                return
            case .message(let message, _, let sequence):
                switch message {
                case .hello(let hello): perform(core.handle(.hello(id, hello)))
                case .status(let status): perform(core.handle(.status(id, status)))
                case .ack(let ack): perform(core.handle(.ack(id, sequence: ack.sequence)))
                case .error(let error):
                    log("node error: \(error)")
                    channel.close(promise: nil)
                case .start, .stop:
                    let error = ControlError(.unexpected, "a node does not send \(message.name)")
                    log("rejected connection: \(error)")
                    send(id, .error(error))
                    channel.close(promise: nil)
                }
                _ = sequence
            }
        }
    }

    private func closed(_ channel: Channel) {
        guard let id = connectionIDs.removeValue(forKey: ObjectIdentifier(channel)) else { return }
        connections[id] = nil
        perform(core.handle(.disconnected(id)))
    }

    private func tick() {
        let t = now()
        perform(core.handle(.tick(now: t)))
        if let stoppedAt = stopRequestedAt, core.phase == .stopping, t - stoppedAt > finishTimeout + core.configuration.stopMargin {
            log("nodes did not all report finished within \(finishTimeout) of STOP; ending")
            finish(CoordinatorCore.Summary(start: core.start, stopIndex: core.stopIndex, nodes: [:]))
        }
    }

    private func finish(_ summary: CoordinatorCore.Summary) {
        guard !isFinished else { return }
        isFinished = true
        done.succeed(summary)
    }

    @discardableResult
    private func send(_ id: ConnectionID, _ message: ControlMessage) -> UInt64? {
        guard var entry = connections[id] else { return nil }
        let message = entry.protocol.completingHelloAck(message)
        let (bytes, sequence) = entry.protocol.encode(message, sessionID: core.sessionID)
        connections[id] = entry
        entry.channel.send(bytes).whenFailure { _ in }
        return sequence
    }

    private func perform(_ actions: [CoordinatorCore.Action]) {
        for action in actions {
            switch action {
            case .send(let id, let message):
                let sequence = send(id, message)
                if case .start = message, let sequence { core.sentStart(to: id, sequence: sequence) }
            case .close(let id):
                connections[id]?.channel.close(promise: nil)
            case .log(let text):
                log(text)
            case .finished(let summary):
                finish(summary)
            }
        }
    }
}
