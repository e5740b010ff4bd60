import NIOCore

/// Hands every received chunk of bytes to `onBytes` and reports the channel's end, on the
/// channel's event loop. The protocol logic (framing, authentication, state) lives in
/// GenlockControl; this is only the plumbing.
public final class ByteStreamHandler: ChannelInboundHandler, @unchecked Sendable {
    public typealias InboundIn = ByteBuffer

    private let onActive: (Channel) -> Void
    private let onBytes: (Channel, [UInt8]) -> Void
    private let onInactive: (Channel) -> Void

    public init(onActive: @escaping (Channel) -> Void, onBytes: @escaping (Channel, [UInt8]) -> Void, onInactive: @escaping (Channel) -> Void) {
        self.onActive = onActive
        self.onBytes = onBytes
        self.onInactive = onInactive
    }

    public func channelActive(context: ChannelHandlerContext) {
        onActive(context.channel)
        context.fireChannelActive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        onBytes(context.channel, bytes)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        onInactive(context.channel)
        context.fireChannelInactive()
    }

    public func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}

extension Channel {
    /// Writes and flushes raw bytes.
    public func send(_ bytes: [UInt8]) -> EventLoopFuture<Void> {
        var buffer = allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        return writeAndFlush(buffer)
    }
}
