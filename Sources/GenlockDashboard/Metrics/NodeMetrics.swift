import CoreMetrics
import GenlockControl
import Prometheus

/// A camera node's `/metrics` (`genlock camera --metrics ADDR`): its STATUS as gauges, and every
/// captured frame's realtime lateness (realtime on waking − `Tn`) in a histogram, which the
/// coordinator, hearing only a p99, cannot give.
public final class NodeMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let frames: Meter
    private let dropped: Meter
    private let skipped: Meter
    private let ptpOffset: Meter
    private let phaseError: Meter
    private let lateness: Recorder

    /// Lateness buckets, seconds: 10 µs to 50 ms.
    public static let latenessBucketsSeconds: [Double] = [10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 5e-3, 10e-3, 50e-3]

    public init(camera: String) {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.valueHistogramBuckets["genlock_frame_lateness_seconds"] = Self.latenessBucketsSeconds
        let dims = [("camera", camera)]
        frames = Meter(label: "genlock_camera_frames_recorded", dimensions: dims, factory: factory)
        dropped = Meter(label: "genlock_camera_frames_dropped", dimensions: dims, factory: factory)
        skipped = Meter(label: "genlock_camera_frames_skipped", dimensions: dims, factory: factory)
        ptpOffset = Meter(label: "genlock_camera_ptp_offset_seconds", dimensions: dims, factory: factory)
        phaseError = Meter(label: "genlock_camera_phase_error_seconds", dimensions: dims, factory: factory)
        lateness = Recorder(label: "genlock_frame_lateness_seconds", dimensions: dims, aggregate: true, factory: factory)
    }

    /// The node's STATUS, as it sends it (twice a second).
    public func update(_ status: ControlMessage.Status) {
        frames.set(Double(status.framesCaptured))
        skipped.set(Double(status.framesSkipped))
        if let d = status.health?.framesDroppedCount { dropped.set(Double(d)) }
        if let o = status.ptp.offsetNs { ptpOffset.set(Double(o) / 1e9) }
        if let p = status.phaseLock { phaseError.set(Double(p.phaseErrorNs) / 1e9) }
    }

    /// One captured frame's realtime lateness.
    public func frameLateness(ns: Int64) { lateness.record(Double(ns) / 1e9) }

    /// The Prometheus text exposition.
    public func text() -> String { registry.emitToString() }
}
