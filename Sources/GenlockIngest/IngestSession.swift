import GenlockControl
import GenlockCore
import GenlockMedia

/// One session folder on the ingest, built from the nodes' streams: per camera a remux recorder
/// (`<camera>.mkv`, sidecar, timestamps, exactly as local recording writes them) fed in index
/// order by the camera's ``IngestLedger``, and the core's ``FramesetAssembler`` run live over the
/// rows as they are written. ``finish()`` writes the session's exports (`summary.csv`,
/// `timestamps.csv`, `framesets.csv`) from the sidecars, every state final.
///
/// Not thread-safe: the server confines it to its event loop.
final class IngestSession {
    let recorder: SessionRecorder
    /// The rig's cameras, in order (the frameset columns). Cameras not listed are refused.
    let cameras: [String]
    private let wait: TimeSpan
    private let firstIndex: Int64?
    private var recorders: [String: CameraRecorder] = [:]
    private var parameters: [String: EncodedStreamParameters] = [:]
    private(set) var ledgers: [String: IngestLedger] = [:]
    private var assembler: FramesetAssembler?
    var now: MonotonicInstant
    private let deliver: (IngestFrameset) -> Void
    private let preview: (IngestPacket) -> Void
    private let log: (String) -> Void
    private(set) var finished = false
    /// Rows written per camera.
    private(set) var rowsWritten: [String: Int] = [:]
    /// Back-filled rows written per camera, with the first and last such write (monotonic).
    private(set) var backfill: [String: (rows: Int, first: MonotonicInstant, last: MonotonicInstant)] = [:]

    init(outputRoot: String, session: String, cameras: [String], firstIndex: Int64?, wait: TimeSpan, now: MonotonicInstant,
         deliver: @escaping (IngestFrameset) -> Void, preview: @escaping (IngestPacket) -> Void, log: @escaping (String) -> Void) throws(MediaError) {
        recorder = try SessionRecorder(outputRoot: outputRoot, session: session)
        self.cameras = cameras
        self.firstIndex = firstIndex
        self.wait = wait
        self.now = now
        self.deliver = deliver
        self.preview = preview
        self.log = log
    }

    /// A node's HELLO for `camera`: opens (or continues) its recorder; returns the ledger's actions.
    func connected(camera: String, codec: StreamCodecParameters, newest: Int64?) throws(MediaError) -> [IngestLedger.Action] {
        guard cameras.contains(camera) else {
            throw MediaError.invalidFrame("camera '\(camera)' is not in the rig (\(cameras.joined(separator: ", ")))")
        }
        let stream = try Self.parameters(codec)
        if let known = parameters[camera] {
            guard known == stream else { throw MediaError.invalidFrame("\(camera) reconnected with other codec parameters than its stream so far") }
        } else {
            let rate = codec.rateNumerator.flatMap { n in codec.rateDenominator.flatMap { try? FrameRate(numerator: n, denominator: $0) } }
            let configuration = RecordingConfiguration(
                codec: stream.codec, width: stream.width, height: stream.height, layout: stream.layout, frameRate: rate,
                epoch: RealtimeInstant(nanosecondsSinceEpoch: codec.epochNs), keyframeInterval: max(1, codec.keyframeInterval))
            recorders[camera] = try CameraRecorder(directory: recorder.directory, camera: camera, configuration: configuration, remux: stream)
            parameters[camera] = stream
            ledgers[camera] = IngestLedger()
        }
        if let newest { _ = ledgers[camera]!.handle(.newest(newest)) }
        return perform(camera, ledgers[camera]!.handle(.connected))
    }

    /// A row from `camera`'s stream: held, written, or ignored (the ledger says which).
    func received(camera: String, _ row: StreamPacket) -> [IngestLedger.Action] {
        guard ledgers[camera] != nil else { return [] }
        return perform(camera, ledgers[camera]!.handle(.row(row)))
    }

    /// Nothing arrived for `camera` for a while: repeat the WANT if rows are lacking.
    func remind(camera: String) -> [IngestLedger.Action] {
        guard let ledger = ledgers[camera], !ledger.isComplete, !ledger.lacking.isEmpty else { return [] }
        return perform(camera, ledgers[camera]!.handle(.remind))
    }

    /// `camera`'s node says its recording ended.
    func ended(camera: String, lastIndex: Int64?, stopIndex: Int64?) -> [IngestLedger.Action] {
        guard ledgers[camera] != nil else { return [] }
        if let stopIndex {
            do throws(MediaError) { try recorders[camera]?.stop(at: stopIndex) } catch { log("\(camera): \(error)") }
            assemble(.stop(stopIndex))
        }
        return perform(camera, ledgers[camera]!.handle(.end(lastIndex: lastIndex)))
    }

    /// The monotonic clock: framesets that waited long enough go out partial.
    func tick(_ at: MonotonicInstant) {
        now = at
        assemble(.tick(at))
    }

    /// Whether every rig camera's stream is complete.
    var allComplete: Bool { cameras.allSatisfy { ledgers[$0]?.isComplete ?? false } }

    /// Closes every camera's files and writes the session's exports; returns the summaries.
    func finish() throws(MediaError) -> [CameraSummary] {
        guard !finished else { return [] }
        finished = true
        var firstError: MediaError?
        for (camera, recorder) in recorders.sorted(by: { $0.key < $1.key }) {
            do throws(MediaError) { try recorder.finish() } catch {
                log("\(camera): \(error)")
                firstError = firstError ?? error
            }
        }
        for camera in cameras.indices { assemble(.cameraEnded(camera: camera)) }
        if let firstError { throw firstError }
        return try recorder.finish()
    }

    private func perform(_ camera: String, _ actions: [IngestLedger.Action]) -> [IngestLedger.Action] {
        for action in actions {
            switch action {
            case .write(let row): write(camera, row)
            case .complete:
                do throws(MediaError) { try recorders[camera]?.finish() } catch { log("\(camera): \(error)") }
                if let position = cameras.firstIndex(of: camera) { assemble(.cameraEnded(camera: position)) }
            case .want, .ignored: break
            }
        }
        return actions
    }

    private func write(_ camera: String, _ row: StreamPacket) {
        guard let recorder = recorders[camera], let parameters = parameters[camera] else { return }
        let record = Self.record(row)
        do throws(MediaError) {
            if let payload = row.payload, record.isRecorded {
                let packet = EncodedPacket(pts: payload.pts, dts: payload.dts, isKeyframe: payload.isKeyframe, data: payload.data)
                try recorder.append(packet, record: record)
                preview(IngestPacket(camera: camera, parameters: parameters, index: row.index, packet: packet, record: record))
            } else {
                try recorder.note(record)
            }
        } catch {
            log("\(camera): cannot write row \(row.index): \(error)")
            return
        }
        rowsWritten[camera, default: 0] += 1
        if !row.live {
            let known = backfill[camera]
            backfill[camera] = ((known?.rows ?? 0) + 1, known?.first ?? now, now)
        }
        if assembler == nil { assembler = FramesetAssembler(configuration: .init(cameras: cameras.count, firstIndex: firstIndex ?? row.index, wait: wait)) }
        guard let position = cameras.firstIndex(of: camera) else { return }
        let state: FramesetAssembler.CameraState = record.flags.contains(.skipped) ? .skipped : record.isRecorded ? .present : .dropped
        let exposure = record.sensorRealtime.map { sensor in record.exposure.map { sensor - $0 } ?? sensor }
        assemble(.row(camera: position, index: row.index, .init(state: state, exposureStart: exposure)))
    }

    private func assemble(_ event: FramesetAssembler.Event) {
        guard assembler != nil else { return }
        let settled = assembler!.handle(event)
        for frameset in settled {
            deliver(IngestFrameset(index: frameset.index, cameras: cameras, parts: frameset.parts, settledAt: now, deliveredAt: now))
        }
    }

    static func record(_ row: StreamPacket) -> FrameRecord {
        FrameRecord(
            index: row.index, scheduled: RealtimeInstant(nanosecondsSinceEpoch: row.scheduledNs),
            sensorMonotonic: row.sensorMonotonicNs.map { MonotonicInstant(nanoseconds: $0) },
            sensorRealtime: row.sensorRealtimeNs.map { RealtimeInstant(nanosecondsSinceEpoch: $0) },
            exposure: row.exposureNs.map { TimeSpan(nanoseconds: $0) }, wakeError: row.wakeErrorNs.map { TimeSpan(nanoseconds: $0) },
            realtimeLateness: row.realtimeLatenessNs.map { TimeSpan(nanoseconds: $0) },
            flags: FrameRecord.Flags(rawValue: row.flags))
    }

    static func parameters(_ codec: StreamCodecParameters) throws(MediaError) -> EncodedStreamParameters {
        EncodedStreamParameters(codec: try VideoCodec(parsing: codec.codec), width: codec.width, height: codec.height,
                                layout: try PixelLayout(parsing: codec.layout), extradata: codec.extradata)
    }
}
