import GenlockCore

/// Checks a session folder the way a researcher's tools will rely on it: every camera's video
/// against its sidecar (each decoded frame joins a recorded row by its PTS, indices increase
/// across segments, the counts agree, nothing cut short), the mkvmerge timestamp file against the
/// rows, and the session's exports (`summary.csv`, `framesets.csv`) against what the sidecars
/// say. Each problem is named with its camera and file; none means the folder is consistent.
public enum SessionVerifier {
    /// One inconsistency: the file it is in and what is wrong.
    public struct Problem: Hashable, Sendable, CustomStringConvertible {
        public var file: String
        public var text: String
        public var description: String { "\(file): \(text)" }
    }

    /// What was checked, per camera, and the problems found.
    public struct Report: Sendable {
        public var cameras: [CameraSummary]
        public var framesets: FramesetExport.Table?
        public var problems: [Problem]
        public var isConsistent: Bool { problems.isEmpty }
    }

    /// Verifies the session in `directory`. Throws only when it is not a session folder (no
    /// camera sidecars, or unreadable); everything else is a ``Problem``.
    public static func verify(sessionDirectory directory: String) throws(MediaError) -> Report {
        let names = try SessionExport.cameras(in: directory)
        guard !names.isEmpty else {
            throw MediaError.notASession("\(directory) holds no camera sidecars (<camera>.frames.csv): not a session folder")
        }
        var problems: [Problem] = []
        var summaries: [CameraSummary] = []
        var allRows: [[FrameRecord]] = []
        for name in names {
            let files = CameraFiles(directory: directory, camera: name)
            let rows: [FrameRecord]
            do {
                rows = try SidecarFormat.parse(try FileSystem.read(files.sidecar), path: files.sidecar)
            } catch {
                problems.append(Problem(file: files.sidecar, text: "\(error)"))
                continue
            }
            allRows.append(rows)
            summaries.append(CameraSummary(camera: name, records: rows))
            problems += checkOrder(rows.map(\.index), file: files.sidecar)
            problems += checkVideos(files, rows: rows)
        }
        for orphan in try SessionExport.filesWithoutSidecar(in: directory, cameras: names) {
            problems.append(Problem(file: "\(directory)/\(orphan.file)",
                                    text: "no sidecar \(orphan.camera)\(CameraFiles.sidecarSuffix): camera \(orphan.camera)'s frames cannot be placed on indices, and every reader of the session leaves it out"))
        }
        if allRows.count == names.count, let conflict = SessionSchedule.conflict(cameras: names, rows: allRows) {
            problems.append(Problem(file: directory, text: "not one session: \(conflict)"))
        }
        let table = allRows.count == names.count ? FramesetExport.table(cameras: names, rows: allRows) : nil
        problems += checkExports(directory, cameras: names, summaries: summaries, framesets: table)
        if allRows.count == names.count { problems += checkTimestamps(directory, cameras: names, rows: allRows) }
        return Report(cameras: summaries, framesets: table, problems: problems)
    }

    static func checkOrder(_ indices: [Int64], file: String) -> [Problem] {
        for (a, b) in zip(indices, indices.dropFirst()) where b <= a {
            return [Problem(file: file, text: "index \(b) follows index \(a): indices must strictly increase")]
        }
        return []
    }

    /// Decodes every video of the camera, in order, and joins each frame to its row.
    static func checkVideos(_ files: CameraFiles, rows: [FrameRecord]) -> [Problem] {
        var problems: [Problem] = []
        let recorded = rows.filter(\.isRecorded)
        let videos: [String]
        do { videos = try files.videos() } catch { return [Problem(file: files.directory, text: "\(error)")] }
        if videos.isEmpty {
            return recorded.isEmpty ? [] : [Problem(file: files.video(segment: nil), text: "missing: the sidecar lists \(recorded.count) recorded frames")]
        }
        var decodedIndices: [Int64] = []
        var decodedCount = 0
        var epoch: RealtimeInstant?
        for video in videos {
            do {
                let reader = try RecordingReader(path: video, sidecar: files.sidecar)
                defer { reader.close() }
                epoch = epoch ?? reader.epoch
                if reader.epoch == nil { problems.append(Problem(file: video, text: "no \(RecordingTags.epoch) tag: frames cannot be placed on the timeline")) }
                var unjoined = 0
                while let frame = try reader.next() {
                    decodedCount += 1
                    guard let record = frame.record else { unjoined += 1; continue }
                    if !record.isRecorded {
                        problems.append(Problem(file: video, text: "frame of index \(record.index) is in the video but its row says \(record.flags.text)"))
                    }
                    decodedIndices.append(record.index)
                }
                if unjoined > 0 { problems.append(Problem(file: video, text: "\(unjoined) frames whose PTS matches no sidecar row")) }
                if reader.endedEarly { problems.append(Problem(file: video, text: "ends early: damaged or cut short (a crash before the last flush)")) }
            } catch {
                problems.append(Problem(file: video, text: "\(error)"))
            }
        }
        problems += checkOrder(decodedIndices, file: files.video(segment: nil))
        let expected = recorded.map(\.index)
        if decodedIndices != expected || decodedCount != expected.count {
            let missing = Set(expected).subtracting(decodedIndices).sorted()
            let extra = Set(decodedIndices).subtracting(expected).sorted()
            var text = "video holds \(decodedCount) frames, the sidecar lists \(expected.count) recorded"
            if !missing.isEmpty { text += "; not in the video: \(listed(missing))" }
            if !extra.isEmpty { text += "; in the video but not recorded in the sidecar: \(listed(extra))" }
            problems.append(Problem(file: files.sidecar, text: text))
        }
        if let epoch { problems += checkTimecodes(files, recorded: recorded, epoch: epoch) }
        return problems
    }

    /// `<camera>.pts.txt`: its header, then one line per recorded frame, `Tn` from the epoch.
    static func checkTimecodes(_ files: CameraFiles, recorded: [FrameRecord], epoch: RealtimeInstant) -> [Problem] {
        guard FileSystem.exists(files.timecodes) else { return [Problem(file: files.timecodes, text: "missing")] }
        let text: String
        do { text = try FileSystem.read(files.timecodes) } catch { return [Problem(file: files.timecodes, text: "\(error)")] }
        let expected = TimecodeFormat.header + "\n" + recorded.map { TimecodeFormat.line(scheduled: $0.scheduled, epoch: epoch) }.joined()
        guard text != expected else { return [] }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        return [Problem(file: files.timecodes, text: "does not match the sidecar: \(max(0, lines.count - 1)) timestamps for \(recorded.count) recorded frames")]
    }

    /// `summary.csv` and `framesets.csv`, when present, against the sidecars.
    static func checkExports(_ directory: String, cameras: [String], summaries: [CameraSummary], framesets: FramesetExport.Table?) -> [Problem] {
        var problems: [Problem] = []
        let summaryPath = directory + "/summary.csv"
        if let text = try? FileSystem.read(summaryPath) {
            let rows = text.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
            for summary in summaries {
                guard let row = rows.first(where: { $0.first.map(String.init) == summary.camera }), row.count >= 5 else {
                    problems.append(Problem(file: summaryPath, text: "no row for \(summary.camera)"))
                    continue
                }
                let counts = (Int(row[2]), Int(row[3]), Int(row[4]))
                if counts != (summary.recorded, summary.dropped, summary.skipped) {
                    problems.append(Problem(
                        file: summaryPath,
                        text: "\(summary.camera): says recorded \(row[2]), dropped \(row[3]), skipped \(row[4]); the sidecar says \(summary.recorded), \(summary.dropped), \(summary.skipped)"))
                }
            }
            // Every camera with a sidecar, readable or not (a malformed one is its own problem).
            let known = Set(cameras)
            for row in rows where row.count >= 1 && !known.contains(String(row[0])) {
                problems.append(Problem(file: summaryPath, text: "a row for \(row[0]), which has no sidecar"))
            }
        } else {
            problems.append(Problem(file: summaryPath, text: "missing (the session was not finished)"))
        }
        let framesetsPath = directory + "/framesets.csv"
        if let framesets, let text = try? FileSystem.read(framesetsPath), text != FramesetExport.csv(framesets) {
            problems.append(Problem(file: framesetsPath, text: "does not match the sidecars (genlock framesets rewrites it)"))
        }
        return problems
    }

    /// `timestamps.csv`, when present (Caliscope pairs frames by it), against the sidecars.
    static func checkTimestamps(_ directory: String, cameras: [String], rows: [[FrameRecord]]) -> [Problem] {
        let path = directory + "/timestamps.csv"
        guard let text = try? FileSystem.read(path), text != SessionExport.timestamps(cameras: cameras, records: rows) else { return [] }
        return [Problem(file: path, text: "does not match the sidecars (sync_index, cam_id and frame_time of every frame)")]
    }

    /// The first ten indices, then how many more.
    public static func listed(_ indices: [Int64]) -> String {
        indices.prefix(10).map(String.init).joined(separator: ", ") + (indices.count > 10 ? " and \(indices.count - 10) more" : "")
    }
}
