/// Bundles frame `n` of every camera of a session into one frameset, in index order: a pure state
/// machine, events in, framesets out, like ``CaptureScheduler``. Nothing is thrown away: a
/// frameset whose partners are missing is still emitted, saying per camera why (dropped,
/// skipped, absent, or not arrived within the wait), so downstream tools can choose what to do
/// with partial framesets instead of never hearing of them.
///
/// Each camera's rows arrive in index order (a sidecar, a stream), so a camera's row for `m`
/// settles every index before `m` it has no row for as absent. Frameset `n` is emitted as soon as
/// every camera is settled for `n`; or, once `wait` has passed on the monotonic clock since its
/// first row arrived, with the cameras still missing marked ``CameraState/notArrived`` (definitely
/// partial after a bounded wait, so one silent camera cannot hold the others' framesets forever).
/// A row that arrives after its frameset went out is not sent again (the session folder's
/// `framesets.csv`, assembled when every camera has ended, has every state final).
public struct FramesetAssembler: Sendable {
    /// One camera's part of frame `n`.
    public enum CameraState: String, Hashable, Sendable, CaseIterable {
        /// The frame is in the camera's video.
        case present
        /// Requested, but not in the video (the camera or the encoder lost it).
        case dropped
        /// The camera's deadline for it passed before it could be requested.
        case skipped
        /// The camera has no row for it (not running then: killed, joined late, stopped early).
        case absent
        /// No row yet when the frameset had waited long enough (live assembly only).
        case notArrived = "not-arrived"
    }

    /// One camera's row for an index.
    public struct Part: Hashable, Sendable {
        public var state: CameraState
        /// When row 0 of the frame began exposing, on the shared timeline, where known.
        public var exposureStart: RealtimeInstant?
        public init(state: CameraState, exposureStart: RealtimeInstant? = nil) {
            self.state = state
            self.exposureStart = exposureStart
        }
    }

    /// Frame `index` of every camera, in the configured camera order.
    public struct Frameset: Hashable, Sendable {
        public var index: Int64
        public var parts: [Part]
        /// Every camera's frame is in its video.
        public var isComplete: Bool { parts.allSatisfy { $0.state == .present } }
        /// The cameras (positions) whose frame is not in their video.
        public var missing: [Int] { parts.indices.filter { parts[$0].state != .present } }
    }

    public struct Configuration: Hashable, Sendable {
        /// How many cameras (positions 0..<cameras).
        public var cameras: Int
        /// The first frameset: the session's first START index.
        public var firstIndex: Int64
        /// How long a frameset with rows from some cameras waits for the others (live assembly).
        public var wait: TimeSpan

        public init(cameras: Int, firstIndex: Int64, wait: TimeSpan = .milliseconds(500)) {
            self.cameras = cameras
            self.firstIndex = firstIndex
            self.wait = wait
        }
    }

    public enum Event: Hashable, Sendable {
        /// Camera `camera`'s row for `index` (rows of one camera come in increasing index order).
        case row(camera: Int, index: Int64, Part)
        /// Camera `camera` will send no more rows (its run ended or it is gone for good).
        case cameraEnded(camera: Int)
        /// The session's stop index: framesets end before it.
        case stop(Int64)
        /// The monotonic clock, for the wait.
        case tick(MonotonicInstant)
    }

    public let configuration: Configuration
    /// The next frameset to emit.
    public private(set) var next: Int64
    /// Frames before this index are all emitted and the session stopped (nil: not stopped).
    public private(set) var stopIndex: Int64?
    /// Rows waiting for their frameset, per camera, oldest first.
    private var pending: [[(index: Int64, part: Part)]]
    /// The highest index each camera has sent a row for.
    private var latest: [Int64?]
    private var ended: [Bool]
    /// When the next frameset's first row arrived (its wait runs from there).
    private var waitingSince: MonotonicInstant?
    /// When the first row of each index not yet emitted arrived (clock of the last tick), so a
    /// frameset queued behind a partial one has already waited since then: a silent camera then
    /// releases the framesets behind it as their own waits end, not one wait per frameset.
    private var firstArrival: [Int64: MonotonicInstant] = [:]
    private var now: MonotonicInstant?

    public init(configuration: Configuration) {
        self.configuration = configuration
        next = configuration.firstIndex
        pending = Array(repeating: [], count: configuration.cameras)
        latest = Array(repeating: nil, count: configuration.cameras)
        ended = Array(repeating: false, count: configuration.cameras)
    }

    /// Whether every frameset up to the stop index has been emitted.
    public var isFinished: Bool { stopIndex.map { next >= $0 } ?? false }

    /// Feeds one event; returns the framesets it settles, in index order.
    public mutating func handle(_ event: Event) -> [Frameset] {
        switch event {
        case .row(let camera, let index, let part):
            guard configuration.cameras > camera, camera >= 0, index >= next, index > (latest[camera] ?? .min) else { return emit() }
            latest[camera] = index
            pending[camera].append((index, part))
            if firstArrival[index] == nil, let now { firstArrival[index] = now }
            if index == next, waitingSince == nil { waitingSince = now }
        case .cameraEnded(let camera):
            if configuration.cameras > camera, camera >= 0 { ended[camera] = true }
        case .stop(let index):
            stopIndex = min(index, stopIndex ?? index)
        case .tick(let at):
            now = at
            if waitingSince == nil, pending.contains(where: { $0.first?.index == next }) { waitingSince = at }
        }
        return emit()
    }

    /// Emits every frameset that is settled (or has waited long enough), in order.
    private mutating func emit() -> [Frameset] {
        var out: [Frameset] = []
        while stopIndex.map({ next < $0 }) ?? true {
            let settled = (0..<configuration.cameras).allSatisfy { c in ended[c] || (latest[c].map { $0 >= next } ?? false) }
            let anyRow = (0..<configuration.cameras).contains { c in latest[c].map { $0 >= next } ?? false }
            let waited = waitingSince.flatMap { since in now.map { $0 - since >= configuration.wait } } ?? false
            // Nothing at all for this index yet: no camera has reached it.
            guard settled || (anyRow && waited) else { break }
            guard anyRow || settled && stopIndex != nil else { break }
            out.append(take(next))
            firstArrival[next] = nil
            next += 1
            waitingSince = pending.contains(where: { $0.first?.index == next }) ? (firstArrival[next] ?? now) : nil
        }
        return out
    }

    private mutating func take(_ index: Int64) -> Frameset {
        var parts: [Part] = []
        parts.reserveCapacity(configuration.cameras)
        for c in 0..<configuration.cameras {
            if let first = pending[c].first, first.index == index {
                parts.append(first.part)
                pending[c].removeFirst()
            } else if ended[c] || (latest[c].map { $0 > index } ?? false) {
                parts.append(Part(state: .absent))
            } else {
                parts.append(Part(state: .notArrived))
            }
        }
        return Frameset(index: index, parts: parts)
    }
}
