import Foundation
import GenlockCore
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The coordinator's HTTP server: the dashboard page and its script (package resources), its
/// WebSocket feed, START/STOP, the previews, the session's HIL report and `/metrics`. It runs on
/// its own tasks and on an event loop of its own, made when the server is (never lazily: an event
/// loop made while a flood holds every descriptor traps the process); the coordinator waits for it
/// only briefly at launch, and when it fails (the port taken, say) the coordinator goes on without it.
public final class DashboardServer: Sendable {
    public struct Options: Sendable {
        public var host: String
        public var port: Int
        /// Required on every request when set (``AccessPolicy``). Set it whenever `host` is not loopback.
        public var token: String?
        /// Requests a second (all clients together) and the burst allowed above it.
        public var requestsPerSecond = 50
        public var burst = 100
        /// Request bodies above this are refused (START and STOP carry none).
        public var maximumBodyBytes = 4096
        /// Open connections at most (WebSockets included).
        public var maximumConnections = 64
        /// WebSocket clients at most.
        public var maximumWebSocketClients = 16
        /// How often the state is pushed.
        public var publishInterval: Duration = .milliseconds(500)
        /// A connection's first request head must arrive within this (``ConnectionDeadline``).
        public var requestHeadTimeout: Duration = .seconds(10)
        /// A connection that sends nothing for this long is closed.
        public var idleTimeout: Duration = .seconds(30)

        public init(host: String, port: Int, token: String?) {
            self.host = host
            self.port = port
            self.token = token
        }
    }

    public let options: Options
    public let hub: DashboardHub
    public let metrics: RigMetrics
    private let bucket: Mutex<TokenBucket>
    /// START and STOP have a bucket of their own, so no flood of page requests (by anyone who
    /// may make them) can keep the operator from stopping the rig.
    private let actionBucket = Mutex(TokenBucket(ratePerSecond: 5, burst: 10))
    private let monotonicNs: @Sendable () -> Int64
    private let task = Mutex<Task<Void, any Error>?>(nil)
    private let log: @Sendable (String) -> Void
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// `monotonicNs`: the monotonic clock (the rate limit's time); `log`: the host's log lines.
    public init(options: Options, hub: DashboardHub, metrics: RigMetrics = RigMetrics(),
                monotonicNs: @escaping @Sendable () -> Int64, log: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.hub = hub
        self.metrics = metrics
        self.monotonicNs = monotonicNs
        self.log = log
        bucket = Mutex(TokenBucket(ratePerSecond: options.requestsPerSecond, burst: options.burst))
    }

    /// Starts serving; returns the bound port once listening (useful with port 0), or throws why not.
    public func start() async throws -> Int {
        let page = try WebAssets.load()
        let policy = AccessPolicy(token: options.token)
        let router = Router()
        router.middlewares.add(GuardMiddleware(server: self, policy: policy))
        Routes.add(to: router, server: self, page: page)
        let bound = AsyncStream<Int>.makeStream()
        let ws = WebSocketFeed(hub: hub, policy: policy, maximumClients: options.maximumWebSocketClients)
        var logger = Logger(label: "genlock.dashboard")
        logger.logLevel = .warning
        let app = Application(
            router: router,
            server: HTTPServerBuilder { [options] responder in
                DeadlinedChannel(
                    inner: HTTP1WebSocketUpgradeChannel(
                        responder: responder,
                        configuration: .init(
                            // Idle HTTP connections are closed; headers are bounded to 16 KiB.
                            http1: .init(idleTimeout: Self.amount(options.idleTimeout), httpDecoderConfiguration: .init(maxHeaderFieldSize: 8192, maxHeaderListSize: 16384, maxHeaderFieldCount: 64)),
                            ws: WebSocketServerConfiguration(maxFrameSize: 1 << 16, autoPing: .enabled(timePeriod: .seconds(10)), closeTimeout: .seconds(2))),
                        shouldUpgrade: { request, channel, _ in ws.shouldUpgrade(request, channel: channel) }),
                    headTimeout: Self.amount(options.requestHeadTimeout), idleTimeout: Self.amount(options.idleTimeout))
            },
            configuration: .init(
                address: .hostname(options.host, port: options.port), serverName: "genlock",
                availableConnectionsDelegate: MaximumAvailableConnections(options.maximumConnections)),
            onServerRunning: { channel in
                bound.continuation.yield(channel.localAddress?.port ?? 0)
                bound.continuation.finish()
            },
            eventLoopGroupProvider: .shared(group),
            logger: logger)
        let interval = options.publishInterval
        let hub = self.hub, metrics = self.metrics
        let running = Task(executorPreference: DashboardExecutor(label: "genlock.dashboard")) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        hub.publish()
                        if let snapshot = hub.latestSnapshot { metrics.update(snapshot) }
                        try await Task.sleep(for: interval)
                    }
                }
                group.addTask { try await app.run() }
                defer { bound.continuation.finish() }
                try await group.next()
                group.cancelAll()
            }
        }
        task.withLock { $0 = running }
        for await port in bound.stream { return port }
        // The server ended before listening: its error says why.
        _ = try await running.value
        throw DashboardError("the HTTP server ended before listening on \(options.host):\(options.port)")
    }

    /// NIO's time for a Swift duration.
    static func amount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// Stops serving (WebSocket clients are closed).
    public func stop() {
        task.withLock { $0?.cancel() }
    }

    deinit { group.shutdownGracefully { _ in } }

    /// Takes one request's worth of the rate limit (an action's from the actions' own bucket).
    func admit(action: Bool = false) -> Bool {
        let now = monotonicNs()
        if action { return actionBucket.withLock { $0.take(nowNs: now) } }
        return bucket.withLock { $0.take(nowNs: now) }
    }
}

/// Why the dashboard could not start.
public struct DashboardError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
