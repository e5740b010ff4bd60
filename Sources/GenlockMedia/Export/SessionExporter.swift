import GenlockCore
import GenlockPOSIX
import Glibc

/// `genlock session export`: writes a session folder out in the layout a downstream tool reads
/// (``ExportTool``), into a new folder. The session is only read: nothing in it is changed.
///
/// Per tool:
/// - caliscope: `<out>/recordings/<session>/cam_<id>.mp4` and `timestamps.csv`
///   (`sync_index,cam_id,frame_time`: Caliscope reads `cam_id` and `frame_time` and ignores
///   `sync_index`, which we keep as the frame index `n`). One row per frame in the video, in
///   video order, so Caliscope's rank of a row is the frame's position. H.264 recordings are
///   remuxed (packets copied); FFV1 and raw ones, which MP4 does not carry, are re-encoded with
///   x264, frame for frame. Missing indices are left out: Caliscope pairs by `frame_time`.
/// - anipose: `<out>/config.toml` (`nesting = 1`, `video_extension = 'mp4'`,
///   `cam_regex = '-cam([0-9]+)$'`) and `<out>/<session>/videos-raw/<session>-cam<id>.mp4`, or
///   `<out>/<session>/calibration/…` for a calibration recording (Anipose looks for a
///   `calibration` folder in the session, then upwards).
/// - freemocap: `<out>/<session>/synchronized_videos/<camera>.mp4`.
/// For anipose and freemocap every video is re-encoded with one frame per index from the
/// session's first frameset to its last: equal frame counts, frame `k` = frameset `first + k`
/// in every video, an index the camera lacks filled with a black frame (``FrameTranscoder``).
/// Every export also gets `framesets.csv` (``FramesetExport``): row `k` says, per camera,
/// whether frame `k` is the camera's own or a filler, and why.
public enum SessionExporter {
    /// What was written.
    public struct Report: Sendable {
        public struct Video: Sendable {
            public var camera: String
            public var path: String
            /// `remuxed` (packets copied), `re-encoded`, or `black` (a Caliscope camera that
            /// recorded nothing: one black frame per index of the session).
            public var method: String
            public var frames: Int
            /// Black frames written for indices the camera has no frame for.
            public var filled: Int
        }
        public var tool: ExportTool
        public var root: String
        /// Recorded frames (by the sidecar) that no exported video holds, per camera: the
        /// session's video is damaged or cut short there. The export's `framesets.csv` marks
        /// them absent; the caller says so.
        public var missing: [(camera: String, indices: [Int64])] = []
        public var videos: [Video]
        /// Timestamp and frameset files written beside the videos.
        public var files: [String]
    }

    /// Exports `sessionDirectory` for `tool` into `output`, which must not exist or be empty.
    public static func export(
        sessionDirectory: String, tool: ExportTool, to output: String, calibration: Bool = false
    ) throws(MediaError) -> Report {
        let session = sessionName(sessionDirectory)
        let cameras = try SessionExport.cameras(in: sessionDirectory)
        if let text = SessionExport.sidecarlessText(try SessionExport.filesWithoutSidecar(in: sessionDirectory, cameras: cameras)) {
            throw MediaError.export("\(sessionDirectory): \(text) of the export (restore the sidecar, or move the camera's files out of the session to export without it)")
        }
        guard !cameras.isEmpty else {
            throw MediaError.export("\(sessionDirectory): no camera sidecars (<camera>.frames.csv): not a session folder")
        }
        if calibration, tool != .anipose {
            throw MediaError.export("--calibration applies to anipose only (\(tool) takes calibration recordings as ordinary recordings)")
        }
        let existed = FileSystem.exists(output)
        try claim(output, session: sessionDirectory)
        // The export is written into a folder of its own inside `output` and moved into place
        // whole at the end, never over a name taken meanwhile. A failed export removes that
        // folder alone: what anything else put in `output` while it ran is never touched.
        let stage = output + "/.genlock-export-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do {
            try FileSystem.makeDirectories(stage)
            var report = try exportClaimed(sessionDirectory: sessionDirectory, session: session, cameras: cameras, tool: tool,
                                           output: stage, calibration: calibration)
            try publish(stage, into: output)
            report.root = output
            report.videos = report.videos.map { var v = $0; v.path = output + v.path.dropFirst(stage.count); return v }
            report.files = report.files.map { output + $0.dropFirst(stage.count) }
            return report
        } catch {
            removeTree(stage)
            // A folder the export made is removed when nothing else is in it (rmdir refuses otherwise).
            if !existed { rmdir(output) }
            throw error
        }
    }

    /// Moves every entry of `stage` into `output` under its own name, never over a name taken
    /// meanwhile; on a taken name, what was moved goes back into `stage` (and the caller removes it).
    static func publish(_ stage: String, into output: String) throws(MediaError) {
        let names = ((try? FileSystem.list(stage)) ?? []).sorted()
        var moved: [String] = []
        for name in names {
            do throws(FileIO.Failure) {
                try FileIO.moveNew(stage + "/" + name, to: output + "/" + name)
                moved.append(name)
            } catch {
                for done in moved { try? FileIO.moveNew(output + "/" + done, to: stage + "/" + done) }
                throw MediaError.export("\(output)/\(name) appeared while the export ran: refusing to overwrite it (\(error.reason)); nothing of the export is kept")
            }
        }
        if rmdir(stage) != 0 { removeTree(stage) }
    }

    /// The export proper, into `output` once claimed.
    static func exportClaimed(
        sessionDirectory: String, session: String, cameras: [String], tool: ExportTool, output: String, calibration: Bool
    ) throws(MediaError) -> Report {
        let table = try FramesetExport.table(sessionDirectory: sessionDirectory)
        guard let first = table.framesets.first?.index, let last = table.framesets.last?.index else {
            throw MediaError.export("\(sessionDirectory): the session has no frames to export")
        }
        let ids = SessionExport.cameraIDs(cameras)
        let scheduled = ScheduleLookup(table.scheduled)
        let origin = scheduled.instant(first)

        let folder: String
        switch tool {
        case .caliscope: folder = "\(output)/recordings/\(session)"
        case .anipose: folder = "\(output)/\(session)/\(calibration ? "calibration" : "videos-raw")"
        case .freemocap: folder = "\(output)/\(session)/synchronized_videos"
        }
        try FileSystem.makeDirectories(folder)
        var report = Report(tool: tool, root: output, videos: [], files: [])
        // The indices each camera's exported video holds: the export's framesets.csv is built
        // from these, not from the sidecars alone (a truncated video's lost frames were "present").
        var exported: [String: Set<Int64>] = [:]
        var sidecars: [String: [FrameRecord]] = [:]
        var timestampRows: [(index: Int64, id: Int, time: Int64)] = []
        // Caliscope: cameras without any video, and the size and rate of the first camera with one.
        var blank: [(camera: String, path: String)] = []
        var reference: (width: Int, height: Int, rate: FrameRate?)?
        for camera in cameras {
            let files = CameraFiles(directory: sessionDirectory, camera: camera)
            let records = try SidecarFormat.parse(try FileSystem.read(files.sidecar), path: files.sidecar)
            sidecars[camera] = records
            let inputs = try files.videos()
            let name: String
            switch tool {
            case .caliscope: name = "cam_\(ids[camera]!).mp4"
            case .anipose: name = "\(session)-cam\(ids[camera]!).mp4"
            case .freemocap: name = "\(camera).mp4"
            }
            let path = folder + "/" + name
            guard !inputs.isEmpty else {
                if tool.needsEqualFrameCounts {
                    throw MediaError.export("\(sessionDirectory): \(camera) has no video file: cannot export it frame for frame")
                }
                blank.append((camera, path))
                continue
            }
            let tags = try RecordingReader(path: inputs[0], records: []).tags
            let epoch = tags[RecordingTags.epoch].flatMap(Int64.init).map { RealtimeInstant(nanosecondsSinceEpoch: $0) }
            // Every segment's frames are placed through one T0: a video of another recording (its
            // sidecar lost, a new run continued beside it) would put its frames on this one's
            // indices, and this one's nowhere.
            for input in inputs.dropFirst() {
                let other = try RecordingReader(path: input, records: []).tags[RecordingTags.epoch]
                if other != tags[RecordingTags.epoch] {
                    throw MediaError.export("\(sessionDirectory): \(camera)'s videos were recorded with different T0 (\(Self.fileName(inputs[0])): "
                        + "\(tags[RecordingTags.epoch] ?? "none"), \(Self.fileName(input)): \(other ?? "none")): one is not this session's "
                        + "(genlock session verify names the frames that match no row); move it out of the session")
                }
            }
            let rate = tags[RecordingTags.frameRate].flatMap { try? FrameRate(parsing: $0) }
            if reference == nil {
                let header = try PacketReader(path: inputs[0])
                reference = (header.width, header.height, rate)
            }
            if !tool.needsEqualFrameCounts, let epoch, case .success(let parameters) = try PacketRemuxer.check(inputs) {
                let written = try PacketRemuxer.remux(
                    inputs, parameters: parameters, records: records, frameRate: rate, epoch: epoch, origin: origin, to: path)
                guard !written.isEmpty else {
                    // Nothing of it could be read: an empty mp4 is no video to Caliscope; the
                    // camera gets the black one a camera without video gets.
                    unlink(path)
                    blank.append((camera, path))
                    continue
                }
                report.videos.append(.init(camera: camera, path: path, method: "remuxed", frames: written.count, filled: 0))
                timestampRows += written.map { ($0.index, ids[camera]!, $0.frameTime.nanosecondsSinceEpoch) }
                exported[camera] = Set(written.map(\.index))
                continue
            }
            let out = try FrameTranscoder.transcode(
                inputs, records: records, frameRate: rate, fill: tool.needsEqualFrameCounts ? first...last : nil,
                scheduled: scheduled.instant, origin: origin, to: path)
            report.videos.append(.init(camera: camera, path: path, method: "re-encoded", frames: out.frames.count, filled: out.filled))
            timestampRows += out.frames.compactMap { frame in frame.record.map { ($0.index, ids[camera]!, $0.frameTime.nanosecondsSinceEpoch) } }
            exported[camera] = Set(out.frames.compactMap { $0.record?.index })
        }
        // Caliscope takes a recording only when it holds a `cam_<id>.mp4` for every camera of the
        // project (`available_recordings` in `gui/presenters/reconstruction_presenter.py`), and its
        // scripting API looks every camera of its video mapping up in `timestamps.csv`
        // (`SynchronizedTimestamps.frame_for` in `recording/synchronized_timestamps.py`, a KeyError
        // for a camera without rows). So a camera that recorded nothing gets a black video, one
        // frame per index of the session at its `Tn`, with its rows: Caliscope finds no board or
        // landmark there and treats the camera as missing at every instant, as it is. The export's
        // `framesets.csv` says why each of those frames is missing. Its size and rate are the first
        // recorded camera's (the session does not say what the silent camera would have written).
        for (camera, path) in blank {
            guard let reference else {
                throw MediaError.export("\(sessionDirectory): no camera has a video file: nothing to export")
            }
            let out = try FrameTranscoder.transcode(
                [], records: [], frameRate: reference.rate, fill: first...last, scheduled: scheduled.instant, origin: origin,
                to: path, fillerSize: (reference.width, reference.height))
            report.videos.append(.init(camera: camera, path: path, method: "black", frames: out.frames.count, filled: out.filled))
            timestampRows += out.frames.map { ($0.index, ids[camera]!, scheduled.instant($0.index).nanosecondsSinceEpoch) }
        }
        if tool == .caliscope {
            try write(ExportFiles.caliscopeTimestamps(timestampRows), folder + "/timestamps.csv", &report)
        }
        if tool == .anipose {
            try write(ExportFiles.aniposeConfig(session: session), output + "/config.toml", &report)
        }
        // A recorded row whose frame is in no exported video is left out: the frameset says the
        // camera is absent there (the black frame of anipose and freemocap, nothing in Caliscope).
        var rows: [[FrameRecord]] = []
        for camera in cameras {
            let held = exported[camera] ?? []
            let records = sidecars[camera] ?? []
            let lost = records.filter { $0.isRecorded && !$0.flags.contains(.afterStop) && !held.contains($0.index) }.map(\.index)
            if !lost.isEmpty { report.missing.append((camera, lost)) }
            rows.append(records.filter { !$0.isRecorded || held.contains($0.index) })
        }
        let framesetsFolder = tool == .caliscope ? folder : "\(output)/\(session)"
        var exportTable = FramesetExport.table(cameras: cameras, rows: rows, span: first...last)
        for set in exportTable.framesets where exportTable.scheduled[set.index] == nil { exportTable.scheduled[set.index] = scheduled.instant(set.index) }
        try write(FramesetExport.csv(exportTable), framesetsFolder + "/framesets.csv", &report)
        return report
    }

    /// Places `text` at `path` in one step that never replaces a file already there (the videos
    /// are claimed with O_EXCL by ``VideoFileWriter`` for the same reason).
    static func write(_ text: String, _ path: String, _ report: inout Report) throws(MediaError) {
        try FileSystem.writeNew(text, to: path)
        report.files.append(path)
    }

    /// A path's last component.
    static func fileName(_ path: String) -> String { String(path.split(separator: "/").last ?? Substring(path)) }

    /// The session folder's own name (`<out>/<session>` → `<session>`).
    static func sessionName(_ directory: String) -> String {
        let trimmed = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
        return String(trimmed.split(separator: "/").last ?? Substring(trimmed))
    }

    /// Removes `path` and, for a folder, all under it (symlinks themselves, never their targets).
    static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            unlink(path)
            return
        }
        for name in (try? FileSystem.list(path)) ?? [] { removeTree(path + "/" + name) }
        rmdir(path)
    }

    /// Refuses an output folder that holds anything, or that is the session or inside it.
    static func claim(_ output: String, session: String) throws(MediaError) {
        if FileSystem.isInside(output, session) {
            throw MediaError.export("\(output): the export cannot go inside the session folder \(session) (the session is never modified)")
        }
        if FileSystem.exists(output) {
            let entries: [String]
            do { entries = try FileSystem.list(output) } catch {
                throw MediaError.export("\(output) exists and is not a folder: refusing to overwrite it")
            }
            guard entries.isEmpty else {
                throw MediaError.export("\(output) exists and is not empty: refusing to overwrite or mix exports (choose a new --out)")
            }
        }
        try FileSystem.makeDirectories(output)
    }
}

/// `Tn` for any index of the session: from a row when some camera has one, else interpolated
/// exactly between the nearest rows (`Tn = T0 + n·P` is linear in `n`).
struct ScheduleLookup: Sendable {
    let known: [Int64: RealtimeInstant]
    let sorted: [Int64]

    init(_ known: [Int64: RealtimeInstant]) {
        self.known = known
        sorted = known.keys.sorted()
    }

    func instant(_ index: Int64) -> RealtimeInstant {
        if let hit = known[index] { return hit }
        guard let a = sorted.first, let b = sorted.last, b > a else { return known[sorted.first ?? 0] ?? RealtimeInstant(nanosecondsSinceEpoch: 0) }
        let ta = Int128(known[a]!.nanosecondsSinceEpoch), tb = Int128(known[b]!.nanosecondsSinceEpoch)
        let t = ta + (tb - ta) * Int128(index - a) / Int128(b - a)
        return RealtimeInstant(nanosecondsSinceEpoch: Int64(t))
    }
}
