import Glibc
import NIOCore

/// Socket settings shared by both ends of a control connection. (TCP_NODELAY needs no setting:
/// NIO's bootstraps set it by default.)
public enum ControlTransport {
    /// `TCP_USER_TIMEOUT`: a segment unacknowledged this long breaks the connection, so a node
    /// cut off from the coordinator notices within seconds (Linux's default is about 15 minutes
    /// of retransmissions) and reconnects with backoff. The simulator models the same timeout
    /// (`network.connection-timeout`, default 10 s).
    public static let userTimeoutMs: SocketOptionValue = 10_000
}

extension ChannelOption where Self == ChannelOptions.Types.SocketOption {
    /// `IPPROTO_TCP`/`TCP_USER_TIMEOUT` (milliseconds), which NIO does not name.
    static var tcpUserTimeout: Self { .tcpOption(.init(rawValue: CInt(TCP_USER_TIMEOUT))) }
}
