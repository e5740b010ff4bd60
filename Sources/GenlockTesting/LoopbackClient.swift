import Foundation
import Glibc

/// A plain blocking TCP client on 127.0.0.1 for tests of servers against what anyone on the
/// network can do: connect, send bytes, and see whether the server closed the connection.
public final class LoopbackClient: @unchecked Sendable {
    public let fd: Int32

    /// Connects to 127.0.0.1:`port`; nil when the connection is refused.
    public init?(port: Int, receiveBuffer: Int32? = nil, receiveTimeoutSeconds: Int = 5) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer { setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) }
        var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard Self.withAddress(port: port, { connect(fd, $0, $1) }) == 0 else { return nil }  // deinit closes fd
    }

    /// Calls `body` with 127.0.0.1:`port` as a socket address and its length (for connect, bind).
    public static func withAddress<R>(port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    /// Sends `bytes` in one call; returns the count sent (-1 when the server closed: no SIGPIPE).
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Int { Glibc.send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) }

    /// Sends `text`'s UTF-8.
    @discardableResult
    public func send(_ text: String) -> Int { send(Array(text.utf8)) }

    /// Asks for a WebSocket upgrade of `path` (RFC 6455's sample key) and reads the response
    /// head: true when the server switched protocols (101).
    public func upgradeToWebSocket(path: String, port: Int) -> Bool {
        send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        var response: [UInt8] = []
        var byte: UInt8 = 0
        while !response.suffix(4).elementsEqual([13, 10, 13, 10]) {
            guard recv(fd, &byte, 1, 0) == 1 else { return false }
            response.append(byte)
        }
        return String(decoding: response, as: UTF8.self).hasPrefix("HTTP/1.1 101")
    }

    /// Whether the server closed the connection within `seconds` (what it sent first is read and
    /// dropped).
    public func closedByPeer(within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 50) > 0 else { continue }
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 || (n < 0 && errno == ECONNRESET) { return true }
        }
        return false
    }

    deinit { close(fd) }
}
