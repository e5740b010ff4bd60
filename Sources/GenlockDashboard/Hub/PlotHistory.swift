/// The plots' data: one sample per camera a second (PTP offset, phase error) and the framesets,
/// over the last `capacity` seconds. A ring per camera, so memory stays bounded however long the
/// session runs.
struct PlotHistory: Sendable {
    struct Sample: Codable, Hashable, Sendable {
        /// Realtime, ms since the epoch (what the page's clock speaks).
        var tMs: Int64
        var ptpOffsetNs: Int64?
        var phaseErrorNs: Int64?
    }

    struct FramesetSample: Codable, Hashable, Sendable {
        var tMs: Int64
        var complete: Int64
        var partial: Int64
    }

    let capacity: Int
    private(set) var cameras: [String: [Sample]] = [:]
    private(set) var framesets: [FramesetSample] = []

    init(capacity: Int) { self.capacity = max(1, capacity) }

    mutating func append(camera: String, _ sample: Sample) {
        cameras[camera, default: []].append(sample)
        if cameras[camera]!.count > capacity { cameras[camera]!.removeFirst(cameras[camera]!.count - capacity) }
    }

    mutating func append(framesets sample: FramesetSample) {
        framesets.append(sample)
        if framesets.count > capacity { framesets.removeFirst(framesets.count - capacity) }
    }
}
