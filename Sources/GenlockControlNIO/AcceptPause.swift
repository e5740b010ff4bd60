import NIOCore

/// On the listening channel: when `accept` fails (for want of file descriptors, EMFILE or ENFILE,
/// above all), stop polling the listening socket for `pause`, then poll it again.
///
/// Why not NIO's `AcceptBackoffHandler`: it delays the next `read()` the pipeline asks for, but when
/// the *first* `accept` of a readiness event fails, NIO's server channel still has its read pending
/// and stays registered for readability, so it asks for no `read()` and the level-triggered epoll
/// wakes it again at once: hundreds of failed `accept4` calls per 100 ms, the event loop spinning
/// (issue 13's "95 % CPU on accept4 EMFILE"). Turning `autoRead` off unregisters the socket from the
/// poll; turning it back on registers it again. The connections wait meanwhile in the kernel's
/// backlog, and the loop serves the connections it has.
public final class AcceptPause: ChannelInboundHandler, @unchecked Sendable {
    public typealias InboundIn = Channel
    public typealias InboundOut = Channel

    private let pause: TimeAmount
    private let onFailure: (IOError, _ paused: Bool) -> Void
    // Confined to the channel's event loop.
    private var resumption: Scheduled<Void>?

    /// `onFailure` hears every failed `accept` (on the event loop), and whether that failure began
    /// a pause (false: one was already running).
    public init(pause: TimeAmount, onFailure: @escaping (IOError, _ paused: Bool) -> Void) {
        self.pause = pause
        self.onFailure = onFailure
    }

    public func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard let error = error as? IOError else {
            context.fireErrorCaught(error)
            return
        }
        onFailure(error, resumption == nil)
        guard resumption == nil else { return }
        let channel = context.channel
        _ = channel.setOption(.autoRead, value: false)
        resumption = context.eventLoop.scheduleTask(in: pause) { [self] in
            resumption = nil
            _ = channel.setOption(.autoRead, value: true)
        }
    }

    public func channelInactive(context: ChannelHandlerContext) {
        resumption?.cancel()
        resumption = nil
        context.fireChannelInactive()
    }
}
