import GenlockCore
import Synchronization

/// One camera's recording in a session folder: `<camera>.mkv` (or `<camera>-NNN.mkv` segments),
/// the per-frame sidecar `<camera>.frames.csv`, and the mkvmerge timestamp file `<camera>.pts.txt`.
///
/// Feed it every index the camera was present for, in increasing order: ``append(_:record:)``
/// for frames with pixels, ``note(_:)`` for skipped or dropped ones. ``finish()`` closes the
/// files; it is what SIGINT/SIGTERM handlers call. Safe to call from any thread (calls are
/// serialized).
///
/// On a write error (disk full) the recorder stops: it closes the video keeping every frame
/// already written, marks the frame that failed as dropped in the sidecar when it can, and
/// throws; later calls throw ``MediaError/closed(path:)``.
///
/// A recorder opened where an earlier run of the camera left files (a node restarted
/// mid-session) continues them: see ``PriorRecording``. Nothing recorded is truncated or
/// overwritten; the new video is the next segment, and ``resumedAfter`` says which indices the
/// earlier runs already cover.
public final class CameraRecorder: Sendable {
    public let camera: String
    public let files: CameraFiles
    public let configuration: RecordingConfiguration
    /// The last index earlier runs wrote to this camera's sidecar (nil for a fresh recording):
    /// frames up to it are not recorded again.
    public let resumedAfter: Int64?
    /// Set for a recorder that stores packets encoded elsewhere (the ingest): no encoder runs.
    public let remux: EncodedStreamParameters?
    /// Hears of every row written, in sidecar order, with its packet, and of the end (the
    /// stream to the ingest).
    private let tee: (any RecordingTee)?
    private let state: Mutex<State>

    private struct State: ~Copyable {
        var writer: VideoFileWriter?
        var sidecar: LineFile
        var timecodes: LineFile
        var segment = 0
        /// `<camera>-NNN.mkv` names (segmenting, or continuing an earlier run), else `<camera>.mkv`.
        var numbered = false
        var segmentStart: RealtimeInstant?
        var lastFlushPTS: Int64?
        var lastIndex: Int64?
        var recorded = 0
        var dropped = 0
        var skipped = 0
        var afterStop = 0
        var stopIndex: Int64?
        var firstIndex: Int64?
        var firstRecorded: Int64?
        var lastRecorded: Int64?
        var failed = false
        var finished = false
        var parameters: EncodedStreamParameters?
    }

    /// Creates `directory` when needed and starts (or continues) the sidecar and timestamp
    /// files. The video file opens with the first frame. Throws
    /// ``MediaError/refusingToOverwrite(path:reason:)`` when the folder holds a recording of this
    /// camera that is not of this schedule.
    ///
    /// `remux`: store packets encoded elsewhere with ``append(_:record:)-EncodedPacket`` instead of
    /// encoding frames. `tee`: see ``RecordedRow``.
    public init(directory: String, camera: String, configuration: RecordingConfiguration,
                remux: EncodedStreamParameters? = nil, tee: (any RecordingTee)? = nil) throws(MediaError) {
        try configuration.validate()
        guard !camera.isEmpty, !camera.contains("/") else { throw MediaError.invalidFrame("camera name '\(camera)' must be non-empty and contain no '/'") }
        try FileSystem.makeDirectories(directory)
        self.camera = camera
        self.configuration = configuration
        files = CameraFiles(directory: directory, camera: camera)
        let prior = try PriorRecording(files: files, configuration: configuration)
        try PriorRecording.checkSession(directory: directory, camera: camera, configuration: configuration)
        let sidecar = try LineFile(appendingTo: files.sidecar, header: SidecarFormat.header)
        // A second recorder of this camera in this folder (an ingest whose sessions folder is a
        // node's --out, a node started twice) is refused here, before it writes a row.
        try sidecar.claimExclusively(camera)
        let timecodes = try LineFile(appendingTo: files.timecodes, header: TimecodeFormat.header)
        var state = State(sidecar: sidecar, timecodes: timecodes)
        state.segment = prior.nextSegment
        state.numbered = prior.exists || configuration.segmentDuration != nil
        state.lastIndex = prior.lastIndex
        Self.adopt(CameraSummary(camera: camera, records: prior.records), &state)
        resumedAfter = prior.lastIndex
        self.remux = remux
        self.tee = tee
        state.parameters = remux
        self.state = Mutex(state)
    }

    private var clock: PresentationClock { PresentationClock(epoch: configuration.epoch) }

    /// The codec parameters of the video being written (known once the first frame opened the
    /// file): what a remuxer needs besides the packets.
    public var streamParameters: EncodedStreamParameters? { state.withLock { $0.parameters } }

    /// Rows noted `dropped` so far (this run and the earlier runs it continues): for STATUS.
    public var droppedCount: Int { state.withLock { $0.dropped } }

    /// Records frame `record.index` with its pixels.
    public func append(_ frame: VideoFrame, record: FrameRecord) throws(MediaError) {
        guard remux == nil else { throw MediaError.invalidFrame("\(camera) stores packets encoded elsewhere, not frames") }
        try frame.validate()
        guard frame.width == configuration.width, frame.height == configuration.height, frame.layout == configuration.layout else {
            throw MediaError.frameMismatch("got \(frame.width)x\(frame.height) \(frame.layout), recording \(configuration.width)x\(configuration.height) \(configuration.layout)")
        }
        try store(record) { writer, pts throws(MediaError) in try writer.write(frame, pts: pts) }
    }

    /// Records frame `record.index` from its packet, encoded elsewhere (a remux recorder), byte
    /// for byte and with its own timestamps. The row's flags are the node's, except the segment
    /// start, which is this file's.
    public func append(_ packet: EncodedPacket, record: FrameRecord) throws(MediaError) {
        guard remux != nil else { throw MediaError.invalidFrame("\(camera) encodes frames; it takes no packets") }
        var record = record
        record.flags.remove(.segmentStart)
        try store(record) { writer, _ throws(MediaError) in try writer.write(packet) }
    }

    private func store(_ record: FrameRecord, _ write: (VideoFileWriter, Int64) throws(MediaError) -> Void) throws(MediaError) {
        try state.withLock { (state: inout State) throws(MediaError) in
            try checkOpen(state)
            let previous = state.lastIndex
            try checkOrder(record.index, &state)
            var record = record
            record.flags.remove([.dropped, .skipped])
            record.flagLateness(beyond: configuration.lateTolerance)
            let late = state.stopIndex.map { record.index >= $0 } ?? false
            if late { record.flags.insert(.afterStop) }
            let pts = clock.pts(of: record.scheduled)
            do throws(MediaError) {
                if try rollOver(before: record, &state) { record.flags.insert(.segmentStart) }
                try write(state.writer!, pts)
                // Flush before the rows: when a flush is due, a row in the sidecar means the
                // frame is on disk.
                let flushDue = state.lastFlushPTS.map {
                    (pts - $0) * PresentationClock.nanosecondsPerTick >= configuration.flushInterval.nanoseconds
                } ?? true
                if flushDue {
                    try state.writer!.flushCluster()
                    state.lastFlushPTS = pts
                }
                try state.timecodes.append(TimecodeFormat.line(scheduled: record.scheduled, epoch: configuration.epoch))
                try state.sidecar.append(SidecarFormat.line(record))
            } catch {
                fail(&state, record: record)
                throw error
            }
            if let tee {
                let packets = state.writer!.takeWrittenPackets()
                // A no-delay encoder (x264 zerolatency, FFV1, raw) gives exactly one packet per frame.
                tee.written(RecordedRow(record: record, previous: previous, packet: packets.count == 1 ? packets[0] : nil, parameters: state.parameters))
            }
            state.firstIndex = state.firstIndex ?? record.index
            if late {
                state.afterStop += 1
            } else {
                state.recorded += 1
                state.firstRecorded = state.firstRecorded ?? record.index
                state.lastRecorded = record.index
            }
        }
    }

    /// The session's stop index `N`: frames at or after it are not part of the session. When
    /// the STOP arrives after such frames were written, their rows are flagged `after-stop`
    /// (the frames stay in the video: cutting a Matroska file in place could lose what precedes
    /// them). The flags are written by rewriting the sidecar to a new file renamed over the old
    /// one, so a crash leaves the old or the new sidecar whole. A later, larger index changes nothing.
    public func stop(at index: Int64) throws(MediaError) {
        try state.withLock { (state: inout State) throws(MediaError) in
            if let stop = state.stopIndex, stop <= index { return }
            state.stopIndex = index
            guard !state.failed, !state.finished, let last = state.lastIndex, last >= index else { return }
            state.sidecar.sync()
            var records = try SidecarFormat.parse(try FileSystem.read(files.sidecar), path: files.sidecar)
            var changed = false
            for i in records.indices where records[i].index >= index && records[i].isRecorded && !records[i].flags.contains(.afterStop) {
                records[i].flags.insert(.afterStop)
                changed = true
            }
            guard changed else { return }
            try FileSystem.writeAtomically(SidecarFormat.header + "\n" + records.map(SidecarFormat.line).joined(), to: files.sidecar)
            state.sidecar.close()
            state.sidecar = try LineFile(appendingTo: files.sidecar, header: SidecarFormat.header)
            Self.adopt(CameraSummary(camera: camera, records: records), &state)
        }
    }

    /// Takes the counts of rows already in the sidecar.
    private static func adopt(_ summary: CameraSummary, _ state: inout State) {
        state.recorded = summary.recorded
        state.dropped = summary.dropped
        state.skipped = summary.skipped
        state.afterStop = summary.afterStop
        state.firstIndex = summary.indices?.lowerBound
        state.firstRecorded = summary.recordedIndices?.lowerBound
        state.lastRecorded = summary.recordedIndices?.upperBound
    }

    /// Records a frame index without pixels: `record.flags` says `skipped` or `dropped`
    /// (`dropped` is assumed when neither is set).
    public func note(_ record: FrameRecord) throws(MediaError) {
        try state.withLock { (state: inout State) throws(MediaError) in
            try checkOpen(state)
            let previous = state.lastIndex
            try checkOrder(record.index, &state)
            var record = record
            if record.isRecorded { record.flags.insert(.dropped) }
            record.flagLateness(beyond: configuration.lateTolerance)
            do throws(MediaError) {
                try state.sidecar.append(SidecarFormat.line(record))
            } catch {
                fail(&state, record: nil)
                throw error
            }
            if record.flags.contains(.skipped) { state.skipped += 1 } else { state.dropped += 1 }
            tee?.written(RecordedRow(record: record, previous: previous, packet: nil, parameters: state.parameters))
            state.firstIndex = state.firstIndex ?? record.index
        }
    }

    /// Lets go of the sidecar and timestamp files as a killed process does (descriptors closed,
    /// the claim on the sidecar dropped) while writing nothing more: no trailer, no flush. For
    /// tests of a restart within one process; later calls throw ``MediaError/closed(path:)``.
    func abandon() {
        state.withLock { s in
            s.sidecar.close()
            s.timecodes.close()
            s.failed = true
        }
    }

    /// Closes the video (cues, trailer) and the sidecar; returns the camera's account.
    /// Calling it again returns the same account.
    @discardableResult
    public func finish() throws(MediaError) -> CameraSummary {
        var ended: (last: Int64?, stop: Int64?)?
        defer { if let ended { tee?.finished(lastIndex: ended.last, stopIndex: ended.stop) } }
        return try state.withLock { (state: inout State) throws(MediaError) -> CameraSummary in
            if !state.finished {
                ended = (state.lastIndex, state.stopIndex)
                state.finished = true
                let writer = state.writer
                state.writer = nil
                state.sidecar.sync()
                state.timecodes.sync()
                state.sidecar.close()
                state.timecodes.close()
                if !state.failed { try writer?.finish() } else { writer?.abandon() }
            }
            return summary(state)
        }
    }

    /// The account so far.
    public var summary: CameraSummary { state.withLock { summary($0) } }

    private func summary(_ state: borrowing State) -> CameraSummary {
        var summary = CameraSummary(camera: camera, records: [])
        summary.recorded = state.recorded
        summary.dropped = state.dropped
        summary.skipped = state.skipped
        summary.afterStop = state.afterStop
        if let first = state.firstIndex, let last = state.lastIndex { summary.indices = first...last }
        if let first = state.firstRecorded, let last = state.lastRecorded { summary.recordedIndices = first...last }
        return summary
    }

    private func checkOpen(_ state: borrowing State) throws(MediaError) {
        if state.failed || state.finished { throw MediaError.closed(path: files.sidecar) }
    }

    private func checkOrder(_ index: Int64, _ state: inout State) throws(MediaError) {
        if let previous = state.lastIndex, index <= previous { throw MediaError.indexNotIncreasing(index: index, previous: previous) }
        state.lastIndex = index
    }

    /// Opens the first file, or the next segment when the current one is long enough.
    /// Returns whether `record` starts a segment.
    private func rollOver(before record: FrameRecord, _ state: inout State) throws(MediaError) -> Bool {
        if state.writer != nil {
            guard let duration = configuration.segmentDuration, let start = state.segmentStart,
                  record.scheduled - start >= duration else { return false }
            let writer = state.writer
            state.writer = nil
            try writer?.finish()
            state.segment += 1
            state.numbered = true
        }
        let path = files.video(segment: state.numbered ? state.segment : nil)
        state.writer = try VideoFileWriter(path: path, settings: .init(
            codec: configuration.codec, width: configuration.width, height: configuration.height,
            layout: configuration.layout, frameRate: configuration.frameRate,
            keyframeInterval: configuration.keyframeInterval, encoderThreads: configuration.encoderThreads,
            clusterTimeLimitMilliseconds: max(1, configuration.flushInterval.nanoseconds / PresentationClock.nanosecondsPerTick),
            metadata: [
                (RecordingTags.epoch, String(configuration.epoch.nanosecondsSinceEpoch)),
                (RecordingTags.camera, camera),
                (RecordingTags.frameRate, configuration.frameRate.map { "\($0)" } ?? ""),
                (RecordingTags.timeBase, "1/\(PresentationClock.ticksPerSecond)"),
            ], x264: configuration.x264, remux: remux, keepPackets: tee != nil))
        state.parameters = state.writer?.streamParameters
        state.segmentStart = record.scheduled
        state.lastFlushPTS = nil
        return state.numbered
    }

    /// Stops after a write error, keeping what is on disk.
    private func fail(_ state: inout State, record: FrameRecord?) {
        state.failed = true
        if var record {
            record.flags.insert(.dropped)
            if (try? state.sidecar.append(SidecarFormat.line(record))) != nil { state.dropped += 1 }
        }
        state.writer?.abandon()
        state.writer = nil
        state.sidecar.sync()
    }
}
