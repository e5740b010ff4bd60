import GenlockCore

/// `framesets.csv`: frame `n` of every camera of a session, one row per index from the first
/// index any camera recorded to the last, assembled from the cameras' sidecars by the core's
/// ``FramesetAssembler`` (the rule a live ingest uses too). Nothing is dropped: a partial
/// frameset is a row saying, per camera, why its frame is missing.
///
/// Columns: `index,scheduled_realtime_ns,complete`, then per camera (in name order)
/// `<camera>_state` (`present`, `dropped`, `skipped`, `absent`) and
/// `<camera>_exposure_start_ns` (the sensor instant minus the exposure, where both are known).
public enum FramesetExport {
    /// The session's framesets and what is missing.
    public struct Table: Sendable {
        public var cameras: [String]
        public var framesets: [FramesetAssembler.Frameset]
        /// `Tn` of each index any camera has a row for.
        public var scheduled: [Int64: RealtimeInstant]

        public var complete: Int { framesets.count { $0.isComplete } }
        public var partial: Int { framesets.count - complete }

        /// Per camera, the indices of partial framesets it is missing from (as ranges), and why.
        public func missing(_ camera: Int) -> [(range: ClosedRange<Int64>, state: FramesetAssembler.CameraState)] {
            var out: [(range: ClosedRange<Int64>, state: FramesetAssembler.CameraState)] = []
            for set in framesets where set.parts[camera].state != .present {
                let state = set.parts[camera].state
                if let last = out.last, last.state == state, last.range.upperBound == set.index - 1 {
                    out[out.count - 1].range = last.range.lowerBound...set.index
                } else {
                    out.append((set.index...set.index, state))
                }
            }
            return out
        }

        /// One line per camera with missing frames, after a line of totals.
        public var summary: [String] {
            var lines = ["framesets \(framesets.count): complete \(complete), partial \(partial)"]
            for (c, name) in cameras.enumerated() {
                let gaps = missing(c)
                guard !gaps.isEmpty else { continue }
                let text = gaps.map { g in
                    (g.range.count == 1 ? "\(g.range.lowerBound)" : "\(g.range.lowerBound)...\(g.range.upperBound)") + " \(g.state.rawValue)"
                }
                lines.append("  \(name) missing: " + text.joined(separator: ", "))
            }
            return lines
        }
    }

    /// Assembles the framesets of the session in `sessionDirectory` from its sidecars.
    public static func table(sessionDirectory: String) throws(MediaError) -> Table {
        let names = try SessionExport.cameras(in: sessionDirectory)
        var rows: [[FrameRecord]] = []
        for name in names {
            let path = CameraFiles(directory: sessionDirectory, camera: name).sidecar
            rows.append(try SidecarFormat.parse(try FileSystem.read(path), path: path))
        }
        if let conflict = SessionSchedule.conflict(cameras: names, rows: rows) {
            throw MediaError.notASession("\(sessionDirectory): \(conflict) (move one camera's files to a session folder of its own)")
        }
        return table(cameras: names, rows: rows)
    }

    /// Assembles the framesets of `cameras` from their sidecar rows (each in index order). Rows
    /// flagged `after-stop` are not part of the session and make no frameset. `span`, when given,
    /// is the range of indices to cover (an export keeps the session's range when a camera's
    /// last frames are lost); otherwise the rows' own.
    public static func table(cameras: [String], rows allRows: [[FrameRecord]], span: ClosedRange<Int64>? = nil) -> Table {
        let rows = allRows.map { $0.filter { !$0.flags.contains(.afterStop) } }
        let first = span?.lowerBound ?? rows.compactMap { $0.first?.index }.min() ?? 0
        let last = span?.upperBound ?? rows.compactMap { $0.last?.index }.max()
        var assembler = FramesetAssembler(configuration: .init(cameras: cameras.count, firstIndex: first))
        var framesets: [FramesetAssembler.Frameset] = []
        var scheduled: [Int64: RealtimeInstant] = [:]
        for (c, records) in rows.enumerated() {
            for record in records {
                scheduled[record.index] = record.scheduled
                framesets += assembler.handle(.row(camera: c, index: record.index, part(record)))
            }
        }
        for c in cameras.indices { framesets += assembler.handle(.cameraEnded(camera: c)) }
        if let last { framesets += assembler.handle(.stop(last + 1)) }
        return Table(cameras: cameras, framesets: framesets, scheduled: scheduled)
    }

    /// A sidecar row as the frameset sees it.
    static func part(_ record: FrameRecord) -> FramesetAssembler.Part {
        let state: FramesetAssembler.CameraState =
            record.flags.contains(.skipped) ? .skipped : record.flags.contains(.dropped) ? .dropped : .present
        var start: RealtimeInstant?
        if state == .present, let sensor = record.sensorRealtime, let exposure = record.exposure { start = sensor - exposure }
        return FramesetAssembler.Part(state: state, exposureStart: start)
    }

    /// The CSV text of `table`.
    public static func csv(_ table: Table) -> String {
        var text = "index,scheduled_realtime_ns,complete"
        for name in table.cameras { text += ",\(name)_state,\(name)_exposure_start_ns" }
        text += "\n"
        for set in table.framesets {
            text += "\(set.index),\(table.scheduled[set.index].map { String($0.nanosecondsSinceEpoch) } ?? ""),\(set.isComplete ? 1 : 0)"
            for part in set.parts {
                text += ",\(part.state.rawValue),\(part.exposureStart.map { String($0.nanosecondsSinceEpoch) } ?? "")"
            }
            text += "\n"
        }
        return text
    }

    /// Writes `framesets.csv` into `sessionDirectory` (atomically) and returns the table.
    @discardableResult
    public static func write(sessionDirectory: String) throws(MediaError) -> Table {
        let table = try table(sessionDirectory: sessionDirectory)
        try FileSystem.writeAtomically(csv(table), to: sessionDirectory + "/framesets.csv")
        return table
    }
}
