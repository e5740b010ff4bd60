import ArgumentParser
import GenlockControl
import GenlockDashboard
import GenlockPOSIX
import Logging

/// `genlock camera --metrics ADDR`: the node's Prometheus endpoint, started on its own task. Bad
/// input (not HOST:PORT) is refused before the node starts; a port that cannot be bound is logged
/// and the node records without metrics.
enum NodeMetricsLaunch {
    static func start(_ address: String?, camera: String, clock: PosixClockPair, log: Logger) throws -> NodeMetrics? {
        guard let address else { return nil }
        guard let parsed = HostPort(parsing: address, allowingPortZero: true) else {
            throw ValidationError("--metrics: '\(address)' is not HOST:PORT")
        }
        let metrics = NodeMetrics(camera: camera)
        let server = MetricsServer(text: { metrics.text() }, monotonicNs: { clock.monotonicNow().nanoseconds })
        Task.detached {
            do {
                let port = try await server.start(host: parsed.host, port: parsed.port)
                log.info("metrics: http://\(parsed.host):\(port)/metrics")
            } catch {
                log.warning("metrics not served on \(address): \(error); recording without them")
            }
        }
        return metrics
    }
}
