import Foundation
import GenlockControl
import GenlockCore
@testable import GenlockDashboard
import Synchronization
import GenlockTesting
import Testing

/// The HTTP server for real, on loopback: curl for requests, a raw socket for WebSocket clients.
@Suite(.serialized) struct DashboardServerTests {
    @Test func theTokenGuardsEverythingAndActionsNeedTheirHeader() async throws {
        let core = try Support.core(cameras: ["cam1"], connected: ["cam1"], locked: true)
        let presses = Support.Presses()
        let token = "00112233445566778899aabbccddeeff"
        let (server, port) = try await Support.server(core: core, token: token, presses: presses)
        defer { server.stop() }
        let base = "http://127.0.0.1:\(port)"
        #expect(try await Support.curl(["\(base)/"]).status == 401)
        #expect(try await Support.curl(["\(base)/metrics"]).status == 401)
        #expect(try await Support.curl(["\(base)/?token=wrong"]).status == 401)
        #expect(try await Support.curl(["-X", "POST", "-H", "X-Genlock-Action: 1", "\(base)/api/stop"]).status == 401)
        let page = try await Support.curl(["\(base)/?token=\(token)"])
        #expect(page.status == 200 && page.body.contains("<title>Genlock rig</title>"))
        #expect(page.headers.contains("genlock_token=\(token); HttpOnly; SameSite=Strict"))
        #expect(try await Support.curl(["-H", "Cookie: genlock_token=\(token)", "\(base)/dashboard.js"]).status == 200)
        // A cross-site form can carry the cookie but not a custom header: refused.
        #expect(try await Support.curl(["-X", "POST", "-H", "Cookie: genlock_token=\(token)", "\(base)/api/stop"]).status == 403)
        #expect(presses.list.withLock { $0 } == [])
        let stop = try await Support.curl(["-X", "POST", "-H", "X-Genlock-Action: 1", "-H", "Authorization: Bearer \(token)", "\(base)/api/stop"])
        #expect(stop.status == 202)
        #expect(presses.list.withLock { $0 } == ["stop"])
        #expect(try await Support.curl(["-X", "POST", "-H", "X-Genlock-Action: 1", "-H", "Authorization: Bearer \(token)", "\(base)/api/start"]).status == 202)
        #expect(presses.list.withLock { $0 } == ["stop", "start"])
        // No WebSocket without the token either.
        #expect(RawWebSocket(port: port) == nil)
        #expect(RawWebSocket(port: port, query: "?token=\(token)") != nil)
    }

    @Test func bodiesAndRatesAreBounded() async throws {
        let core = try Support.core(cameras: ["cam1"], connected: ["cam1"], locked: true)
        let presses = Support.Presses()
        // The rate limit's clock stands still, so no token comes back during the test however
        // slowly the requests go: the outcome is exact, not a matter of timing.
        let (server, port) = try await Support.server(core: core, presses: presses, monotonicNs: { 1_000_000_000 }, tweak: {
            $0.requestsPerSecond = 1
            $0.burst = 4
        })
        defer { server.stop() }
        let base = "http://127.0.0.1:\(port)"
        let big = String(repeating: "x", count: 10_000)
        let tooLarge = try await Support.curl(["-X", "POST", "-H", "X-Genlock-Action: 1", "--data-binary", big, "\(base)/api/stop"])
        #expect(tooLarge.status == 413)
        #expect(presses.list.withLock { $0 } == [])
        var statuses: [Int] = []
        for _ in 0..<6 { statuses.append(try await Support.curl(["\(base)/api/state"]).status) }
        // The burst of 4 (the refused body above was an action: another budget), then refused.
        #expect(statuses == [200, 200, 200, 200, 429, 429])
        // STOP has its own budget: requests for the page cannot keep the operator from stopping.
        let stop = try await Support.curl(["-X", "POST", "-H", "X-Genlock-Action: 1", "\(base)/api/stop"])
        #expect(stop.status == 202)
        #expect(presses.list.withLock { $0 } == ["stop"])
    }

    /// A burst of upgrades all passed the client count before the first subscribed (40 of a
    /// limit of 16 were fed): a granted upgrade now counts at once.
    @Test func aBurstOfWebSocketUpgradesStaysWithinTheLimit() async throws {
        let core = try Support.core(cameras: ["cam1"], connected: ["cam1"], locked: true)
        let (server, port) = try await Support.server(core: core, tweak: { $0.maximumWebSocketClients = 2 })
        defer { server.stop() }
        // All at once, as the burst that got past the limit: each upgrade on its own thread.
        let clients = Mutex<[RawWebSocket]>([])
        DispatchQueue.concurrentPerform(iterations: 12) { _ in
            if let client = RawWebSocket(port: port) { clients.withLock { $0.append(client) } }
        }
        #expect(clients.withLock { $0.count } == 2)
    }

    /// A socket that sends nothing, half a header (a slowloris) or garbage is closed: they stayed
    /// open for good (Hummingbird's idle timeout starts after the first request head), and 64 of
    /// them took every connection the dashboard allows.
    @Test func connectionsThatSendNoRequestAreClosed() async throws {
        let core = try Support.core(cameras: ["cam1"], connected: ["cam1"], locked: true)
        let (server, port) = try await Support.server(core: core, tweak: {
            $0.requestHeadTimeout = .milliseconds(500)
            $0.idleTimeout = .seconds(1)
        })
        defer { server.stop() }
        let silent = try #require(LoopbackClient(port: port))
        let half = try #require(LoopbackClient(port: port))
        half.send("GET /api/state HTTP/1.1\r\nHost: x\r\n")
        let garbage = try #require(LoopbackClient(port: port))
        garbage.send("GARBAGE\r\n\r\n")
        for (name, socket) in [("silent", silent), ("half a header", half), ("garbage", garbage)] {
            #expect(socket.closedByPeer(within: 10), "\(name): still open")
        }
        // A request sent at once is answered as before.
        #expect(try await Support.curl(["http://127.0.0.1:\(port)/api/state"]).status == 200)
    }

    /// Without the token a request spends nothing of the rate limit: a keyless flood once got
    /// the operator's STOP answered with 429.
    @Test func requestsWithoutTheTokenDoNotSpendTheOperatorsRate() async throws {
        let core = try Support.core(cameras: ["cam1"], connected: ["cam1"], locked: true)
        let token = "00112233445566778899aabbccddeeff"
        let (server, port) = try await Support.server(core: core, token: token, monotonicNs: { 1_000_000_000 }, tweak: {
            $0.requestsPerSecond = 1
            $0.burst = 2
        })
        defer { server.stop() }
        let base = "http://127.0.0.1:\(port)"
        for _ in 0..<5 { #expect(try await Support.curl(["\(base)/nope"]).status == 401) }
        #expect(try await Support.curl(["-H", "Authorization: Bearer \(token)", "\(base)/api/state"]).status == 200)
    }

    @Test func metricsAreServedAsPrometheusTextAndParse() async throws {
        var core = try Support.core(cameras: ["cam1", "cam2"], connected: ["cam1", "cam2"], locked: true)
        _ = core.handle(.status(1, ControlMessage.Status(
            ptp: PTPReport(locked: true, offsetNs: -250, portState: "SLAVE"), framesCaptured: 300, framesSkipped: 1, lastIndex: 300, finished: false,
            phaseLock: .init(state: .locked, phaseErrorNs: 4_000), health: .init(framesDroppedCount: 2, latenessP99Ns: 45_000, diskFreeBytes: 123_456))))
        let (server, port) = try await Support.server(core: core, tweak: { $0.publishInterval = .milliseconds(20) })
        defer { server.stop() }
        server.metrics.backfillBacklog(camera: "cam2", frames: 17)
        // The gauges follow the published state: wait (bounded) for the first publication.
        var samples: [String: Double] = [:]
        for _ in 0..<100 where samples["genlock_camera_frames_recorded{camera=\"cam1\"}"] == nil {
            let result = try await Support.curl(["http://127.0.0.1:\(port)/metrics"])
            #expect(result.status == 200)
            #expect(result.headers.lowercased().contains("content-type: text/plain; version=0.0.4"))
            samples = try PrometheusText.parse(result.body)
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(samples["genlock_camera_frames_recorded{camera=\"cam1\"}"] == 300)
        #expect(samples["genlock_camera_frames_dropped{camera=\"cam1\"}"] == 2)
        #expect(samples["genlock_camera_frames_skipped{camera=\"cam1\"}"] == 1)
        #expect(samples["genlock_camera_ptp_offset_seconds{camera=\"cam1\"}"] == -250e-9)
        #expect(samples["genlock_camera_phase_error_seconds{camera=\"cam1\"}"] == 4e-6)
        #expect(samples["genlock_camera_lateness_p99_seconds{camera=\"cam1\"}"] == 45e-6)
        #expect(samples["genlock_camera_disk_free_bytes{camera=\"cam1\"}"] == 123_456)
        #expect(samples["genlock_camera_connected{camera=\"cam2\"}"] == 1)
        #expect(samples["genlock_ingest_backfill_backlog_frames{camera=\"cam2\"}"] == 17)
        // cam2 sent no STATUS: no frame count is made up for it.
        #expect(samples["genlock_camera_frames_recorded{camera=\"cam2\"}"] == nil)
    }

    @Test func theServerAnswersWhileSwiftsSharedThreadsAreBlocked() async throws {
        let core = try Support.core(cameras: ["cam1"], connected: ["cam1"], locked: true)
        let (server, port) = try await Support.server(core: core)
        defer { server.stop() }
        // Occupy every thread of the cooperative pool with blocking work (as a busy process may)
        // until curl, asking with a 3 s deadline, has its answer (at most 6 s): the dashboard
        // runs on its own queue. curl's exit is heard on Foundation's thread, not on the pool.
        let width = ProcessInfo.processInfo.activeProcessorCount
        let answered = DispatchSemaphore(value: 0)
        let blockers = (0..<width).map { _ in Task.detached { _ = answered.wait(timeout: .now() + 6) } }
        usleep(300_000)
        let curl = try CurlRun(["--max-time", "3", "http://127.0.0.1:\(port)/api/state"])
        defer { curl.cleanUp() }
        let exited = DispatchSemaphore(value: 0)
        curl.start { _ in
            exited.signal()
            for _ in 0..<width { answered.signal() }
        }
        exited.wait()
        for b in blockers { await b.value }
        let result = curl.result()
        #expect(result.status == 200)
        #expect(result.body.contains("\"sessionID\":\"abc\""))
    }

    @Test func nodeMetricsHaveALatenessHistogram() throws {
        let metrics = NodeMetrics(camera: "cam7")
        for ns: Int64 in [8_000, 30_000, 30_000, 2_000_000] { metrics.frameLateness(ns: ns) }
        metrics.update(ControlMessage.Status(ptp: .unknown, framesCaptured: 4, framesSkipped: 0, lastIndex: 3, finished: false))
        let samples = try PrometheusText.parse(metrics.text())
        #expect(samples["genlock_frame_lateness_seconds_bucket{camera=\"cam7\",le=\"1e-05\"}"] == 1)
        #expect(samples["genlock_frame_lateness_seconds_bucket{camera=\"cam7\",le=\"5e-05\"}"] == 3)
        #expect(samples["genlock_frame_lateness_seconds_bucket{camera=\"cam7\",le=\"+Inf\"}"] == 4)
        #expect(samples["genlock_frame_lateness_seconds_count{camera=\"cam7\"}"] == 4)
        #expect(samples["genlock_camera_frames_recorded{camera=\"cam7\"}"] == 4)
        // Unknown PTP offset, no phase lock: those gauges are absent, not 0.
        #expect(samples["genlock_camera_ptp_offset_seconds{camera=\"cam7\"}"] == nil)
        #expect(samples["genlock_camera_phase_error_seconds{camera=\"cam7\"}"] == nil)
    }

    @Test func aWebSocketClientThatStopsReadingIsDroppedAndOthersKeepTheirFeed() async throws {
        // Many cameras make each state message large, so a client that reads nothing backs up fast.
        let names = (1...400).map { "camera-with-a-long-name-\($0)" }
        let core = try Support.core(cameras: names, connected: Array(names.prefix(200)), locked: true)
        let (server, port) = try await Support.server(core: core, tweak: {
            $0.publishInterval = .milliseconds(20)
        })
        defer { server.stop() }
        let reader = try #require(RawWebSocket(port: port))
        let stalled = try #require(RawWebSocket(port: port, receiveBuffer: 4096))
        // The reader keeps reading on its own thread; the stalled client never reads again.
        let stop = Atomicish()
        let readerBytes = Atomicish()
        Thread.detachNewThread {
            while !stop.isSet {
                let n = reader.read()
                if n > 0 { readerBytes.add(n) } else if n == 0 { break }
            }
        }
        defer { stop.set() }
        var waited = 0
        while server.hub.droppedClients == 0, waited < 600 {  // bounded: 60 s at most
            try await Task.sleep(for: .milliseconds(100))
            waited += 1
        }
        #expect(server.hub.droppedClients == 1)
        #expect(server.hub.clientCount == 1)
        // The stalled client's connection was closed: reading what was buffered ends in EOF.
        var closed = false
        for _ in 0..<10_000 {
            let n = stalled.read()
            if n == 0 { closed = true; break }
            if n < 0 { break }
        }
        #expect(closed)
        // The reader still gets the state after the drop.
        let before = readerBytes.value
        try await Task.sleep(for: .milliseconds(500))
        #expect(readerBytes.value > before)
    }
}

/// A counter and a flag shared with the reader thread.
final class Atomicish: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private var flag = false
    func add(_ n: Int) { lock.withLock { count += n } }
    var value: Int { lock.withLock { count } }
    func set() { lock.withLock { flag = true } }
    var isSet: Bool { lock.withLock { flag } }
}

/// Parses Prometheus text exposition: `name{labels} value` lines, comments skipped. Malformed
/// lines throw, naming the line.
enum PrometheusText {
    struct Malformed: Error { let line: String }

    static func parse(_ text: String) throws -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
            guard let space = line.lastIndex(of: " ") else { throw Malformed(line: String(line)) }
            let key = String(line[..<space])
            let valueText = line[line.index(after: space)...]
            guard let value = Double(valueText) ?? (valueText == "+Inf" ? .infinity : nil) else { throw Malformed(line: String(line)) }
            samples[key] = value
        }
        return samples
    }
}
