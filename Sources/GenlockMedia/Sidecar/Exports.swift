import GenlockCore

/// The mkvmerge timestamp file `<camera>.pts.txt`, as `rpicam-vid --save-pts` writes it: the
/// line `# timecode format v2`, then one line per frame in the video, in order: the frame's
/// time in milliseconds with three decimals.
///
/// Times are the scheduled instants `Tn` relative to the session epoch `T0` (the origin of the
/// video's PTS), so the files of different cameras line up, and `mkvmerge --timestamps 0:file`
/// restores microsecond timing the Matroska default scale rounds to milliseconds.
public enum TimecodeFormat {
    public static let header = "# timecode format v2"

    public static func line(scheduled: RealtimeInstant, epoch: RealtimeInstant) -> String {
        DecimalText.fixed((scheduled - epoch).nanoseconds, scaleDigits: 6, places: 3) + "\n"
    }
}

/// One camera's account of a session: what downstream tools need to trust frame counts.
public struct CameraSummary: Hashable, Sendable, CustomStringConvertible {
    public var camera: String
    /// Frames of the session in the video file(s) (before the stop index).
    public var recorded: Int
    /// Frames requested but missing from the video.
    public var dropped: Int
    /// Frames whose deadline passed before they could be requested.
    public var skipped: Int
    /// Frames in the video at or after the stop index (the STOP arrived after they were
    /// written): flagged `after-stop`, not counted in ``recorded``.
    public var afterStop: Int = 0
    /// The first and last index in the sidecar (recorded or not).
    public var indices: ClosedRange<Int64>?
    /// The first and last index of the session's frames in the video.
    public var recordedIndices: ClosedRange<Int64>?

    /// Counts `records` (one camera's sidecar rows).
    public init(camera: String, records: [FrameRecord]) {
        self.camera = camera
        recorded = records.count { $0.isInSession }
        dropped = records.count { $0.flags.contains(.dropped) }
        skipped = records.count { $0.flags.contains(.skipped) }
        afterStop = records.count { $0.isRecorded && $0.flags.contains(.afterStop) }
        indices = records.first.map { $0.index...records.last!.index }
        let inVideo = records.filter(\.isInSession)
        recordedIndices = inVideo.first.map { $0.index...inVideo.last!.index }
    }

    public var description: String {
        let range = recordedIndices.map { "\($0.lowerBound)...\($0.upperBound)" } ?? "-"
        let late = afterStop == 0 ? "" : ", \(afterStop) after the stop index (in the file, not in the session)"
        return "\(camera): recorded \(recorded), dropped \(dropped), skipped \(skipped), indices \(range)\(late)"
    }
}

/// Session-level files built from the cameras' sidecars, so they can be written by whoever
/// holds the session folder (one process, or a coordinator after its camera nodes finish).
///
/// - `summary.csv`: `camera,cam_id,frames_recorded,frames_dropped,frames_skipped,first_index,last_index,frames_after_stop`
///   (first/last of the session's frames in the video; `frames_after_stop` counts frames in the
///   video past the stop index, which are not in the session).
/// - Both cover every segment of a camera (a restarted node's too): they are built from the
///   sidecar, which one recording appends to across restarts.
/// - `timestamps.csv`: `sync_index,cam_id,frame_time`, one row per recorded frame of every
///   camera, sorted by index then camera: `sync_index` is the frame index `n` (the same `n` is
///   the same instant on every camera), `frame_time` the frame's instant in seconds since the
///   Unix epoch on the shared realtime timeline with 9 decimals (the sensor instant when known,
///   otherwise `Tn`). This is the layout Caliscope reads, and from it Pose2Sim.
public enum SessionExport {
    /// The sidecar of each camera in `sessionDirectory`, by camera name (sorted).
    public static func cameras(in sessionDirectory: String) throws(MediaError) -> [String] {
        try FileSystem.list(sessionDirectory).compactMap { name in
            name.hasSuffix(CameraFiles.sidecarSuffix) ? String(name.dropLast(CameraFiles.sidecarSuffix.count)) : nil
        }
    }

    /// The files in `sessionDirectory` that belong to a camera with no sidecar: `<camera>.mkv`,
    /// `<camera>-NNN.mkv`, `<camera>.pts.txt`. Every reader finds a session's cameras by their
    /// sidecars, so such a camera (its sidecar lost) would silently be left out of framesets,
    /// exports and analyses; the readers name these files instead.
    public static func filesWithoutSidecar(in sessionDirectory: String, cameras: [String]) throws(MediaError) -> [(camera: String, file: String)] {
        let known = Set(cameras)
        return try FileSystem.list(sessionDirectory).compactMap { name -> (camera: String, file: String)? in
            let base: Substring
            if name.hasSuffix(".mkv") { base = name.dropLast(4) } else if name.hasSuffix(".pts.txt") { base = name.dropLast(8) } else { return nil }
            if known.contains(String(base)) { return nil }
            var camera = base
            if let dash = base.lastIndex(of: "-"), dash != base.startIndex, name.hasSuffix(".mkv") {
                let digits = base[base.index(after: dash)...]
                if !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) { camera = base[..<dash] }
            }
            return known.contains(String(camera)) ? nil : (String(camera), name)
        }
    }

    /// One line naming the files of cameras without a sidecar (nil when there are none).
    public static func sidecarlessText(_ files: [(camera: String, file: String)]) -> String? {
        guard let first = files.first else { return nil }
        let cameras = Array(Set(files.map(\.camera))).sorted()
        return "\(first.file)\(files.count > 1 ? " and \(files.count - 1) more" : "") belong\(files.count > 1 ? "" : "s") to "
            + "\(cameras.joined(separator: ", ")), which \(cameras.count > 1 ? "have" : "has") no sidecar (<camera>\(CameraFiles.sidecarSuffix)): "
            + "its frames cannot be placed on indices, so it would be left out"
    }

    /// Caliscope's integer camera ids: the digits that end each name (`cam3` → 3) when every
    /// camera has distinct ones, otherwise positions 0, 1, 2… in name order.
    public static func cameraIDs(_ names: [String]) -> [String: Int] {
        let digits = names.map { name in Int(String(name.reversed().prefix { $0.isNumber }.reversed())) }
        if digits.allSatisfy({ $0 != nil }), Set(digits).count == names.count {
            return Dictionary(uniqueKeysWithValues: zip(names, digits.map { $0! }))
        }
        return Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
    }

    /// Writes `summary.csv` and `timestamps.csv` into `sessionDirectory` and returns the summaries.
    @discardableResult
    public static func write(sessionDirectory: String) throws(MediaError) -> [CameraSummary] {
        let names = try cameras(in: sessionDirectory)
        let ids = cameraIDs(names)
        var summaries: [CameraSummary] = []
        var allRecords: [[FrameRecord]] = []
        var summaryText = "camera,cam_id,frames_recorded,frames_dropped,frames_skipped,first_index,last_index,frames_after_stop\n"
        for name in names {
            let path = CameraFiles(directory: sessionDirectory, camera: name).sidecar
            let records = try SidecarFormat.parse(try FileSystem.read(path), path: path)
            let summary = CameraSummary(camera: name, records: records)
            summaries.append(summary)
            allRecords.append(records)
            let first = summary.recordedIndices.map { String($0.lowerBound) } ?? ""
            let last = summary.recordedIndices.map { String($0.upperBound) } ?? ""
            summaryText += "\(name),\(ids[name]!),\(summary.recorded),\(summary.dropped),\(summary.skipped),\(first),\(last),\(summary.afterStop)\n"
        }
        try FileSystem.writeAtomically(summaryText, to: sessionDirectory + "/summary.csv")
        try FileSystem.writeAtomically(timestamps(cameras: names, records: allRecords), to: sessionDirectory + "/timestamps.csv")
        return summaries
    }

    /// The session's `timestamps.csv` text from its cameras' sidecar rows (in the cameras' order):
    /// every frame in the session, with the camera's Caliscope id and its instant. What
    /// ``write(sessionDirectory:)`` writes and `session verify` checks.
    public static func timestamps(cameras: [String], records: [[FrameRecord]]) -> String {
        let ids = cameraIDs(cameras)
        var rows: [(index: Int64, id: Int, time: Int64)] = []
        for (name, camera) in zip(cameras, records) {
            for record in camera where record.isInSession { rows.append((record.index, ids[name]!, record.frameTime.nanosecondsSinceEpoch)) }
        }
        return ExportFiles.caliscopeTimestamps(rows)
    }
}

/// The files of one camera in a session folder.
public struct CameraFiles: Hashable, Sendable {
    public static let sidecarSuffix = ".frames.csv"
    public var directory: String
    public var camera: String

    public init(directory: String, camera: String) {
        self.directory = directory
        self.camera = camera
    }

    /// `<camera>.mkv`, or `<camera>-NNN.mkv` for segment NNN when segmenting.
    public func video(segment: Int?, fileExtension: String = "mkv") -> String {
        guard let segment else { return "\(directory)/\(camera).\(fileExtension)" }
        var number = String(segment)
        while number.count < 3 { number = "0" + number }
        return "\(directory)/\(camera)-\(number).\(fileExtension)"
    }

    /// `<camera>.frames.csv`: the per-frame sidecar (``SidecarFormat``).
    public var sidecar: String { "\(directory)/\(camera)\(Self.sidecarSuffix)" }
    /// `<camera>.pts.txt`: the mkvmerge v2 timestamp file (``TimecodeFormat``).
    public var timecodes: String { "\(directory)/\(camera).pts.txt" }

    /// The video files of this camera, in recording order: `<camera>.mkv` when present, then the
    /// `<camera>-NNN.mkv` segments by number (a restarted node continues `<camera>.mkv` into
    /// `<camera>-001.mkv`).
    public func videos() throws(MediaError) -> [String] {
        let single = video(segment: nil)
        let numbered = try segmentNumbers().map { video(segment: $0) }
        return (FileSystem.exists(single) ? [single] : []) + numbered
    }

    /// The numbers NNN of the `<camera>-NNN.mkv` files in the folder, ascending. Only digits may
    /// follow the dash, so camera `cam1` never claims `cam1-b`'s files.
    public func segmentNumbers() throws(MediaError) -> [Int] {
        let prefix = camera + "-", suffix = ".mkv"
        return try FileSystem.list(directory).compactMap { name -> Int? in
            guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
            let digits = name.dropFirst(prefix.count).dropLast(suffix.count)
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            return Int(digits)
        }.sorted()
    }
}
