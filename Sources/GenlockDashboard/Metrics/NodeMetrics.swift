import CoreMetrics
import GenlockControl
import Prometheus
import Synchronization

/// A camera node's `/metrics` (`genlock camera --metrics ADDR`): its STATUS as gauges, and every
/// captured frame's realtime lateness (realtime on waking − `Tn`) in a histogram, which the
/// coordinator, hearing only a p99, cannot give. A gauge appears only once the node knows its
/// value: no PTP offset is reported as 0 when ptp4l is not running.
public final class NodeMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let dimensions: [(String, String)]
    private let meters = Mutex<[String: Meter]>([:])
    private let lateness: Recorder

    /// Lateness buckets, seconds: 10 µs to 50 ms.
    public static let latenessBucketsSeconds: [Double] = [10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 5e-3, 10e-3, 50e-3]

    public init(camera: String) {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.valueHistogramBuckets["genlock_frame_lateness_seconds"] = Self.latenessBucketsSeconds
        self.factory = factory
        dimensions = [("camera", camera)]
        lateness = Recorder(label: "genlock_frame_lateness_seconds", dimensions: dimensions, aggregate: true, factory: factory)
    }

    /// The node's STATUS, as it sends it (twice a second).
    public func update(_ status: ControlMessage.Status) {
        set("genlock_camera_frames_recorded", Double(status.framesCaptured))
        set("genlock_camera_frames_skipped", Double(status.framesSkipped))
        set("genlock_camera_frames_dropped", status.health?.framesDroppedCount.map(Double.init))
        set("genlock_camera_ptp_offset_seconds", status.ptp.offsetNs.map { Double($0) / 1e9 })
        set("genlock_camera_phase_error_seconds", status.phaseLock.map { Double($0.phaseErrorNs) / 1e9 })
        set("genlock_camera_disk_free_bytes", status.health?.diskFreeBytes.map(Double.init))
    }

    /// One captured frame's realtime lateness.
    public func frameLateness(ns: Int64) { lateness.record(Double(ns) / 1e9) }

    /// The Prometheus text exposition.
    public func text() -> String { registry.emitToString() }

    private func set(_ name: String, _ value: Double?) {
        guard let value else { return }
        let meter = meters.withLock { meters in
            if let m = meters[name] { return m }
            let m = Meter(label: name, dimensions: dimensions, factory: factory)
            meters[name] = m
            return m
        }
        meter.set(value)
    }
}
