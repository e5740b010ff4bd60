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
public final class CameraRecorder: Sendable {
    public let camera: String
    public let files: CameraFiles
    public let configuration: RecordingConfiguration
    private let state: Mutex<State>

    private struct State: ~Copyable {
        var writer: VideoFileWriter?
        var sidecar: LineFile
        var timecodes: LineFile
        var segment = 0
        var segmentStart: RealtimeInstant?
        var lastFlushPTS: Int64?
        var lastIndex: Int64?
        var recorded = 0
        var dropped = 0
        var skipped = 0
        var firstIndex: Int64?
        var firstRecorded: Int64?
        var lastRecorded: Int64?
        var failed = false
        var finished = false
    }

    /// Creates `directory` when needed and starts the sidecar and timestamp files. The video
    /// file opens with the first frame.
    public init(directory: String, camera: String, configuration: RecordingConfiguration) throws(MediaError) {
        try configuration.validate()
        guard !camera.isEmpty, !camera.contains("/") else { throw MediaError.invalidFrame("camera name '\(camera)' must be non-empty and contain no '/'") }
        try FileSystem.makeDirectories(directory)
        self.camera = camera
        self.configuration = configuration
        files = CameraFiles(directory: directory, camera: camera)
        let sidecar = try LineFile(creating: files.sidecar, header: SidecarFormat.header)
        let timecodes = try LineFile(creating: files.timecodes, header: TimecodeFormat.header)
        state = Mutex(State(sidecar: sidecar, timecodes: timecodes))
    }

    private var clock: PresentationClock { PresentationClock(epoch: configuration.epoch) }

    /// Records frame `record.index` with its pixels.
    public func append(_ frame: VideoFrame, record: FrameRecord) throws(MediaError) {
        try frame.validate()
        guard frame.width == configuration.width, frame.height == configuration.height, frame.layout == configuration.layout else {
            throw MediaError.frameMismatch("got \(frame.width)x\(frame.height) \(frame.layout), recording \(configuration.width)x\(configuration.height) \(configuration.layout)")
        }
        try state.withLock { (state: inout State) throws(MediaError) in
            try checkOpen(state)
            try checkOrder(record.index, &state)
            var record = record
            record.flags.remove([.dropped, .skipped])
            record.flagLateness(beyond: configuration.lateTolerance)
            let pts = clock.pts(of: record.scheduled)
            do throws(MediaError) {
                if try rollOver(before: record, &state) { record.flags.insert(.segmentStart) }
                try state.writer!.write(frame, pts: pts)
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
            state.recorded += 1
            state.firstIndex = state.firstIndex ?? record.index
            state.firstRecorded = state.firstRecorded ?? record.index
            state.lastRecorded = record.index
        }
    }

    /// Records a frame index without pixels: `record.flags` says `skipped` or `dropped`
    /// (`dropped` is assumed when neither is set).
    public func note(_ record: FrameRecord) throws(MediaError) {
        try state.withLock { (state: inout State) throws(MediaError) in
            try checkOpen(state)
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
            state.firstIndex = state.firstIndex ?? record.index
        }
    }

    /// Closes the video (cues, trailer) and the sidecar; returns the camera's account.
    /// Calling it again returns the same account.
    @discardableResult
    public func finish() throws(MediaError) -> CameraSummary {
        try state.withLock { (state: inout State) throws(MediaError) -> CameraSummary in
            if !state.finished {
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
        }
        let path = files.video(segment: configuration.segmentDuration == nil ? nil : state.segment)
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
            ]))
        state.segmentStart = record.scheduled
        state.lastFlushPTS = nil
        return configuration.segmentDuration != nil
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
