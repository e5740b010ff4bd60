import HTTPTypes
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore

/// First on every dashboard connection, before HTTP is decoded: a request's head must arrive
/// within `headTimeout` of connecting, and a connection on which nothing moves (nothing read,
/// nothing written: a slow download keeps it open) for `idleTimeout` is closed.
///
/// Why: Hummingbird arms its idle timeout only once the first request head has been parsed
/// (the WebSocket upgrade negotiation comes first), so a socket that sent nothing, half a header
/// (a slowloris) or garbage stayed open for good, and 64 of them took every connection the
/// dashboard allows, the operator's included. A WebSocket page answers the server's pings every
/// 10 s, so it is never idle for long.
final class ConnectionDeadline: ChannelDuplexHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let headTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    // Confined to the channel's event loop.
    private var connectedAt = NIODeadline.now()
    private var lastActivityAt = NIODeadline.now()
    private var headSeen = false
    /// The last bytes read, so a head's blank line split across reads is still found.
    private var tail: [UInt8] = []
    private var check: RepeatedTask?

    init(headTimeout: TimeAmount, idleTimeout: TimeAmount) {
        self.headTimeout = headTimeout
        self.idleTimeout = idleTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        connectedAt = .now()
        lastActivityAt = connectedAt
        let period = TimeAmount.nanoseconds(max(min(headTimeout, idleTimeout).nanoseconds / 4, 10_000_000))
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        check = context.eventLoop.scheduleRepeatedTask(initialDelay: period, delay: period) { [self] task in
            let now = NIODeadline.now()
            if (!headSeen && now - connectedAt >= headTimeout) || now - lastActivityAt >= idleTimeout {
                task.cancel()
                loopBound.value.close(promise: nil)
            }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        check?.cancel()
        check = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        check?.cancel()
        check = nil
        context.fireChannelInactive()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        lastActivityAt = .now()
        // Its completion counts too: a large body drains slowly to a slow client.
        let written = promise ?? context.eventLoop.makePromise()
        written.futureResult.whenSuccess { [self] in lastActivityAt = .now() }
        context.write(data, promise: written)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastActivityAt = .now()
        if !headSeen {
            let buffer = unwrapInboundIn(data)
            tail += buffer.readableBytesView
            headSeen = tail.firstRange(of: [13, 10, 13, 10]) != nil
            tail = Array(tail.suffix(3))
        }
        context.fireChannelRead(data)
    }
}

/// The dashboard's HTTP/WebSocket child channel with a ``ConnectionDeadline`` in front.
struct DeadlinedChannel: ServerChildChannel {
    let inner: HTTP1WebSocketUpgradeChannel
    let headTimeout: TimeAmount
    let idleTimeout: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1WebSocketUpgradeChannel.Value> {
        do {
            try channel.pipeline.syncOperations.addHandler(ConnectionDeadline(headTimeout: headTimeout, idleTimeout: idleTimeout))
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return inner.setup(channel: channel, logger: logger)
    }

    func handle(value: HTTP1WebSocketUpgradeChannel.Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}
