import GenlockControl
import GenlockControlNIO
import GenlockCore
import GenlockMedia
import Synchronization

/// The node's side of the ingest: a recording tee. Give it to the camera's ``CameraRecorder``
/// (its `tee`): every row it writes goes to the ingest as it is written, with
/// its packet (no decode, no re-encode); rows that do not get through are back-filled from the
/// local files (``LocalBackfill``) when the ingest asks. The local recording stays the durable copy.
public final class IngestUplink: RecordingTee {
    public let camera: String
    public let session: String
    private let files: CameraFiles
    private let configuration: RecordingConfiguration
    private let parameters = LearnedParameters()
    private let client: Mutex<StreamClient?> = Mutex(nil)
    private let confirmation = Mutex<Bool?>(nil)
    /// How long closing the recording waits for the ingest to confirm it has every row.
    public let finishTimeout: TimeSpan

    /// Streams `camera`'s recording in `directory` (its session folder, named `session` on the
    /// ingest) to the ingest at `host:port`.
    public init(host: String, port: Int, key: RigKey, camera: String, session: String, directory: String,
                configuration: RecordingConfiguration, queueBytes: Int = 8 * 1024 * 1024, finishTimeout: TimeSpan = .seconds(20),
                log: @escaping @Sendable (String) -> Void) {
        self.finishTimeout = finishTimeout
        self.camera = camera
        self.session = session
        self.files = CameraFiles(directory: directory, camera: camera)
        self.configuration = configuration
        let reader = BackfillReader(LocalBackfill(files: files, epoch: configuration.epoch, codec: configuration.codec))
        let client = StreamClient(
            host: host, port: port, key: key, configuration: .init(queueBytes: queueBytes),
            hello: { [parameters, configuration] nonce in
                guard let stream = parameters.value.withLock({ $0 }) else { return nil }
                return StreamHello(camera: camera, session: session, nonce: nonce, codec: Self.codec(stream, configuration),
                                   newest: parameters.newest.withLock { $0 }, since: parameters.since.withLock { $0 })
            },
            backfill: { ranges in
                do {
                    return try reader.rows(in: ranges).map { Self.packet($0, live: false) }
                } catch {
                    log("ingest back-fill of \(camera): \(error)")
                    return []
                }
            },
            log: log)
        self.client.withLock { $0 = client }
    }

    /// A row the recorder wrote: handed on without waiting.
    public func written(_ row: RecordedRow) {
        parameters.newest.withLock { $0 = row.record.index }
        if let stream = row.parameters { learned(stream, at: row.record.index) }
        guard let client = client.withLock({ $0 }) else { return }
        client.send(Self.packet(row, live: true))
    }

    /// The codec parameters of the local recording, once known (they come with the rows after
    /// the first frame): the stream starts then.
    func learned(_ stream: EncodedStreamParameters, at index: Int64) {
        let first = parameters.value.withLock { p in
            defer { p = stream }
            if p != stream { parameters.since.withLock { $0 = index } }
            return p == nil
        }
        if first { client.withLock { $0 }?.start() }
    }

    /// The recording ended with row `lastIndex`: tells the ingest, waits (at most
    /// ``finishTimeout``) until it has every row, then closes the stream.
    public func finished(lastIndex: Int64?, stopIndex: Int64?) {
        guard let client = client.withLock({ $0 }) else { return }
        var complete = false
        // Without codec parameters (no frame recorded) there is no HELLO to send.
        if parameters.value.withLock({ $0 }) != nil {
            client.start()
            client.end(lastIndex: lastIndex, stopIndex: stopIndex)
            complete = client.waitUntilComplete(timeout: finishTimeout)
        }
        client.shutdown()
        confirmation.withLock { $0 = complete }
    }

    /// Stops streaming without telling the ingest the recording ended: what a node that crashed
    /// leaves behind (tests simulate a killed node with it).
    public func abandon() {
        let abandoned = client.withLock { c in
            defer { c = nil }
            return c
        }
        abandoned?.shutdown()
    }

    /// Whether the ingest confirmed it has every row (nil before the recording ended).
    public var confirmed: Bool? { confirmation.withLock { $0 } }

    /// The stream's counters (live sent and dropped, back-filled, connections).
    public var counters: StreamClient.Counters { client.withLock { $0 }?.counters ?? .init() }

    static func codec(_ stream: EncodedStreamParameters, _ configuration: RecordingConfiguration) -> StreamCodecParameters {
        StreamCodecParameters(
            codec: stream.codec.rawValue, width: stream.width, height: stream.height, layout: stream.layout.rawValue,
            rateNumerator: configuration.frameRate?.numerator, rateDenominator: configuration.frameRate?.denominator,
            epochNs: configuration.epoch.nanosecondsSinceEpoch, keyframeInterval: configuration.keyframeInterval, extradata: stream.extradata)
    }

    static func packet(_ row: RecordedRow, live: Bool) -> StreamPacket {
        let r = row.record
        return StreamPacket(
            index: r.index, previous: row.previous, scheduledNs: r.scheduled.nanosecondsSinceEpoch,
            sensorMonotonicNs: r.sensorMonotonic?.nanoseconds, sensorRealtimeNs: r.sensorRealtime?.nanosecondsSinceEpoch,
            exposureNs: r.exposure?.nanoseconds, wakeErrorNs: r.wakeError?.nanoseconds, realtimeLatenessNs: r.realtimeLateness?.nanoseconds,
            flags: r.flags.rawValue, live: live,
            payload: row.packet.map { .init(pts: $0.pts, dts: $0.dts, isKeyframe: $0.isKeyframe, data: $0.data) })
    }
}

/// The codec parameters the recorder reported, shared with the stream client's HELLO.
private final class LearnedParameters: Sendable {
    let value = Mutex<EncodedStreamParameters?>(nil)
    /// The newest row written (HELLO tells the ingest).
    let newest = Mutex<Int64?>(nil)
    /// The first row written with the current parameters (HELLO tells the ingest).
    let since = Mutex<Int64?>(nil)
}

/// The node's local files read back for WANTs, positioned between requests (the stream client
/// calls it from its event loop; the lock makes that explicit).
private final class BackfillReader: Sendable {
    private let backfill: Mutex<LocalBackfill>
    init(_ backfill: sending LocalBackfill) { self.backfill = Mutex(backfill) }
    func rows(in ranges: [ClosedRange<Int64>]) throws(MediaError) -> [RecordedRow] {
        try backfill.withLock { b throws(MediaError) -> [RecordedRow] in try b.rows(in: ranges) }
    }
}
