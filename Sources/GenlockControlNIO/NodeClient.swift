import GenlockControl
import GenlockCore
import NIOCore
import NIOPosix

/// The camera node's connection to the coordinator: connects, says HELLO, runs ``NodeControl``,
/// and reconnects with backoff (100 ms doubling to 2 s) whenever the connection is lost.
public final class NodeClient: @unchecked Sendable {
    /// What the node application is told, on the client's event loop.
    public enum Event: Sendable {
        case connected
        case disconnected(reason: String)
        case begin(StartPlan)
        case stop(Int64)
    }

    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let loop: EventLoop
    private let host: String
    private let port: Int
    private let key: RigKey
    private let makeHello: @Sendable () -> ControlMessage.Hello
    private let onEvent: @Sendable (Event) -> Void
    // Confined to `loop`.
    private var control = NodeControl()
    private var connection: ControlConnection?
    private var channel: Channel?
    private var backoff = ReconnectBackoff()
    private var shuttingDown = false

    public init(host: String, port: Int, key: RigKey, hello: @escaping @Sendable () -> ControlMessage.Hello,
                onEvent: @escaping @Sendable (Event) -> Void) {
        self.loop = group.next()
        self.host = host
        self.port = port
        self.key = key
        self.makeHello = hello
        self.onEvent = onEvent
    }

    /// Starts connecting (and reconnecting) in the background.
    public func start() { loop.execute { [self] in connect() } }

    /// Sends STATUS when connected (dropped otherwise: the next one will carry the news).
    /// The future completes once it was written, or at once when not connected.
    @discardableResult
    public func send(status: ControlMessage.Status) -> EventLoopFuture<Void> {
        loop.flatSubmit { [self] in
            guard let channel, var c = connection, c.peerNonce != 0 else { return loop.makeSucceededVoidFuture() }
            let (bytes, _) = c.encode(.status(status), sessionID: control.sessionID)
            connection = c
            return channel.send(bytes)
        }
    }

    /// The session's run ended.
    public func captureFinished() { loop.execute { [self] in control.captureFinished() } }

    /// Closes the connection and stops reconnecting.
    public func shutdown() {
        try? loop.submit { [self] in
            shuttingDown = true
            channel?.close(promise: nil)
        }.wait()
        try? group.syncShutdownGracefully()
    }

    private func connect() {
        guard !shuttingDown else { return }
        ClientBootstrap(group: group)
            .channelOption(.tcpUserTimeout, value: ControlTransport.userTimeoutMs)
            .connectTimeout(.seconds(2))
            .channelInitializer { [self] ch in
                ch.eventLoop.makeCompletedFuture {
                    try ch.pipeline.syncOperations.addHandler(ByteStreamHandler(
                        onActive: { [self] in opened($0) },
                        onBytes: { [self] in received($0, $1) },
                        onInactive: { [self] _ in lost("connection closed") }))
                }
            }
            .connect(host: host, port: port)
            .whenFailure { [self] error in retry("cannot connect to \(host):\(port): \(error)") }
    }

    private func retry(_ reason: String) {
        guard !shuttingDown else { return }
        onEvent(.disconnected(reason: reason))
        let delay = backoff.nextDelay()
        loop.scheduleTask(in: .nanoseconds(delay.nanoseconds)) { [self] in connect() }
    }

    private func opened(_ ch: Channel) {
        channel = ch
        backoff.reset()
        control.connectionOpened()
        var c = ControlConnection(role: .node, key: key, localNonce: UInt64.random(in: 1...UInt64.max))
        var hello = makeHello()
        hello.nonce = c.localNonce
        let (bytes, _) = c.encode(.hello(hello), sessionID: control.sessionID)
        connection = c
        ch.send(bytes).whenFailure { _ in }
        onEvent(.connected)
    }

    private func received(_ ch: Channel, _ bytes: [UInt8]) {
        guard var c = connection else { return }
        let inbound = c.receive(bytes)
        connection = c
        for item in inbound {
            switch item {
            case .violation(let error):
                write(.error(error))
                ch.close(promise: nil)
                onEvent(.disconnected(reason: "rejected the coordinator's frame: \(error)"))
                return
            case .message(let message, let session, let sequence):
                for action in control.received(message, sessionID: session, sequence: sequence) {
                    switch action {
                    case .send(let m): write(m)
                    case .usePeerNonce(let n): connection?.learnPeerNonce(n)
                    case .beginCapture(let plan): onEvent(.begin(plan))
                    case .stopCapture(let index): onEvent(.stop(index))
                    case .close:
                        if case .error(let e) = message { onEvent(.disconnected(reason: "coordinator error: \(e)")) }
                        ch.close(promise: nil)
                    }
                }
            }
        }
    }

    private func write(_ message: ControlMessage) {
        guard let ch = channel, var c = connection else { return }
        let (bytes, _) = c.encode(message, sessionID: control.sessionID)
        connection = c
        ch.send(bytes).whenFailure { _ in }
    }

    private func lost(_ reason: String) {
        channel = nil
        connection = nil
        retry(reason)
    }
}
