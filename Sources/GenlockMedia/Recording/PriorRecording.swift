import GenlockCore

/// What earlier runs of a camera left in its session folder, read when a ``CameraRecorder``
/// opens, so that a node restarted mid-session continues its recording instead of overwriting it.
///
/// The rule (Sources/GenlockMedia/README.md, "Restarts"): when any of the camera's files exist,
/// the sidecar and the timestamp file are appended to, never truncated, and video goes to the
/// next free segment `<camera>-NNN.mkv`, one past every existing file's number (`<camera>.mkv`
/// counts as segment 0). The earlier rows must belong to the same schedule (`T0`, rate):
/// a folder holding another session's recording is refused, never mixed or overwritten.
struct PriorRecording {
    /// The sidecar's rows, in index order (empty when there was no sidecar).
    let records: [FrameRecord]
    /// The segment the next video file takes.
    let nextSegment: Int
    /// Whether an earlier run left anything: the recorder then continues into numbered segments.
    let exists: Bool

    init(files: CameraFiles, configuration: RecordingConfiguration) throws(MediaError) {
        let sidecarExists = FileSystem.exists(files.sidecar)
        records = sidecarExists ? try SidecarFormat.parse(try FileSystem.read(files.sidecar), path: files.sidecar) : []
        let timecodesExist = FileSystem.exists(files.timecodes)
        if timecodesExist {
            let text = try FileSystem.read(files.timecodes)
            if !text.isEmpty, !text.hasPrefix(TimecodeFormat.header + "\n") || !text.hasSuffix("\n") {
                throw MediaError.refusingToOverwrite(
                    path: files.timecodes, reason: "is not a whole timestamp file (expected '\(TimecodeFormat.header)' and whole lines)")
            }
        }
        let numbers = try files.segmentNumbers()
        exists = sidecarExists || timecodesExist || !numbers.isEmpty || FileSystem.exists(files.video(segment: nil))
        nextSegment = exists ? max(1, (numbers.last ?? 0) + 1) : 0
        try Self.checkSchedule(records, configuration: configuration, path: files.sidecar)
    }

    /// The other cameras already in the session folder must be on this recording's schedule too
    /// (``SessionSchedule``): frame n is one instant on every camera, so a camera recorded into a
    /// finished session under the same name (minutes later) would be paired with it index by
    /// index. A sidecar that does not parse is the verifier's to report, not a reason to refuse.
    static func checkSession(directory: String, camera: String, configuration: RecordingConfiguration) throws(MediaError) {
        guard let rate = configuration.frameRate else { return }
        let schedule = FrameSchedule(start: configuration.epoch, rate: rate)
        for other in try SessionExport.cameras(in: directory) where other != camera {
            let path = CameraFiles(directory: directory, camera: other).sidecar
            guard let text = try? FileSystem.read(path), let records = try? SidecarFormat.parse(text, path: path),
                  let record = SessionSchedule.offSchedule(records, schedule: schedule) else { continue }
            throw MediaError.refusingToOverwrite(
                path: path,
                reason: "holds \(other)'s recording of another schedule (row \(record.index) is at \(record.scheduled.nanosecondsSinceEpoch) ns, "
                    + "not at T0 \(configuration.epoch.nanosecondsSinceEpoch) ns + \(record.index)·P at \(rate) fps): frame n is one instant on every camera of a session")
        }
    }

    /// The index after which the new run may write: the last row's.
    var lastIndex: Int64? { records.last?.index }

    /// Every earlier row must say `Tn = T0 + n·P` for this recording's `T0` and rate, and the
    /// rows must be in increasing index order: otherwise the folder holds another session.
    private static func checkSchedule(_ records: [FrameRecord], configuration: RecordingConfiguration, path: String) throws(MediaError) {
        var previous: Int64?
        for record in records {
            if let previous, record.index <= previous {
                throw MediaError.refusingToOverwrite(path: path, reason: "rows are not in increasing index order (\(record.index) after \(previous))")
            }
            previous = record.index
        }
        guard let rate = configuration.frameRate else {
            // Without a rate only T0 can be compared, through PTS 0 of index 0 when present.
            if let zero = records.first(where: { $0.index == 0 }), zero.scheduled != configuration.epoch {
                throw MediaError.refusingToOverwrite(path: path, reason: "holds a recording with another T0")
            }
            return
        }
        let schedule = FrameSchedule(start: configuration.epoch, rate: rate)
        for record in [records.first, records.last].compactMap({ $0 }) {
            guard let expected = try? schedule.deadline(of: record.index), expected == record.scheduled else {
                throw MediaError.refusingToOverwrite(
                    path: path,
                    reason: "holds a recording of another schedule (row \(record.index) is at \(record.scheduled.nanosecondsSinceEpoch) ns, "
                        + "not at T0 \(configuration.epoch.nanosecondsSinceEpoch) ns + \(record.index)·P at \(rate) fps)")
            }
        }
    }
}
