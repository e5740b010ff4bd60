import Foundation
import GenlockControl
import GenlockCore
import Synchronization

/// Where the coordinator's state meets the dashboard. The control plane only ever calls
/// ``observe(_:)`` (a copy under a short lock, nothing awaited), and the operator's buttons only
/// reach the coordinator through ``Controls`` (which enqueue on the coordinator's own loop). The
/// hub turns the state into JSON on its own schedule and hands it to each WebSocket client
/// through a bounded buffer: a client that stops reading fills its buffer and is dropped, and
/// nobody else waits for it.
public final class DashboardHub: Sendable {
    /// The coordinator's operator inputs: the same paths as Ctrl-C (STOP) and the rig's START.
    public struct Controls: Sendable {
        public var requestStart: @Sendable () -> Void
        public var requestStop: @Sendable () -> Void
        public init(requestStart: @escaping @Sendable () -> Void, requestStop: @escaping @Sendable () -> Void) {
            self.requestStart = requestStart
            self.requestStop = requestStop
        }
    }

    struct Subscriber {
        var continuation: AsyncStream<String>.Continuation
        /// Closes the client's connection (it stopped reading).
        var drop: @Sendable () -> Void
    }

    struct Preview {
        var info: PreviewInfo
        var jpeg: [UInt8]
    }

    struct State {
        var core: CoordinatorCore?
        var report: DashboardSnapshot.SessionReport?
        var previews: [String: Preview] = [:]
        var framesets: DashboardSnapshot.FramesetCounts?
        var history: PlotHistory
        var subscribers: [Int: Subscriber] = [:]
        var nextSubscriber = 1
        var lastSampleSecond: Int64?
        var previewVersion: Int64 = 0
        var droppedClients = 0
        var latest: DashboardSnapshot?
    }

    public let controls: Controls
    /// Messages a client may have waiting before it is judged to have stopped reading.
    public let clientBuffer: Int
    private let now: @Sendable () -> RealtimeInstant
    private let state: Mutex<State>

    /// `historySeconds`: how far back the plots reach. `now`: the realtime clock (the snapshot's
    /// timestamps and the plots' x axis).
    public init(controls: Controls, historySeconds: Int = 300, clientBuffer: Int = 8, now: @escaping @Sendable () -> RealtimeInstant) {
        self.controls = controls
        self.clientBuffer = max(1, clientBuffer)
        self.now = now
        state = Mutex(State(history: PlotHistory(capacity: historySeconds)))
    }

    /// The coordinator's latest state. Called on the coordinator's loop on each tick: only a
    /// copy is kept here (the snapshot is built later, off that loop).
    public func observe(_ core: CoordinatorCore) {
        state.withLock { $0.core = core }
    }

    /// The session ended: its sync report and, when known, its folder (listed, and the HIL
    /// analyzer's report linked when the folder holds one).
    public func sessionFinished(report text: String, folder: String?) {
        var files: [String] = []
        var hil: String?
        if let folder, let names = try? FileManager.default.contentsOfDirectory(atPath: folder) {
            files = names.sorted()
            if HILReport.path(in: folder) != nil { hil = "/session/hil-report" }
        }
        let report = DashboardSnapshot.SessionReport(text: text, folder: folder, files: files, hilReportURL: hil)
        state.withLock { $0.report = report }
    }

    /// A new preview picture for `camera`: a JPEG of frame `index` (scheduled at `scheduledNs`).
    /// The ingest calls this (at most about once a second per camera; see ``PreviewThrottle``).
    public func preview(camera: String, jpeg: [UInt8], index: Int64, scheduledNs: Int64) {
        state.withLock {
            $0.previewVersion += 1
            $0.previews[camera] = Preview(info: PreviewInfo(index: index, scheduledNs: scheduledNs, version: $0.previewVersion), jpeg: jpeg)
        }
    }

    /// Framesets assembled so far (the ingest's count of complete and partial ones).
    public func framesets(complete: Int64, partial: Int64) {
        state.withLock { $0.framesets = .init(complete: complete, partial: partial) }
    }

    /// The latest preview JPEG of `camera`.
    func previewJPEG(_ camera: String) -> [UInt8]? { state.withLock { $0.previews[camera]?.jpeg } }

    /// The session report's folder, for serving the HIL report.
    var reportFolder: String? { state.withLock { $0.report?.folder } }

    /// The state last published.
    var latestSnapshot: DashboardSnapshot? { state.withLock { $0.latest } }

    /// Clients dropped for not reading.
    public var droppedClients: Int { state.withLock { $0.droppedClients } }

    /// Clients connected now.
    public var clientCount: Int { state.withLock { $0.subscribers.count } }

    /// The state as the page would get it now (nil before the coordinator's first event).
    public func snapshot() -> DashboardSnapshot? {
        let realtime = now()
        return state.withLock { s in
            s.core.map { DashboardSnapshot(core: $0, report: s.report, previews: s.previews.mapValues(\.info), framesets: s.framesets, now: realtime) }
        }
    }

    /// A new WebSocket client: its stream of JSON messages (the history first, then the state as
    /// it is published) and its id for ``unsubscribe(_:)``. `drop` closes its connection.
    func subscribe(drop: @escaping @Sendable () -> Void) -> (id: Int, messages: AsyncStream<String>) {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingOldest(clientBuffer))
        let (id, history, framesets) = state.withLock { s in
            let id = s.nextSubscriber
            s.nextSubscriber += 1
            s.subscribers[id] = Subscriber(continuation: continuation, drop: drop)
            return (id, s.history.cameras, s.history.framesets)
        }
        continuation.yield(Self.encode(PushMessage(type: "history", history: history, framesetHistory: framesets)))
        return (id, stream)
    }

    func unsubscribe(_ id: Int) {
        let gone = state.withLock { $0.subscribers.removeValue(forKey: id) }
        gone?.continuation.finish()
    }

    /// Builds the state once and offers it to every client; a client whose buffer is full has
    /// stopped reading and is dropped. Takes a plot sample once per realtime second. The lock is
    /// held only to copy in and out: building and encoding happen outside it, so ``observe(_:)``
    /// (the coordinator's loop) never waits for JSON.
    func publish() {
        let realtime = now()
        let second = realtime.nanosecondsSinceEpoch / 1_000_000_000
        let taken = state.withLock { s -> (CoordinatorCore, DashboardSnapshot.SessionReport?, [String: PreviewInfo], DashboardSnapshot.FramesetCounts?, Bool, Bool)? in
            guard let core = s.core else { return nil }
            let sample = s.lastSampleSecond != second
            s.lastSampleSecond = second
            return (core, s.report, s.previews.mapValues(\.info), s.framesets, sample, !s.subscribers.isEmpty)
        }
        guard let (core, report, previews, framesets, sampleDue, anyClient) = taken else { return }
        let snapshot = DashboardSnapshot(core: core, report: report, previews: previews, framesets: framesets, now: realtime)
        var message = PushMessage(type: "state", state: snapshot)
        if sampleDue {
            let tMs = realtime.nanosecondsSinceEpoch / 1_000_000
            var samples: [String: PlotHistory.Sample] = [:]
            for tile in snapshot.cameras where tile.connected {
                samples[tile.name] = PlotHistory.Sample(tMs: tMs, ptpOffsetNs: tile.ptpOffsetNs, phaseErrorNs: tile.phaseErrorNs)
            }
            message.samples = samples
            message.framesetSample = framesets.map { PlotHistory.FramesetSample(tMs: tMs, complete: $0.complete, partial: $0.partial) }
        }
        // The snapshot and the plot samples are kept for clients that come later and for
        // /metrics; the JSON is only for clients connected now (a client that subscribes between
        // here and the lock below gets the next publish, half a second on).
        let text = anyClient ? Self.encode(message) : nil
        var lagging: [Subscriber] = []
        state.withLock { s in
            s.latest = snapshot
            for (name, sample) in message.samples ?? [:] { s.history.append(camera: name, sample) }
            if let f = message.framesetSample { s.history.append(framesets: f) }
            guard let text else { return }
            for (id, subscriber) in s.subscribers {
                if case .dropped = subscriber.continuation.yield(text) {
                    s.subscribers[id] = nil
                    s.droppedClients += 1
                    lagging.append(subscriber)
                }
            }
        }
        for subscriber in lagging {
            subscriber.continuation.finish()
            subscriber.drop()
        }
    }

    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
