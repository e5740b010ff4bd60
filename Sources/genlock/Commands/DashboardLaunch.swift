import ArgumentParser
import Dispatch
import GenlockControl
import GenlockControlNIO
import GenlockCore
import GenlockDashboard
import GenlockPOSIX

/// `--http`, `--http-linger`, `--wait-for-start`: the dashboard options of `genlock coordinator`
/// and `genlock rig`.
struct DashboardArguments: ParsableArguments {
    @Option(name: .customLong("http"), help: "Serve the dashboard and /metrics on HOST:PORT (loopback by default; another address needs the token printed at start); 'off' for none.")
    var http = "127.0.0.1:8080"

    @Option(name: .customLong("http-linger"), help: "Keep the dashboard up this long after the session ends, to read its report (Ctrl-C ends it sooner).", transform: Parse.timeSpan)
    var linger: TimeSpan = .zero

    @Flag(name: .customLong("wait-for-start"), help: "Hold START, once every camera is ready, until the dashboard's START button is pressed.")
    var waitForStart = false

    func validate() throws {
        guard http == "off" || HostPort(parsing: http, allowingPortZero: true) != nil else {
            throw ValidationError("--http: '\(http)' is not HOST:PORT or 'off'")
        }
        guard linger >= .zero else { throw ValidationError("--http-linger must not be negative") }
    }
}

/// The dashboard beside a running ``CoordinatorServer``: fed by its `observe` hook, pressing its
/// `requestStart`/`requestStop`. Started on its own task; if it cannot start, the coordinator
/// logs why and runs without it.
final class DashboardLaunch: Sendable {
    let hub: DashboardHub
    private let server: DashboardServer?
    /// The dashboard's `/metrics` (nil when it is off).
    var metrics: RigMetrics? { server?.metrics }
    private let lingerWake = DispatchSemaphore(value: 0)
    private let log: @Sendable (String) -> Void

    init(_ arguments: DashboardArguments, coordinator: CoordinatorServer, clock: PosixClockPair, log: @escaping @Sendable (String) -> Void) {
        self.log = log
        hub = DashboardHub(
            controls: .init(requestStart: { coordinator.requestStart() }, requestStop: { coordinator.requestStop() }),
            now: { clock.sample().realtime })
        let hub = self.hub
        coordinator.observe = { hub.observe($0) }
        guard arguments.http != "off", let address = HostPort(parsing: arguments.http, allowingPortZero: true) else {
            server = nil
            return
        }
        let token = AccessPolicy.isLoopback(address.host) ? nil : AccessPolicy.makeToken()
        let server = DashboardServer(
            options: .init(host: address.host, port: address.port, token: token), hub: hub,
            monotonicNs: { clock.monotonicNow().nanoseconds }, log: log)
        self.server = server
        let http = arguments.http
        let started = DispatchSemaphore(value: 0)
        Task.detached {
            defer { started.signal() }
            do {
                let port = try await server.start()
                let shown = address.host.contains(":") ? "[\(address.host)]" : address.host
                log("dashboard: http://\(shown):\(port)/\(token.map { "?token=\($0)" } ?? "") (metrics: /metrics)")
            } catch {
                log("dashboard not started on \(http): \(error); the coordinator runs without it")
            }
        }
        // Listening (or refused) before the coordinator's own port opens, so the page's socket is
        // not left to take its chance in a flood of the control port; bounded, so a slow start
        // never holds the rig.
        if started.wait(timeout: .now() + 5) == .timedOut {
            log("dashboard: not listening after 5 s; the coordinator starts without waiting for it")
        }
    }

    /// The session ended: the report and folder go to the page; then the page stays up for
    /// `linger` (or until ``wake()``, Ctrl-C) so the operator can read them.
    func finished(report: String, folder: String?, linger: TimeSpan) {
        hub.sessionFinished(report: report, folder: folder)
        guard let server else { return }
        if linger > .zero {
            log("dashboard: session report shown; serving \(linger) more (Ctrl-C to end)")
            _ = lingerWake.wait(timeout: .now() + .nanoseconds(Int(clamping: linger.nanoseconds)))
        }
        server.stop()
    }

    /// Ctrl-C while lingering.
    func wake() { lingerWake.signal() }
}
