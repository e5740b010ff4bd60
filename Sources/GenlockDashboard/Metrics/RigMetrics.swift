import CoreMetrics
import Prometheus
import Synchronization

/// The coordinator's `/metrics`: per camera, what its latest STATUS says (frames recorded, dropped
/// and skipped, PTP offset, phase error, realtime lateness p99, disk free, connected), written
/// through swift-metrics into a Prometheus registry of its own (no global bootstrap, so tests and
/// the node's registry never mix). Values are gauges as the node reports them: a node restarted
/// mid-session counts again from zero, which a Prometheus counter could not say.
public final class RigMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let meters = Mutex<[String: Meter]>([:])

    public init() {
        registry = PrometheusCollectorRegistry()
        factory = PrometheusMetricsFactory(registry: registry)
    }

    /// Sets every camera's gauges from a snapshot (the hub publishes; this runs off the control loop).
    public func update(_ snapshot: DashboardSnapshot) {
        for tile in snapshot.cameras {
            set("genlock_camera_connected", tile.name, tile.connected ? 1.0 : 0.0)
            set("genlock_camera_recording", tile.name, tile.recording ? 1.0 : 0.0)
            set("genlock_camera_frames_recorded", tile.name, tile.frames)
            set("genlock_camera_frames_dropped", tile.name, tile.dropped)
            set("genlock_camera_frames_skipped", tile.name, tile.skipped)
            set("genlock_camera_ptp_offset_seconds", tile.name, tile.ptpOffsetNs.map { Double($0) / 1e9 })
            set("genlock_camera_ptp_locked", tile.name, tile.ptpLocked ? 1.0 : 0.0)
            set("genlock_camera_phase_error_seconds", tile.name, tile.phaseErrorNs.map { Double($0) / 1e9 })
            set("genlock_camera_lateness_p99_seconds", tile.name, tile.latenessP99Ns.map { Double($0) / 1e9 })
            set("genlock_camera_disk_free_bytes", tile.name, tile.diskFreeBytes)
        }
        if let stop = snapshot.stopIndex { set("genlock_session_stop_index", nil, stop) }
        if let f = snapshot.framesets {
            set("genlock_framesets_complete", nil, f.complete)
            set("genlock_framesets_partial", nil, f.partial)
        }
    }

    /// The ingest's back-fill backlog for `camera`: frames recorded on the node and not yet
    /// streamed to the ingest (`genlock_ingest_backfill_backlog_frames`), fed once a second by
    /// the coordinator's or the rig's ingest; absent without one.
    public func backfillBacklog(camera: String, frames: Int64) {
        set("genlock_ingest_backfill_backlog_frames", camera, frames)
    }

    /// The Prometheus text exposition (format 0.0.4).
    public func text() -> String { registry.emitToString() }

    private func set(_ name: String, _ camera: String?, _ value: Int64?) { set(name, camera, value.map(Double.init)) }

    private func set(_ name: String, _ camera: String?, _ value: Double?) {
        guard let value else { return }
        let key = "\(name)|\(camera ?? "")"
        let meter = meters.withLock { meters in
            if let m = meters[key] { return m }
            let m = Meter(label: name, dimensions: camera.map { [("camera", $0)] } ?? [], factory: factory)
            meters[key] = m
            return m
        }
        meter.set(value)
    }
}
