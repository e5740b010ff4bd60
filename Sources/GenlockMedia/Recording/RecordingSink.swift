import GenlockCore
import Synchronization

/// What reaches the recording for one index.
public enum CameraOutput: Sendable {
    /// A frame with its pixels and its sidecar row.
    case frame(VideoFrame, FrameRecord)
    /// A requested frame that will not be in the video (its row carries the `dropped` flag).
    case dropped(FrameRecord)
}

/// Connects a capture node to its ``CameraRecorder``: merges the camera's frames with the
/// driver's skipped ranges into one index-ordered stream of sidecar rows, leaves out frames at
/// or after the stop index (so every camera ends on the same frame) and frames an earlier run of
/// the camera already covered (``CameraRecorder/resumedAfter``), and keeps the first write error
/// instead of letting every later frame repeat it.
///
/// Frames arrive from the camera's queue, skips from the timer thread; both in index order
/// within their own stream. A skip row is written just before the first frame that follows it.
public final class RecordingSink: Sendable {
    public let recorder: CameraRecorder
    private let schedule: FrameSchedule
    private let onError: @Sendable (MediaError) -> Void
    private let state = Mutex(State())

    private struct State {
        var stopIndex: Int64?
        var pendingSkips: [Int64] = []
        var error: MediaError?
    }

    /// `onError` runs once, on the first failure (typically: stop the schedule).
    public init(recorder: CameraRecorder, schedule: FrameSchedule, onError: @escaping @Sendable (MediaError) -> Void) {
        self.recorder = recorder
        self.schedule = schedule
        self.onError = onError
    }

    /// Frames at or after `index` are not recorded; those already written are flagged
    /// `after-stop` in the sidecar (``CameraRecorder/stop(at:)``).
    public func stop(at index: Int64) {
        let failed: MediaError? = state.withLock { state in
            state.stopIndex = min(state.stopIndex ?? index, index)
            guard state.error == nil else { return nil }
            do throws(MediaError) {
                try recorder.stop(at: index)
                return nil
            } catch {
                state.error = error
                return error
            }
        }
        if let failed { onError(failed) }
    }

    /// The driver skipped these indices (their deadlines passed).
    public func skipped(_ range: Range<Int64>) {
        state.withLock { $0.pendingSkips.append(contentsOf: range) }
    }

    /// A frame (or a dropped request) from the camera.
    public func receive(_ output: CameraOutput) {
        let index: Int64
        switch output {
        case .frame(_, let record), .dropped(let record): index = record.index
        }
        let failed: MediaError? = state.withLock { state in
            if state.error != nil { return nil }
            if let stop = state.stopIndex, index >= stop { return nil }
            if let covered = recorder.resumedAfter, index <= covered { return nil }
            do throws(MediaError) {
                try writeSkips(before: index, &state)
                switch output {
                case .frame(let frame, let record): try recorder.append(frame, record: record)
                case .dropped(let record): try recorder.note(record)
                }
                return nil
            } catch {
                state.error = error
                return error
            }
        }
        if let failed { onError(failed) }
    }

    /// The first error, if any.
    public var error: MediaError? { state.withLock { $0.error } }

    /// Writes the remaining skip rows (before the stop index) and closes the recording.
    @discardableResult
    public func finish() throws(MediaError) -> CameraSummary {
        let failed: MediaError? = state.withLock { state in
            guard state.error == nil else { return nil }
            do throws(MediaError) {
                try writeSkips(before: state.stopIndex ?? Int64.max, &state)
            } catch { state.error = error; return error }
            return nil
        }
        if let failed { onError(failed) }
        return try recorder.finish()
    }

    private func writeSkips(before index: Int64, _ state: inout State) throws(MediaError) {
        let due = state.pendingSkips.prefix { $0 < index }
        for skipped in due where skipped > (recorder.resumedAfter ?? Int64.min) {
            guard let scheduled = try? schedule.deadline(of: skipped) else { continue }
            try recorder.note(FrameRecord(index: skipped, scheduled: scheduled, flags: .skipped))
        }
        state.pendingSkips.removeFirst(due.count)
    }
}
