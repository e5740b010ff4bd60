import GenlockControl
import GenlockCore
import NIOCore
import NIOPosix

/// The camera node's connection to the coordinator over TCP: connects, moves bytes between the
/// socket and ``NodeEndpoint`` (which owns the protocol and its handshake and silence timeouts),
/// ticks it twice a second, and reconnects on ``ReconnectBackoff``'s schedule whenever the
/// connection is lost. Everything runs on one event loop, so no locks.
public final class NodeClient: @unchecked Sendable {
    /// What the node application is told, on the client's event loop.
    public enum Event: Sendable {
        /// The coordinator authenticated itself on a new connection (its ACK of HELLO).
        case connected
        /// An authenticated frame arrived (the coordinator's realtime when it is a HEARTBEAT).
        case heard(coordinatorTime: RealtimeInstant?)
        /// A connection attempt failed, or the connection was lost or closed; reconnecting.
        case disconnected(reason: String)
        /// START named the coordinator's ingest (just before ``begin(_:)``).
        case ingestNamed(HostPort)
        case begin(StartPlan)
        case stop(Int64)
    }

    private let group: any EventLoopGroup
    private let loop: EventLoop
    private let host: String
    private let port: Int
    private let makeHello: @Sendable () -> ControlMessage.Hello
    private let onEvent: @Sendable (Event) -> Void
    private let monotonicNow: @Sendable () -> MonotonicInstant
    // Confined to `loop`.
    private var endpoint: NodeEndpoint
    private var channel: Channel?
    /// Why this side is closing the current connection, reported once it has gone.
    private var closing: NodeEndpoint.CloseReason?
    private var backoff = ReconnectBackoff()
    private var shuttingDown = false

    /// `monotonicNow` reads the monotonic clock, on which the endpoint's timeouts run.
    public convenience init(host: String, port: Int, key: RigKey, configuration: NodeEndpoint.Configuration = .init(),
                            monotonicNow: @escaping @Sendable () -> MonotonicInstant,
                            hello: @escaping @Sendable () -> ControlMessage.Hello, onEvent: @escaping @Sendable (Event) -> Void) {
        self.init(group: MultiThreadedEventLoopGroup(numberOfThreads: 1), host: host, port: port, key: key, configuration: configuration,
                  monotonicNow: monotonicNow, hello: hello, onEvent: onEvent)
    }

    /// A client on `group`'s next loop (tests pass an `EmbeddedEventLoop` and attach channels themselves).
    init(group: any EventLoopGroup, host: String, port: Int, key: RigKey, configuration: NodeEndpoint.Configuration = .init(),
         monotonicNow: @escaping @Sendable () -> MonotonicInstant,
         hello: @escaping @Sendable () -> ControlMessage.Hello, onEvent: @escaping @Sendable (Event) -> Void) {
        self.group = group
        self.loop = group.next()
        self.host = host
        self.port = port
        self.endpoint = NodeEndpoint(key: key, configuration: configuration)
        self.monotonicNow = monotonicNow
        self.makeHello = hello
        self.onEvent = onEvent
    }

    /// Starts connecting (and reconnecting) in the background, and the endpoint's ticks.
    public func start() {
        loop.execute { [self] in connect() }
        loop.scheduleRepeatedTask(initialDelay: .milliseconds(500), delay: .milliseconds(500)) { [self] _ in
            guard let channel else { return }
            perform(endpoint.tick(now: monotonicNow()), on: channel)
        }
    }

    /// Sends STATUS when connected and authenticated (dropped otherwise: the next one will carry
    /// the news). The future completes once it was written, or at once when it was dropped.
    @discardableResult
    public func send(status: ControlMessage.Status) -> EventLoopFuture<Void> {
        loop.flatSubmit { [self] in
            guard let channel, let bytes = endpoint.status(status) else { return loop.makeSucceededVoidFuture() }
            return channel.send(bytes)
        }
    }

    /// The session's run ended.
    public func captureFinished() { loop.execute { [self] in endpoint.captureFinished() } }

    /// Closes the connection and stops reconnecting.
    public func shutdown() {
        try? loop.submit { [self] in
            shuttingDown = true
            channel?.close(promise: nil)
        }.wait()
        try? group.syncShutdownGracefully()
    }

    /// Puts the protocol on `channel`, before it becomes active.
    func attach(to channel: Channel) throws {
        try channel.pipeline.syncOperations.addHandler(ByteStreamHandler(
            onActive: { [self] in opened($0) },
            onBytes: { [self] in received($0, $1) },
            onInactive: { [self] _ in closed() }))
    }

    private func connect() {
        guard !shuttingDown else { return }
        ClientBootstrap(group: group)
            .channelOption(.tcpUserTimeout, value: ControlTransport.userTimeoutMs)
            .connectTimeout(.seconds(2))
            .channelInitializer { [self] channel in channel.eventLoop.makeCompletedFuture { try attach(to: channel) } }
            .connect(host: host, port: port)
            .whenFailure { [self] error in retry("cannot connect to \(host):\(port): \(error)") }
    }

    private func retry(_ reason: String) {
        guard !shuttingDown else { return }
        onEvent(.disconnected(reason: reason))
        let delay = backoff.nextDelay()
        loop.scheduleTask(in: .nanoseconds(delay.nanoseconds)) { [self] in connect() }
    }

    private func opened(_ channel: Channel) {
        self.channel = channel
        // The coordinator speaks first (CHALLENGE); the HELLO answers it.
        endpoint.connectionOpened(nonce: UInt64.random(in: 1...UInt64.max), hello: makeHello(), at: monotonicNow())
    }

    private func received(_ channel: Channel, _ bytes: [UInt8]) {
        perform(endpoint.received(bytes, at: monotonicNow()), on: channel)
    }

    private func perform(_ outputs: [NodeEndpoint.Output], on channel: Channel) {
        for output in outputs {
            switch output {
            case .write(let bytes): channel.send(bytes).whenFailure { _ in }
            case .authenticated:
                // Only an authenticated coordinator resets the backoff: something that accepts TCP
                // and closes at once must not make the node redial at full speed.
                backoff.reset()
                onEvent(.connected)
            case .heard(let time): onEvent(.heard(coordinatorTime: time))
            case .ingestNamed(let address): onEvent(.ingestNamed(address))
            case .beginCapture(let plan): onEvent(.begin(plan))
            case .stopCapture(let index): onEvent(.stop(index))
            case .close(let reason):
                closing = reason
                channel.close(promise: nil)
            }
        }
    }

    private func closed() {
        channel = nil
        endpoint.connectionClosed()
        let reason = closing?.description ?? "connection closed"
        closing = nil
        retry(reason)
    }
}
