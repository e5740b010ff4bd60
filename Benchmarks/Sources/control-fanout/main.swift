// Control fan-out on loopback: 128 real `NodeClient`s (the camera node's connection code, each
// on its own event-loop thread, as separate node processes would be) connect to a coordinator
// endpoint in this process. Each round sends START to every node and times until the last ACK
// arrives, then the same for STOP. Prints p50/p99/max of both, in milliseconds.
//
//     swift run -c release control-fanout [--nodes 128] [--rounds 50]

import Foundation
import GenlockControl
import GenlockControlNIO
import GenlockCore
import NIOCore
import NIOPosix
import Synchronization

let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: Int) -> Int {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count, let v = Int(arguments[i + 1]), v > 0 else { return fallback }
    return v
}
let nodeCount = option("--nodes", 128)
let rounds = option("--rounds", 50)
let key = try RigKey(bytes: RigKey.generate())
let session: UInt64 = 0x5E55_1011

func nowNs() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

/// The coordinator end: one event loop, per-connection `ControlConnection`s, ACK counting.
final class Endpoint: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    var connections: [ObjectIdentifier: (Channel, ControlConnection)] = [:]
    var helloed = 0
    var acks = 0
    enum Goal { case hellos(Int), acks(Int) }
    var waiting: (goal: Goal, promise: EventLoopPromise<Void>)?

    /// The coordinator speaks first (wire version 2): its CHALLENGE, over which HELLO is authenticated.
    func channelActive(context: ChannelHandlerContext) {
        var c = ControlConnection(role: .coordinator, key: key, localNonce: UInt64.random(in: 1...UInt64.max))
        let (bytes, _) = c.encode(.challenge(nonce: c.localNonce), sessionID: session)
        connections[ObjectIdentifier(context.channel)] = (context.channel, c)
        write(context.channel, bytes)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let id = ObjectIdentifier(context.channel)
        guard var (channel, c) = connections[id] else { return }
        for item in c.receive(buffer.readBytes(length: buffer.readableBytes) ?? []) {
            switch item {
            case .message(.hello, _, let sequence):
                let (bytes, _) = c.encode(.ack(.init(sequence: sequence)), sessionID: session)
                write(channel, bytes)
                helloed += 1
                check()
            case .message(.ack, _, _):
                acks += 1
                check()
            case .message:
                break
            case .violation(let e):
                fatalError("benchmark protocol violation: \(e)")
            }
        }
        connections[id] = (channel, c)
    }

    func check() {
        guard let w = waiting else { return }
        let reached = switch w.goal {
        case .hellos(let n): helloed >= n
        case .acks(let n): acks >= n
        }
        if reached {
            waiting = nil
            w.promise.succeed()
        }
    }

    func write(_ channel: Channel, _ bytes: [UInt8]) {
        var b = channel.allocator.buffer(capacity: bytes.count)
        b.writeBytes(bytes)
        channel.writeAndFlush(b, promise: nil)
    }

    /// Sends `message` to every node; the future completes when all have acknowledged.
    func fanOut(_ message: ControlMessage, on loop: EventLoop) -> EventLoopFuture<Void> {
        let promise = loop.makePromise(of: Void.self)
        acks = 0
        waiting = (.acks(connections.count), promise)
        for (id, entry) in connections {
            var (channel, c) = entry
            let (bytes, _) = c.encode(message, sessionID: session)
            connections[id] = (channel, c)
            write(channel, bytes)
        }
        check()
        return promise.futureResult
    }
}

let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let loop = group.next()
let endpoint = Endpoint()
let server = try ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 512)
    .childChannelInitializer { ch in ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(endpoint) } }
    .bind(host: "127.0.0.1", port: 0).wait()
let port = server.localAddress!.port!

let allHello = try loop.submit { () -> EventLoopFuture<Void> in
    let p = loop.makePromise(of: Void.self)
    endpoint.waiting = (.hellos(nodeCount), p)
    return p.futureResult
}.wait()
let clients = (0..<nodeCount).map { i in
    NodeClient(host: "127.0.0.1", port: port, key: key, monotonicNow: {
        MonotonicInstant(nanoseconds: nowNs())
    }, hello: {
        ControlMessage.Hello(nodeName: "cam\(i)", softwareVersion: "bench", capabilities: [], ptp: .unknown, nonce: 0)
    }, onEvent: { _ in })
}
clients.forEach { $0.start() }
try allHello.wait()

let rate = try FrameRate(parsing: "30")
var startMs: [Double] = []
var stopMs: [Double] = []
for r in 0..<(rounds + 2) {
    let start = ControlMessage.start(.init(t0Ns: 1_800_000_000_000_000_000, rate: rate, firstIndex: 0, stopIndex: nil))
    let t1 = nowNs()
    try loop.flatSubmit { endpoint.fanOut(start, on: loop) }.wait()
    let t2 = nowNs()
    try loop.flatSubmit { endpoint.fanOut(.stop(stopIndex: Int64(1000 + r)), on: loop) }.wait()
    let t3 = nowNs()
    if r >= 2 {  // the first rounds warm up connections and caches
        startMs.append(Double(t2 - t1) / 1e6)
        stopMs.append(Double(t3 - t2) / 1e6)
    }
}
func pct(_ xs: [Double], _ p: Double) -> Double {
    let s = xs.sorted()
    return s[min(s.count - 1, Int((Double(s.count) * p).rounded(.up)) - 1)]
}
func line(_ name: String, _ xs: [Double]) -> String {
    String(format: "%@ to all %d ACKs: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d rounds)", name, nodeCount, pct(xs, 0.5), pct(xs, 0.99), xs.max()!, xs.count)
}
print(line("START", startMs))
print(line("STOP ", stopMs))
clients.forEach { $0.shutdown() }
try server.close().wait()
try group.syncShutdownGracefully()
