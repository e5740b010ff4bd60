import GenlockControl
import GenlockCore
import NIOCore
import NIOPosix
import Synchronization

/// A node's stream to the ingest over TCP (``StreamConnection`` on the wire): live rows go out as
/// the recorder writes them, through a bounded queue that drops rather than blocks (capture never
/// waits on the network); whatever did not get through — dropped, cut, or the ingest not yet up —
/// the ingest asks for with WANT and this client back-fills from the node's local file, oldest
/// first, in chunks between live rows so live frames keep flowing; each WANT adds to what is
/// queued (a row already queued is not queued again). Reconnects on
/// ``ReconnectBackoff``'s schedule. Moves bytes only: `backfill` reads the file.
public final class StreamClient: @unchecked Sendable {
    public struct Configuration: Sendable {
        /// Most bytes of live rows waiting for the socket; beyond it rows are dropped (and back-filled).
        public var queueBytes: Int
        /// Back-filled rows sent between two looks at the live queue.
        public var backfillChunk: Int
        public init(queueBytes: Int = 8 * 1024 * 1024, backfillChunk: Int = 16) {
            self.queueBytes = queueBytes
            self.backfillChunk = backfillChunk
        }
    }

    /// Counters, readable from any thread.
    public struct Counters: Hashable, Sendable {
        public var liveSent = 0
        public var liveDropped = 0
        public var backfilled = 0
        public var connections = 0
        public var rejected = 0
        public init() {}
    }

    private let group: any EventLoopGroup
    private let loop: any EventLoop
    private let host: String
    private let port: Int
    private let key: RigKey
    private let configuration: Configuration
    private let makeHello: @Sendable (UInt64) -> StreamHello?
    private let backfill: @Sendable ([ClosedRange<Int64>]) -> [StreamPacket]
    private let log: @Sendable (String) -> Void
    private let queue = Mutex(Queue())
    private let done: EventLoopPromise<Void>

    private struct Queue {
        var rows: [StreamPacket] = []
        var bytes = 0
        var connected = false
        var counters = Counters()
    }

    // Confined to `loop`.
    private var channel: Channel?
    private var stream: StreamConnection?
    private var backoff = ReconnectBackoff()
    private var pendingBackfill: [StreamPacket] = []
    /// The rows sent live on this connection. A WANT can cross a live row on the wire (a row the
    /// recorder wrote just before HELLO named it the newest, sent live just after): such a row is
    /// not back-filled too, so every missing row is sent once.
    private var sentLive: [ClosedRange<Int64>] = []
    private var end: (last: Int64?, stop: Int64?)?
    private var endSent = false
    private var shuttingDown = false
    private var started = false

    /// `hello(nonce)` names the camera, session and codec parameters (nil while not known: the
    /// client waits). `backfill(ranges)` reads the node's rows in those ranges from its local file.
    public init(host: String, port: Int, key: RigKey, configuration: Configuration = .init(),
                hello: @escaping @Sendable (UInt64) -> StreamHello?,
                backfill: @escaping @Sendable ([ClosedRange<Int64>]) -> [StreamPacket],
                log: @escaping @Sendable (String) -> Void) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        loop = group.next()
        self.host = host
        self.port = port
        self.key = key
        self.configuration = configuration
        self.makeHello = hello
        self.backfill = backfill
        self.log = log
        done = loop.makePromise()
    }

    /// Starts connecting (and reconnecting) in the background.
    public func start() {
        loop.execute { [self] in
            guard !started else { return }
            started = true
            connect()
        }
    }

    /// A live row: queued when connected and the queue has room, else dropped (the ingest will ask
    /// for it). Never blocks.
    public func send(_ row: StreamPacket) {
        let size = row.payload?.data.count ?? 0
        let queued = queue.withLock { q in
            guard q.connected, q.bytes + size <= configuration.queueBytes else {
                q.counters.liveDropped += 1
                return false
            }
            q.rows.append(row)
            q.bytes += size
            return true
        }
        if queued { loop.execute { [self] in pump() } }
    }

    /// The recording ended with row `lastIndex`: tell the ingest (now or after reconnecting).
    public func end(lastIndex: Int64?, stopIndex: Int64?) {
        loop.execute { [self] in
            end = (lastIndex, stopIndex)
            pump()
        }
    }

    /// Waits until the ingest says it has every row (after ``end(lastIndex:stopIndex:)``), at most
    /// `timeout`. Returns whether it did.
    public func waitUntilComplete(timeout: TimeSpan) -> Bool {
        let timer = loop.scheduleTask(in: .nanoseconds(timeout.nanoseconds)) { [self] in done.fail(ChannelError.connectTimeout(.nanoseconds(timeout.nanoseconds))) }
        defer { timer.cancel() }
        return (try? done.futureResult.wait()) != nil
    }

    public var counters: Counters { queue.withLock { $0.counters } }

    /// Closes the connection and stops reconnecting.
    ///
    /// Called on an event loop thread (a node's START handler whose recorder was refused), it
    /// does not wait: NIO traps on a blocking wait there (the node died with SIGILL), so the
    /// close and the group's shutdown are only started.
    public func shutdown() {
        if MultiThreadedEventLoopGroup.currentEventLoop != nil {
            loop.execute { [self] in
                shuttingDown = true
                channel?.close(promise: nil)
            }
            done.fail(ChannelError.ioOnClosedChannel)
            group.shutdownGracefully { _ in }
            return
        }
        try? loop.submit { [self] in
            shuttingDown = true
            channel?.close(promise: nil)
        }.wait()
        done.fail(ChannelError.ioOnClosedChannel)
        try? group.syncShutdownGracefully()
    }

    private func connect() {
        guard !shuttingDown else { return }
        ClientBootstrap(group: group)
            .channelOption(.tcpUserTimeout, value: ControlTransport.userTimeoutMs)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(2))
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(StreamClientHandler(
                        onBytes: { [self] in received($0, $1) }, onWritable: { [self] in pump() }, onInactive: { [self] in closed($0) }))
                }
            }
            .connect(host: host, port: port)
            .whenComplete { [self] result in
                switch result {
                case .success(let channel): self.channel = channel
                case .failure(let error): retry("cannot connect to the ingest at \(host):\(port): \(error)")
                }
            }
    }

    private func retry(_ reason: String) {
        guard !shuttingDown else { return }
        log(reason)
        let delay = backoff.nextDelay()
        loop.scheduleTask(in: .nanoseconds(delay.nanoseconds)) { [self] in connect() }
    }

    private func received(_ channel: Channel, _ bytes: [UInt8]) {
        // The CHALLENGE may be read before the connect future's callback ran.
        if self.channel == nil { self.channel = channel }
        guard channel === self.channel else { return }
        if stream == nil { stream = StreamConnection(role: .node, key: key, localNonce: UInt64.random(in: 1...UInt64.max)) }
        for item in stream!.receive(bytes) {
            switch item {
            case .rejected(let error):
                queue.withLock { $0.counters.rejected += 1 }
                log("ingest stream: rejected \(error)")
            case .message(.challenge, _):
                guard let hello = makeHello(stream!.localNonce) else {
                    // Nothing recorded yet: no codec parameters to announce. Try again shortly.
                    channel.close(promise: nil)
                    return
                }
                channel.send(stream!.encode(.hello(hello))).whenFailure { _ in }
                backoff.reset()
                endSent = false
                queue.withLock { $0.connected = true; $0.counters.connections += 1 }
                pump()
            case .message(.want(let ranges), _):
                if ranges.isEmpty {
                    if endSent { done.succeed(()) }
                } else {
                    // A row already queued is not queued twice (the ingest asks only for what is not
                    // outstanding, but a reminder re-asks everything it still lacks).
                    let queued = Set(pendingBackfill.map(\.index))
                    let asked = IndexRanges.subtracting(ranges, sentLive)
                    let fresh = (asked.isEmpty ? [] : backfill(asked)).filter { !queued.contains($0.index) }.map { var row = $0; row.live = false; return row }
                    if !fresh.isEmpty {
                        pendingBackfill = queued.isEmpty ? fresh : (pendingBackfill + fresh).sorted { $0.index < $1.index }
                    }
                    pump()
                }
            case .message:
                break
            }
        }
    }

    /// Sends what is waiting while the socket takes it: live rows first, then a chunk of back-fill.
    private func pump() {
        guard let channel, let _ = stream, stream!.handshakeDone, channel.isActive else { return }
        while channel.isWritable {
            let live = queue.withLock { q -> [StreamPacket] in
                defer { q.rows.removeAll(keepingCapacity: true); q.bytes = 0 }
                q.counters.liveSent += q.rows.count
                return q.rows
            }
            for row in live {
                channel.write(bytes(stream!.encode(.packet(row))), promise: nil)
                noteSentLive(row.index)
            }
            let chunk = pendingBackfill.prefix(configuration.backfillChunk)
            pendingBackfill.removeFirst(chunk.count)
            for row in chunk { channel.write(bytes(stream!.encode(.packet(row))), promise: nil) }
            if !chunk.isEmpty { queue.withLock { $0.counters.backfilled += chunk.count } }
            channel.flush()
            if live.isEmpty && chunk.isEmpty { break }
        }
        if pendingBackfill.isEmpty, let end, !endSent, channel.isWritable, queue.withLock({ $0.rows.isEmpty }) {
            channel.writeAndFlush(bytes(stream!.encode(.end(lastIndex: end.last, stopIndex: end.stop))), promise: nil)
            endSent = true
        }
    }

    private func noteSentLive(_ index: Int64) {
        // Live rows go out in index order, so this almost always extends the last range.
        if let last = sentLive.last, last.upperBound < index, index == last.upperBound + 1 {
            sentLive[sentLive.count - 1] = last.lowerBound...index
        } else {
            sentLive = IndexRanges.merged(sentLive + [index...index])
        }
    }

    private func bytes(_ frame: [UInt8]) -> ByteBuffer {
        var buffer = channel!.allocator.buffer(capacity: frame.count)
        buffer.writeBytes(frame)
        return buffer
    }

    private func closed(_ closing: Channel) {
        guard closing === channel else { return }
        channel = nil
        stream = nil
        pendingBackfill = []
        sentLive = []
        queue.withLock { q in
            q.connected = false
            q.counters.liveDropped += q.rows.count
            q.rows = []
            q.bytes = 0
        }
        retry("ingest stream closed; reconnecting")
    }
}

/// Bytes in, writability and the end of the connection out, on the channel's loop.
final class StreamClientHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    private let onBytes: (Channel, [UInt8]) -> Void
    private let onWritable: () -> Void
    private let onInactive: (Channel) -> Void

    init(onBytes: @escaping (Channel, [UInt8]) -> Void, onWritable: @escaping () -> Void, onInactive: @escaping (Channel) -> Void) {
        self.onBytes = onBytes
        self.onWritable = onWritable
        self.onInactive = onInactive
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        onBytes(context.channel, buffer.readBytes(length: buffer.readableBytes) ?? [])
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { onWritable() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        onInactive(context.channel)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }
}
