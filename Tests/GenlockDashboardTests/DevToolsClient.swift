import Foundation
import GenlockTesting
import Glibc

/// Chromium's DevTools protocol over a WebSocket on a plain socket: just enough to evaluate
/// JavaScript in the page and take a screenshot (the browser test's driver).
final class DevToolsClient {
    private let client: LoopbackClient
    private var fd: Int32 { client.fd }
    private var nextID = 1

    /// Connects to `ws://127.0.0.1:PORT/PATH` (a page target's `webSocketDebuggerUrl`).
    init(url: String) throws {
        guard let parsed = URL(string: url), let port = parsed.port else { throw Failure("not a DevTools URL: \(url)") }
        guard let client = LoopbackClient(port: port, receiveTimeoutSeconds: 30) else { throw Failure("cannot connect to \(url)") }
        self.client = client
        guard client.upgradeToWebSocket(path: parsed.path, port: port) else { throw Failure("DevTools refused the upgrade") }
    }

    /// Sends a DevTools command and returns its `result` (events before it are skipped).
    func call(_ method: String, _ params: [String: Any] = [:]) throws -> [String: Any] {
        let id = nextID
        nextID += 1
        let data = try JSONSerialization.data(withJSONObject: ["id": id, "method": method, "params": params])
        try sendText([UInt8](data))
        while true {
            let message = try readMessage()
            guard let object = try JSONSerialization.jsonObject(with: Data(message)) as? [String: Any], object["id"] as? Int == id else { continue }
            if let error = object["error"] { throw Failure("\(method) failed: \(error)") }
            return object["result"] as? [String: Any] ?? [:]
        }
    }

    /// Evaluates `expression` in the page; returns its value (JSON-compatible).
    func evaluate(_ expression: String) throws -> Any? {
        let result = try call("Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true])
        if let exception = result["exceptionDetails"] { throw Failure("page script failed: \(exception)") }
        return (result["result"] as? [String: Any])?["value"]
    }

    /// A PNG of the page as shown.
    func screenshot() throws -> Data {
        let result = try call("Page.captureScreenshot", ["format": "png"])
        guard let text = result["data"] as? String, let png = Data(base64Encoded: text) else { throw Failure("no screenshot data") }
        return png
    }

    private func sendText(_ payload: [UInt8]) throws {
        var frame: [UInt8] = [0x81]
        let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else if payload.count < 65536 {
            frame += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            frame.append(0x80 | 127)
            for shift in stride(from: 56, through: 0, by: -8) { frame.append(UInt8((UInt64(payload.count) >> UInt64(shift)) & 0xFF)) }
        }
        frame += mask
        frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        try sendAll(frame)
    }

    /// The next whole message (continuation frames joined; pings and other control frames skipped).
    private func readMessage() throws -> [UInt8] {
        var message: [UInt8] = []
        while true {
            let head = try readExactly(2)
            let opcode = head[0] & 0x0F, fin = head[0] & 0x80 != 0
            var length = UInt64(head[1] & 0x7F)
            if length == 126 { length = try readExactly(2).reduce(0) { $0 << 8 | UInt64($1) } }
            if length == 127 { length = try readExactly(8).reduce(0) { $0 << 8 | UInt64($1) } }
            guard length < 64 << 20 else { throw Failure("DevTools frame of \(length) bytes") }
            let payload = try readExactly(Int(length))
            if opcode == 0x8 { throw Failure("DevTools closed the connection") }
            if opcode >= 0x8 { continue }
            message += payload
            if fin { return message }
        }
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = out.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, count - got, 0) }
            guard n > 0 else { throw Failure("DevTools connection ended (recv \(n), errno \(errno))") }
            got += n
        }
        return out
    }

    private func sendAll(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure("cannot write to DevTools (errno \(errno))") }
            sent += n
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
