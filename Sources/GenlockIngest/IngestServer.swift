import GenlockControl
import GenlockControlNIO
import GenlockCore
import GenlockMedia
import Glibc
import NIOCore
import NIOPosix
import Synchronization

/// The ingest over TCP: accepts the nodes' streams (``StreamConnection``: authenticated with the
/// rig key, fresh per connection, a bad frame rejected and the stream going on), keeps one
/// ``IngestSession`` (`<sessions>/<session>/`), writes each camera's rows in index order as its
/// ``IngestLedger`` releases them, and asks nodes with WANT for what it lacks. Everything runs on
/// one event loop, so no locks; the file writes are remuxes (no decoding), cheap enough for it.
///
/// Live consumers: ``framesets`` (each frameset as soon as it is complete, or definitely partial
/// after the wait) and ``packets`` / ``latestPacket(camera:)`` (every packet written, with its
/// codec parameters: live previews).
public final class IngestServer: @unchecked Sendable {
    public struct Configuration: Sendable {
        /// Session folders are made here.
        public var outputRoot: String
        /// The rig's cameras, in order: the frameset columns, and the only names accepted.
        public var cameras: [String]
        /// The first frameset's index (the session's first START index), when known; else the
        /// first row written.
        public var firstIndex: Int64?
        /// How long a frameset waits for a silent camera before it goes out partial.
        public var wait: TimeSpan
        /// How long a connection may take to send its authenticated HELLO.
        public var handshakeTimeout: TimeSpan
        public init(outputRoot: String, cameras: [String], firstIndex: Int64? = nil, wait: TimeSpan = .milliseconds(500),
                    handshakeTimeout: TimeSpan = CoordinatorEndpoint.Limits().handshakeTimeout) {
            self.outputRoot = outputRoot
            self.cameras = cameras
            self.firstIndex = firstIndex
            self.wait = wait
            self.handshakeTimeout = handshakeTimeout
        }
    }

    public typealias Log = @Sendable (String) -> Void

    /// Connections that have not yet sent an authenticated HELLO: anyone who can reach the port
    /// can open them, so they are few (and short-lived: ``Configuration/handshakeTimeout``), the
    /// control port's limits. An ingest without them let unauthenticated sockets take every file
    /// descriptor, and the process died when libdispatch could open none.
    public static let maximumUnauthenticated = CoordinatorEndpoint.Limits().maximumUnauthenticated

    public let configuration: Configuration
    let key: RigKey
    private let group: any EventLoopGroup
    private let loop: any EventLoop
    let now: @Sendable () -> MonotonicInstant
    let log: Log
    private var server: Channel?
    // Confined to `loop`.
    var session: IngestSession?
    var connections: [ObjectIdentifier: Connection] = [:]
    /// The newest connection per camera: WANTs go there.
    var current: [String: ObjectIdentifier] = [:]
    var latest: [String: IngestPacket] = [:]
    var rejected = 0
    /// Lines about unauthenticated connections refused, rate-limited (a flood is not a flood of log).
    var rejections = RejectionLog()
    /// Connections that have not yet sent an authenticated HELLO (the control port's rule).
    var waiting: PendingHandshakes<ObjectIdentifier>
    var acceptFailures = 0
    /// The cameras' accounts, once the session is finished.
    var summaries: [CameraSummary] = []
    /// Why the session could not be finished whole, once it was tried (read by ``finish()`` from any thread).
    private let finishFailure = Mutex<MediaError?>(nil)
    /// Per camera: rows written when last looked, and when (for WANT reminders).
    var progress: [String: (rows: Int, at: MonotonicInstant)] = [:]
    private let finishedPromise: EventLoopPromise<[CameraSummary]>
    /// Set once the event loop is shut down: the accessors then answer from here instead of
    /// submitting to a loop that would never run them.
    private let final = Mutex<Final?>(nil)

    private struct Final {
        var lacking: [String: [ClosedRange<Int64>]]
        var rowsWritten: [String: Int]
        var rejected: Int
        var directory: String? = nil
        var backfilled: [String: (rows: Int, span: TimeSpan)] = [:]
    }

    /// Runs `body` on the loop, or answers from the final state after shutdown.
    private func onLoop<T: Sendable>(_ body: @escaping @Sendable () -> T, after: (Final) -> T) -> T {
        if let done = final.withLock({ $0 }) { return after(done) }
        return (try? loop.submit(body).wait()) ?? after(final.withLock { $0 } ?? Final(lacking: [:], rowsWritten: [:], rejected: 0))
    }

    struct Connection {
        var channel: Channel
        var stream: StreamConnection
        var camera: String?
    }

    /// Each frameset, in index order, as soon as it is settled.
    public let framesets: AsyncStream<IngestFrameset>
    let framesetSink: AsyncStream<IngestFrameset>.Continuation
    /// Every packet written, newest kept when the consumer is slow (at most 4 per camera buffered).
    public let packets: AsyncStream<IngestPacket>
    let packetSink: AsyncStream<IngestPacket>.Continuation

    /// `now` reads the monotonic clock (the frameset wait).
    public init(configuration: Configuration, key: RigKey, now: @escaping @Sendable () -> MonotonicInstant, log: @escaping Log) {
        self.configuration = configuration
        self.key = key
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.loop = group.next()
        self.now = now
        self.log = log
        (framesets, framesetSink) = AsyncStream.makeStream(of: IngestFrameset.self, bufferingPolicy: .bufferingOldest(1 << 16))
        (packets, packetSink) = AsyncStream.makeStream(of: IngestPacket.self, bufferingPolicy: .bufferingNewest(max(4, 4 * configuration.cameras.count)))
        finishedPromise = loop.makePromise()
        waiting = PendingHandshakes(capacity: Self.maximumUnauthenticated, timeout: configuration.handshakeTimeout)
    }

    /// Binds the listening socket; returns the bound port (useful with port 0).
    public func bind(host: String, port: Int) throws -> Int {
        do {
            return try listen(host: host, port: port)
        } catch {
            // Never to finish: its promise fails now (NIO traps on a leaked promise in debug builds).
            finishedPromise.fail(error)
            throw error
        }
    }

    private func listen(host: String, port: Int) throws -> Int {
        // Sessions are made here when the first node says HELLO: a folder that cannot be made
        // is said now, not by refusing every node, forever, once they stream.
        try FileSystem.makeDirectories(configuration.outputRoot)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptPause(pause: .milliseconds(100)) { [self] _, paused in
                        if paused { acceptFailures += 1 }
                    })
                }
            }
            .childChannelOption(.tcpOption(.init(rawValue: CInt(TCP_USER_TIMEOUT))), value: ControlTransport.userTimeoutMs)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteStreamHandler(
                        onActive: { [self] in accepted($0) }, onBytes: { [self] in received($0, $1) }, onInactive: { [self] in closed($0) }))
                }
            }
        let channel = try bootstrap.bind(host: host, port: port).wait()
        server = channel
        loop.scheduleRepeatedTask(initialDelay: .milliseconds(10), delay: .milliseconds(10)) { [self] _ in
            let at = now()
            closeUnauthenticated(at: at)
            guard let session else { return }
            session.tick(at)
            remindIfStalled(session, at)
        }
        return channel.localAddress?.port ?? port
    }

    /// The session folder being written (nil before the first HELLO).
    public var sessionDirectory: String? { onLoop({ [self] in session?.recorder.directory }, after: \.directory) }

    /// The newest packet written for `camera`, with its codec parameters (live previews).
    public func latestPacket(camera: String) -> IngestPacket? { onLoop({ [self] in latest[camera] }, after: { _ in nil }) }

    /// What the ingest still lacks, per camera (index ranges, oldest first).
    public var lacking: [String: [ClosedRange<Int64>]] {
        onLoop({ [self] in session?.ledgers.mapValues(\.lacking) ?? [:] }, after: \.lacking)
    }

    /// Per camera: back-filled rows written, and the time from the first to the last of them.
    public var backfilled: [String: (rows: Int, span: TimeSpan)] {
        onLoop({ [self] in session?.backfill.mapValues { ($0.rows, $0.last - $0.first) } ?? [:] }, after: \.backfilled)
    }

    /// Rows written per camera so far.
    public var rowsWritten: [String: Int] { onLoop({ [self] in session?.rowsWritten ?? [:] }, after: \.rowsWritten) }

    /// Closes every node's connection now (the nodes reconnect and back-fill): an operator's
    /// kick, and how tests cut the link.
    public func closeConnections() {
        guard final.withLock({ $0 }) == nil else { return }
        try? loop.submit { [self] in for connection in connections.values { connection.channel.close(promise: nil) } }.wait()
    }

    /// Frames (and bytes) rejected on every connection so far.
    public var rejectedCount: Int { onLoop({ [self] in rejected }, after: \.rejected) }

    /// Resolves when every rig camera's stream is complete (its node said END and every row up
    /// to its last is written) and the exports are written.
    public func waitUntilComplete() throws -> [CameraSummary] { try finishedPromise.futureResult.wait() }

    /// ``waitUntilComplete()`` for at most `timeout` (on the event loop's monotonic clock): nil
    /// when the session is still incomplete then (it keeps running; a later wait may still see it
    /// end), so a caller that must not hang (a test, a bounded shutdown) decides what follows.
    public func waitUntilComplete(timeout: TimeSpan) throws -> [CameraSummary]? {
        let bounded = loop.makePromise(of: [CameraSummary]?.self)
        // Whichever comes first answers; the other finds it answered (a promise is completed once).
        // Both run on the event loop, where the flag lives.
        let answered = NIOLoopBoundBox.makeBoxSendingValue(false, eventLoop: loop)
        let first = { @Sendable () -> Bool in
            defer { answered.value = true }
            return !answered.value
        }
        let timer = loop.scheduleTask(in: .nanoseconds(timeout.nanoseconds)) { if first() { bounded.succeed(nil) } }
        finishedPromise.futureResult.whenComplete { result in
            timer.cancel()
            if first() { bounded.completeWith(result.map { Optional($0) }) }
        }
        return try bounded.futureResult.wait()
    }

    /// Closes every file now (cameras still lacking rows keep what arrived), writes the exports,
    /// and stops listening. Returns the summaries; throws when the session could not be finished
    /// whole (also when that happened earlier, as every stream completed), after closing all.
    @discardableResult
    public func finish() throws -> [CameraSummary] {
        if final.withLock({ $0 }) != nil {
            if let failure = finishFailure.withLock({ $0 }) { throw failure }
            return summaries
        }
        let outcome = Result { try loop.submit { [self] () throws -> [CameraSummary] in try finishSession() }.wait() }
        try? server?.close().wait()
        let state = try? loop.submit { [self] in
            (Final(lacking: session?.ledgers.mapValues(\.lacking) ?? [:], rowsWritten: session?.rowsWritten ?? [:], rejected: rejected,
                   directory: session?.recorder.directory,
                   backfilled: session?.backfill.mapValues { ($0.rows, $0.last - $0.first) } ?? [:]), connections.values.map(\.channel))
        }.wait()
        for connection in state?.1 ?? [] { try? connection.close().wait() }
        final.withLock { $0 = state?.0 ?? Final(lacking: [:], rowsWritten: [:], rejected: 0) }
        framesetSink.finish()
        packetSink.finish()
        try? group.syncShutdownGracefully()
        return try outcome.get()
    }

    /// Finishes the session once; its failure is kept, and every later call throws it again.
    func finishSession() throws -> [CameraSummary] {
        if let failure = finishFailure.withLock({ $0 }) { throw failure }
        guard let session, !session.finished else {
            // No node ever said HELLO: nothing was ingested (and the promise is kept, not leaked).
            if session == nil { finishedPromise.succeed(summaries) }
            return summaries
        }
        do {
            summaries = try session.finish()
        } catch {
            finishFailure.withLock { $0 = error }
            finishedPromise.fail(error)
            throw error
        }
        finishedPromise.succeed(summaries)
        return summaries
    }
}
