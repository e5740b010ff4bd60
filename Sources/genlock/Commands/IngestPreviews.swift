import GenlockControl
import GenlockCore
import GenlockDashboard
import GenlockIngest
import GenlockMedia
import GenlockPOSIX

/// Wiring of the ingest to the dashboard: each camera's stream decoded into a preview about once
/// a second (``PreviewRenderer``), the count of complete and partial framesets, and each camera's
/// back-fill backlog (rows the ingest still lacks) for `/metrics` once a second. Runs on tasks
/// of its own; the ingest's packet stream keeps only the newest packets when this falls behind,
/// so capture, control and the ingest's files never wait for a preview.
enum IngestPreviews {
    static func follow(_ ingest: IngestServer, hub: DashboardHub, metrics: RigMetrics?, clock: PosixClockPair, log: @escaping @Sendable (String) -> Void) {
        Task.detached {
            var renderers: [String: PreviewRenderer] = [:]
            // After a gap (packets the stream let go) or a damaged packet, a camera's decoder is
            // started again at the next keyframe, so no preview shows a picture decoded from
            // missing references.
            var waitingForKeyframe: Set<String> = []
            var reported: Set<String> = []
            for await item in ingest.packets {
                let camera = item.camera
                if renderers[camera]?.parameters != item.parameters {
                    renderers[camera] = nil
                    waitingForKeyframe.insert(camera)
                }
                if waitingForKeyframe.contains(camera) {
                    guard item.packet.isKeyframe else { continue }
                    do {
                        renderers[camera] = try PreviewRenderer(parameters: item.parameters, maximumWidth: 480)
                        waitingForKeyframe.remove(camera)
                    } catch {
                        if reported.insert(camera).inserted { log("dashboard: no previews of \(camera): \(error)") }
                        continue
                    }
                }
                guard let renderer = renderers[camera] else { continue }
                do {
                    if let image = try renderer.consume(item.packet, index: item.index, scheduledNs: item.record.scheduled.nanosecondsSinceEpoch, now: clock.monotonicNow()) {
                        hub.preview(camera: camera, jpeg: image.jpeg, index: image.index, scheduledNs: image.scheduledNs)
                    }
                } catch {
                    renderers[camera] = nil
                    waitingForKeyframe.insert(camera)
                }
            }
        }
        if let metrics {
            Task.detached {
                while !Task.isCancelled {
                    let lacking = ingest.lacking
                    for camera in ingest.configuration.cameras {
                        // A range open downwards ("everything before the first row known") counts from index 0.
                        let frames = IndexRanges.count(lacking[camera] ?? [])
                        metrics.backfillBacklog(camera: camera, frames: frames)
                    }
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
        Task.detached {
            var complete: Int64 = 0
            var partial: Int64 = 0
            for await frameset in ingest.framesets {
                if frameset.isComplete { complete += 1 } else { partial += 1 }
                hub.framesets(complete: complete, partial: partial)
            }
        }
    }
}
