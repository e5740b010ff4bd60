import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// A node's `/metrics` alone (`genlock camera --metrics ADDR`): read-only, rate-limited, no page
/// and no actions, so it needs no token. Runs on its own task; the node never waits for it.
public final class MetricsServer: Sendable {
    private let task = Mutex<Task<Void, any Error>?>(nil)
    private let bucket = Mutex(TokenBucket(ratePerSecond: 20, burst: 40))
    private let text: @Sendable () -> String
    private let monotonicNs: @Sendable () -> Int64
    /// Made with the server, never lazily (see ``DashboardServer``).
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// `text`: the exposition to serve (``NodeMetrics/text()``).
    public init(text: @escaping @Sendable () -> String, monotonicNs: @escaping @Sendable () -> Int64) {
        self.text = text
        self.monotonicNs = monotonicNs
    }

    /// Starts serving on `host:port`; returns the bound port, or throws why not.
    public func start(host: String, port: Int) async throws -> Int {
        let router = Router()
        let text = self.text
        router.get("/metrics") { [self] _, _ -> Response in
            let now = monotonicNs()
            guard bucket.withLock({ $0.take(nowNs: now) }) else {
                return Response(status: .tooManyRequests, body: .init(byteBuffer: ByteBuffer(string: "too many requests\n")))
            }
            return Routes.asset(Array(text().utf8), "text/plain; version=0.0.4; charset=utf-8")
        }
        var logger = Logger(label: "genlock.metrics")
        logger.logLevel = .warning
        let bound = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "genlock",
                                 availableConnectionsDelegate: MaximumAvailableConnections(16)),
            onServerRunning: { channel in
                bound.continuation.yield(channel.localAddress?.port ?? 0)
                bound.continuation.finish()
            },
            eventLoopGroupProvider: .shared(group),
            logger: logger)
        let running = Task(executorPreference: DashboardExecutor(label: "genlock.metrics")) {
            defer { bound.continuation.finish() }
            try await app.run()
        }
        task.withLock { $0 = running }
        for await p in bound.stream { return p }
        _ = try await running.value
        throw DashboardError("the metrics server ended before listening on \(host):\(port)")
    }

    public func stop() { task.withLock { $0?.cancel() } }

    deinit { group.shutdownGracefully { _ in } }
}
