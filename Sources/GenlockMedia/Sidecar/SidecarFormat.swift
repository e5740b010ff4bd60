import GenlockCore

/// The per-frame sidecar, `<camera>.frames.csv`: one row per frame index from the first to the
/// last the camera was present for, recorded or not.
///
/// Columns (integers in nanoseconds; an empty cell means "not known"):
/// - `index`: the frame index `n`; frame `n` always means `Tn`.
/// - `scheduled_realtime_ns`: `Tn = T0 + n·P` on CLOCK_REALTIME (the PTP-shared timeline), ns
///   since the Unix epoch. The video's PTS is this instant, rounded (``PresentationClock``).
/// - `sensor_monotonic_ns`: the sensor's frame timestamp on CLOCK_MONOTONIC. On a Pi 5 this is
///   the frame-start interrupt (start of readout of row 0), about one exposure after row 0
///   began to expose: exposure start ≈ sensor − exposure.
/// - `sensor_realtime_ns`: the same instant on the realtime timeline, mapped through the clock
///   pair sampled at wake-up (or the camera's own wall-clock stamp when it has one).
/// - `exposure_ns`: the exposure time reported for the frame.
/// - `wake_error_ns`: how late the deadline timer woke the node for frame `n` (monotonic).
/// - `realtime_lateness_ns`: realtime read on waking for frame `n` minus `Tn`: the lateness on
///   the shared timeline (differs from the wake error when realtime was stepped or slewed while
///   the deadline was armed). Sidecars written before this column existed are still read (the
///   value is then unknown).
/// - `flags`: empty for a recorded frame; otherwise `|`-joined words: `skipped` (deadline
///   passed, nothing requested), `dropped` (requested but not in the video), `segment-start`
///   (first frame of a new segment file), `late` (realtime lateness beyond the recording's
///   tolerance).
///
/// Every row ends in `\n` and is written with a single `write(2)` (``LineFile``), so a crash
/// never leaves half a row.
public enum SidecarFormat {
    public static let header = "index,scheduled_realtime_ns,sensor_monotonic_ns,sensor_realtime_ns,exposure_ns,wake_error_ns,realtime_lateness_ns,flags"
    /// The header of sidecars written before `realtime_lateness_ns` (still read).
    public static let headerWithoutLateness = "index,scheduled_realtime_ns,sensor_monotonic_ns,sensor_realtime_ns,exposure_ns,wake_error_ns,flags"

    /// The row for `record`, with its newline.
    public static func line(_ record: FrameRecord) -> String {
        func cell(_ value: Int64?) -> String { value.map(String.init) ?? "" }
        return "\(record.index),\(record.scheduled.nanosecondsSinceEpoch),\(cell(record.sensorMonotonic?.nanoseconds)),"
            + "\(cell(record.sensorRealtime?.nanosecondsSinceEpoch)),\(cell(record.exposure?.nanoseconds)),"
            + "\(cell(record.wakeError?.nanoseconds)),\(cell(record.realtimeLateness?.nanoseconds)),\(record.flags.text)\n"
    }

    /// Parses a sidecar's text; `path` names it in errors. A last line without its newline is
    /// rejected: rows are written whole, so that would mean the file was damaged. Lines ending in
    /// CR LF (a copy through a tool that converts line endings) read as the same rows.
    public static func parse(_ text: String, path: String) throws(MediaError) -> [FrameRecord] {
        var lines = TextLines.split(text)
        let first = lines.first.map(String.init)
        guard first == header || first == headerWithoutLateness else {
            throw MediaError.malformedSidecar(path: path, line: 1, reason: "expected the header '\(header)'")
        }
        let hasLateness = first == header
        let columns = hasLateness ? 8 : 7
        guard lines.last == "" else {
            throw MediaError.malformedSidecar(path: path, line: lines.count, reason: "torn last line (no newline)")
        }
        lines.removeLast()
        var records: [FrameRecord] = []
        records.reserveCapacity(lines.count - 1)
        for (offset, line) in lines.enumerated().dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            let number = offset + 1
            guard cells.count == columns else {
                throw MediaError.malformedSidecar(path: path, line: number, reason: "expected \(columns) cells, got \(cells.count)")
            }
            func int(_ i: Int) throws(MediaError) -> Int64? {
                if cells[i].isEmpty { return nil }
                guard let v = Int64(cells[i]) else {
                    throw MediaError.malformedSidecar(path: path, line: number, reason: "cell \(i + 1) '\(cells[i])' is not an integer")
                }
                return v
            }
            guard let index = try int(0), let scheduled = try int(1) else {
                throw MediaError.malformedSidecar(path: path, line: number, reason: "index and scheduled_realtime_ns are required")
            }
            // Every reader joins rows by index and `Tn`: a duplicated, reordered or negative one
            // made framesets count a frame twice or call a recorded one absent, without a word.
            guard index >= 0 else {
                throw MediaError.malformedSidecar(path: path, line: number, reason: "index \(index) is negative: indices start at 0")
            }
            guard scheduled > 0 else {
                throw MediaError.malformedSidecar(path: path, line: number, reason: "Tn \(scheduled) ns is not after the epoch")
            }
            if let previous = records.last {
                guard index > previous.index else {
                    throw MediaError.malformedSidecar(path: path, line: number, reason: "index \(index) follows index \(previous.index): indices must strictly increase")
                }
                guard scheduled > previous.scheduled.nanosecondsSinceEpoch else {
                    throw MediaError.malformedSidecar(path: path, line: number, reason: "Tn \(scheduled) ns of index \(index) is not after the previous row's \(previous.scheduled.nanosecondsSinceEpoch) ns")
                }
            }
            let flags: FrameRecord.Flags
            do { flags = try FrameRecord.Flags(text: String(cells[columns - 1])) } catch {
                throw MediaError.malformedSidecar(path: path, line: number, reason: "\(error)")
            }
            records.append(FrameRecord(
                index: index, scheduled: RealtimeInstant(nanosecondsSinceEpoch: scheduled),
                sensorMonotonic: try int(2).map { MonotonicInstant(nanoseconds: $0) },
                sensorRealtime: try int(3).map { RealtimeInstant(nanosecondsSinceEpoch: $0) },
                exposure: try int(4).map { TimeSpan(nanoseconds: $0) },
                wakeError: try int(5).map { TimeSpan(nanoseconds: $0) },
                realtimeLateness: hasLateness ? try int(6).map { TimeSpan(nanoseconds: $0) } : nil,
                flags: flags))
        }
        return records
    }
}
