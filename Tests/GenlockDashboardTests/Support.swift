import Foundation
import GenlockTesting
import GenlockControl
import GenlockCore
@testable import GenlockDashboard
import Glibc
import Synchronization

/// Helpers for the dashboard tests: a coordinator state to show, a running server, curl, and a
/// WebSocket client on a raw socket (so a test decides exactly when it stops reading).
enum Support {
    static let t0 = RealtimeInstant(nanosecondsSinceEpoch: 1_800_000_000_000_000_000)

    static func hello(_ name: String, locked: Bool, offsetNs: Int64? = 120) -> ControlMessage.Hello {
        ControlMessage.Hello(nodeName: name, softwareVersion: "0.1.0", capabilities: [], ptp: PTPReport(locked: locked, offsetNs: offsetNs, portState: "SLAVE"), nonce: 7)
    }

    /// A coordinator of `cameras` (PTP gate on) with `connected` of them connected, PTP locked or not.
    static func core(cameras: [String], connected: [String], locked: Bool, startOnRequest: Bool = false) throws -> CoordinatorCore {
        var core = CoordinatorCore(configuration: .init(
            cameras: cameras, rate: try FrameRate(parsing: "30"), lead: .seconds(1), stopMargin: .milliseconds(300),
            ptpGate: true, maximumPTPOffset: .microseconds(1), startOnRequest: startOnRequest), sessionID: 0xABC)
        for (i, name) in connected.enumerated() { _ = core.handle(.hello(i + 1, hello(name, locked: locked), sessionID: 0)) }
        _ = core.handle(.tick(now: t0))
        return core
    }

    /// Presses recorded by the hub's controls.
    final class Presses: Sendable {
        let list = Mutex<[String]>([])
        var controls: DashboardHub.Controls {
            .init(requestStart: { self.list.withLock { $0.append("start") } }, requestStop: { self.list.withLock { $0.append("stop") } })
        }
    }

    static func monotonicNs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// A server on 127.0.0.1 (an ephemeral port) showing `core`.
    static func server(core: CoordinatorCore, token: String? = nil, presses: Presses = Presses(),
                       monotonicNs: @escaping @Sendable () -> Int64 = Support.monotonicNs,
                       tweak: (inout DashboardServer.Options) -> Void = { _ in }) async throws -> (DashboardServer, Int) {
        let hub = DashboardHub(controls: presses.controls, now: { t0 })
        hub.observe(core)
        var options = DashboardServer.Options(host: "127.0.0.1", port: 0, token: token)
        tweak(&options)
        let server = DashboardServer(options: options, hub: hub, monotonicNs: monotonicNs, log: { _ in })
        return (server, try await server.start())
    }

    struct CurlResult {
        var status: Int
        var body: String
        var headers: String
    }

    /// Runs curl against the server (its exit awaited without blocking a thread of the pool).
    static func curl(_ arguments: [String]) async throws -> CurlResult {
        let run = try CurlRun(arguments)
        defer { run.cleanUp() }
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            run.start { error in if let error { c.resume(throwing: error) } else { c.resume() } }
        }
        return run.result()
    }
}

/// One curl process: started with a completion that runs on Foundation's own thread (never on
/// Swift's shared pool), its answer read once it has exited.
final class CurlRun: @unchecked Sendable {
    let dir: URL
    let process = Process()
    private let out = Pipe()

    init(_ arguments: [String]) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-dash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "--max-time", "60", "-o", dir.appendingPathComponent("body").path,
                             "-D", dir.appendingPathComponent("headers").path, "-w", "%{http_code}"] + arguments
        process.standardOutput = out
    }

    /// Starts curl; `exited` hears its end (nil) or why it could not start.
    func start(exited: @escaping @Sendable ((any Error)?) -> Void) {
        process.terminationHandler = { _ in exited(nil) }
        do { try process.run() } catch { exited(error) }
    }

    /// The status, body and headers (after the process has exited).
    func result() -> Support.CurlResult {
        let code = Int(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)) ?? 0
        return Support.CurlResult(
            status: code, body: (try? String(contentsOfFile: dir.appendingPathComponent("body").path, encoding: .utf8)) ?? "",
            headers: (try? String(contentsOfFile: dir.appendingPathComponent("headers").path, encoding: .utf8)) ?? "")
    }

    func cleanUp() { try? FileManager.default.removeItem(at: dir) }
}

/// A WebSocket client on a plain blocking socket: upgrades, then reads only when told to.
final class RawWebSocket: @unchecked Sendable {
    private let client: LoopbackClient
    var fd: Int32 { client.fd }

    /// Connects and upgrades `/ws`; `receiveBuffer` shrinks the socket's receive buffer so a
    /// client that stops reading backs the server up quickly. Nil when the upgrade is refused.
    init?(port: Int, receiveBuffer: Int32? = nil, query: String = "") {
        guard let client = LoopbackClient(port: port, receiveBuffer: receiveBuffer), client.upgradeToWebSocket(path: "/ws" + query, port: port) else { return nil }
        self.client = client
    }

    /// Reads what has arrived (up to `limit` bytes); 0 when the server closed the connection, -1 on timeout.
    func read(limit: Int = 1 << 16) -> Int {
        var buffer = [UInt8](repeating: 0, count: limit)
        return recv(fd, &buffer, limit, 0)
    }
}

