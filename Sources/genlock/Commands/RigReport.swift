import Foundation
import GenlockCore
import GenlockMedia

/// What `genlock rig` prints after a run: the first frames' classic log lines side by side, and
/// the sync report from the sidecars.
struct RigReport {
    let cameras: [String]
    /// Per camera: frame index → the classic log line's timestamp text.
    let logTimes: [String: [Int64: String]]
    /// Per camera: the sidecar rows.
    let records: [String: [FrameRecord]]

    init(sessionDirectory: String, cameras: [String], logDirectory: String) throws {
        self.cameras = cameras
        var times: [String: [Int64: String]] = [:]
        var rows: [String: [FrameRecord]] = [:]
        for name in cameras {
            let log = (try? String(contentsOfFile: "\(logDirectory)/\(name).log", encoding: .utf8)) ?? ""
            var t: [Int64: String] = [:]
            // A request-timed frame's line ("frame n Capture request queued"), or a phase-locked
            // one's ("frame n exposed +1.2 µs from Tn (locked)").
            for line in log.split(separator: "\n") where line.hasSuffix("Capture request queued") || line.contains(" from Tn (") {
                guard let close = line.firstIndex(of: "]"), let r = line.range(of: "] frame ") else { continue }
                if let n = Int64(line[r.upperBound...].split(separator: " ").first ?? "") { t[n] = String(line[...close]) }
            }
            times[name] = t
            let path = CameraFiles(directory: sessionDirectory, camera: name).sidecar
            if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                rows[name] = (try? SidecarFormat.parse(text, path: path)) ?? []
            }
        }
        logTimes = times
        records = rows
    }

    func printSideBySide(frames: Int) {
        guard frames > 0 else { return }
        let first = cameras.compactMap { logTimes[$0]?.keys.min() }.min() ?? 0
        Console.out("")
        Console.out("first frames, the classic log line of each camera side by side (realtime, local time):")
        Console.out(pad("frame", 7) + cameras.map { pad($0, 30) }.joined())
        for n in first..<(first + Int64(frames)) {
            Console.out(pad("\(n)", 7) + cameras.map { pad(logTimes[$0]?[n] ?? "-", 30) }.joined())
        }
        Console.out("(each line: [time] [INFO] [camera] frame n Capture request queued, or, phase-locked, frame n exposed ... from Tn)")
    }

    /// Prints the sync report and returns its text (the dashboard shows it after STOP).
    @discardableResult
    func printSync(stopIndex: Int64?, exports: [CameraSummary]) -> String {
        var lines: [String] = []
        func emit(_ line: String) {
            Console.out(line)
            lines.append(line)
        }
        // Request instant of frame n on a camera, on the shared timeline: Tn plus that node's
        // realtime lateness (older sidecars without it: plus its monotonic wake error).
        var instants: [Int64: [Int64]] = [:]
        for name in cameras {
            for r in records[name] ?? [] where r.flags.isDisjoint(with: [.skipped, .dropped]) {
                guard let late = r.realtimeLateness ?? r.wakeError else { continue }
                instants[r.index, default: []].append(r.scheduled.nanosecondsSinceEpoch + late.nanoseconds)
            }
        }
        // Phase-locked frames have no wake-up: their exposure start (the sensor's readout instant
        // less the exposure) on the shared timeline is what lines up.
        var exposures: [Int64: [Int64]] = [:]
        for name in cameras {
            for r in records[name] ?? [] where r.wakeError == nil && r.flags.isDisjoint(with: [.skipped, .dropped]) {
                guard let sensor = r.sensorRealtime, let exposure = r.exposure else { continue }
                exposures[r.index, default: []].append(sensor.nanosecondsSinceEpoch - exposure.nanoseconds)
            }
        }
        emit("")
        emit("sync report\(stopIndex.map { " (stop index \($0))" } ?? ""):")
        let requestSkews = instants.values.filter { $0.count == cameras.count }.map { $0.max()! - $0.min()! }
        let exposureSkews = exposures.values.filter { $0.count == cameras.count }.map { $0.max()! - $0.min()! }
        if let p = Percentiles(requestSkews) {
            emit("  capture-request skew across \(cameras.count) cameras over \(p.count) common frames: p50 \(TimeSpanFormat.text(p.p50)), p99 \(TimeSpanFormat.text(p.p99)), max \(TimeSpanFormat.text(p.max))")
        }
        if let p = Percentiles(exposureSkews) {
            emit("  exposure-start skew across \(cameras.count) cameras over \(p.count) common frames (as each sensor reports it): p50 \(TimeSpanFormat.text(p.p50)), p99 \(TimeSpanFormat.text(p.p99)), max \(TimeSpanFormat.text(p.max))")
        }
        if requestSkews.isEmpty, exposureSkews.isEmpty {
            emit("  no frame was recorded by every camera")
        }
        for name in cameras {
            if let s = exports.first(where: { $0.camera == name }) {
                emit("  \(name): recorded \(s.recorded), dropped \(s.dropped), skipped \(s.skipped), indices \(s.indices.map { "\($0.lowerBound)...\($0.upperBound)" } ?? "-")\(latenessText(name))")
            } else {
                emit("  \(name): no recording")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// A camera's realtime lateness (realtime on waking − Tn) over its requested frames, and how
    /// many were flagged late; empty when its sidecar has no such column (phase-locked, older files).
    private func latenessText(_ name: String) -> String {
        let rows = (records[name] ?? []).filter { !$0.flags.contains(.skipped) }
        guard let p = Percentiles(rows.compactMap { $0.realtimeLateness?.nanoseconds }) else { return "" }
        let late = rows.filter { $0.flags.contains(.late) }.count
        return ", realtime lateness p50 \(TimeSpanFormat.text(p.p50)) p99 \(TimeSpanFormat.text(p.p99)) max \(TimeSpanFormat.text(p.max)), late \(late)"
    }

    private func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }
}
