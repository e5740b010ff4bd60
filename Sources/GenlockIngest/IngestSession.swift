import GenlockControl
import GenlockCore
import GenlockMedia

/// One session folder on the ingest, built from the nodes' streams: per camera a remux recorder
/// (`<camera>.mkv`, sidecar, timestamps, exactly as local recording writes them) fed in index
/// order by the camera's ``IngestLedger``, and the core's ``FramesetAssembler`` run live over the
/// rows as they are written. ``finish()`` writes the session's exports (`summary.csv`,
/// `timestamps.csv`, `framesets.csv`) from the sidecars, every state final.
///
/// A node restarted mid-session with a new encoder (new SPS/PPS) announces its codec parameters
/// from a row on (HELLO's `since`): the rows before it keep the earlier parameters, and from it
/// the camera's files continue in a new segment, exactly as the node's own recorder continues
/// its files after a restart (``CameraRecorder`` over an earlier run's files). An ingest restarted
/// mid-session continues its own files the same way and does not ask for the rows they hold.
///
/// Not thread-safe: the server confines it to its event loop.
final class IngestSession {
    let recorder: SessionRecorder
    /// The rig's cameras, in order (the frameset columns). Cameras not listed are refused.
    let cameras: [String]
    private let wait: TimeSpan
    private let firstIndex: Int64?
    private var recorders: [String: CameraRecorder] = [:]
    /// The parameters of the segment being written, per camera.
    private var parameters: [String: EncodedStreamParameters] = [:]
    /// Per camera, the codec parameters of each node run heard of, by their first row, oldest first.
    private var runs: [String: [ParameterRun]] = [:]
    /// Per camera, the stop index its node sent (re-applied when a new segment's recorder opens).
    private var stops: [String: Int64] = [:]
    /// Per camera position, the packets written since its last keyframe (what decoding a frame needs).
    private var sinceKeyframe: [Int: [IngestFrame.Step]] = [:]
    /// Frames written whose frameset is not delivered yet, by frameset index and camera position.
    private var pendingFrames: [Int64: [Int: IngestFrame]] = [:]
    /// The last frameset delivered (they go out in index order).
    private var deliveredThrough: Int64?
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
    /// Cameras whose files could not be written, with the first error: their later rows are not
    /// written (the node's local recording keeps them), said once, and ``finish()`` fails.
    private(set) var failures: [String: String] = [:]

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
    /// `since`: the first row these parameters hold for (HELLO's; nil: every row).
    func connected(camera: String, codec: StreamCodecParameters, newest: Int64?, since: Int64? = nil) throws(MediaError) -> [IngestLedger.Action] {
        guard cameras.contains(camera) else {
            throw MediaError.invalidFrame("camera '\(camera)' is not in the rig (\(cameras.joined(separator: ", ")))")
        }
        let stream = try Self.parameters(codec)
        let run = ParameterRun(since: since ?? .min, parameters: stream, configuration: Self.configuration(codec, stream))
        if let known = runs[camera]?.last {
            if known.parameters != run.parameters {
                // A new encoder (the node restarted): its rows go to a new segment from `since` on.
                guard let since, since > known.since, since > ledgers[camera]?.written ?? .min else {
                    throw MediaError.invalidFrame(
                        "\(camera) reconnected with other codec parameters than its stream so far, without naming a row after those written from which they hold")
                }
                runs[camera]!.append(run)
                log("ingest: \(camera) has new codec parameters from row \(since) on (a new encoder): a new segment starts there")
            }
        } else {
            let opened = try CameraRecorder(directory: recorder.directory, camera: camera, configuration: run.configuration, remux: run.parameters)
            recorders[camera] = opened
            parameters[camera] = run.parameters
            // An earlier run of the ingest wrote rows up to `resumedAfter`: they are not asked for again.
            ledgers[camera] = IngestLedger(resumedAfter: opened.resumedAfter)
            runs[camera] = [ParameterRun(since: .min, parameters: run.parameters, configuration: run.configuration)]
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
            stops[camera] = min(stopIndex, stops[camera] ?? .max)
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
                // A camera that failed already said why, and fails the session below.
                guard failures[camera] == nil else { continue }
                log("\(camera): \(error)")
                firstError = firstError ?? error
            }
        }
        for camera in cameras.indices { assemble(.cameraEnded(camera: camera)) }
        if let firstError { throw firstError }
        let exports = Result { () throws(MediaError) in try recorder.finish() }
        guard failures.isEmpty else {
            let named = failures.sorted(by: { $0.key < $1.key }).map { "\($0.key): \($0.value)" }.joined(separator: "; ")
            let unexported = if case .failure(let error) = exports { "; the exports failed too: \(error)" } else { "" }
            throw MediaError.incomplete("the session's files are incomplete (\(named)); the nodes' local recordings have the rest\(unexported)")
        }
        return try exports.get()
    }

    private func perform(_ camera: String, _ actions: [IngestLedger.Action]) -> [IngestLedger.Action] {
        for action in actions {
            switch action {
            case .write(let row): write(camera, row)
            case .complete:
                do throws(MediaError) { try recorders[camera]?.finish() } catch {
                    if failures[camera] == nil { log("\(camera): \(error)") }
                }
                if let position = cameras.firstIndex(of: camera) { assemble(.cameraEnded(camera: position)) }
            case .want, .ignored: break
            }
        }
        return actions
    }

    private func write(_ camera: String, _ row: StreamPacket) {
        guard failures[camera] == nil else { return }
        let record = Self.record(row)
        if row.payload != nil, record.isRecorded { rollOverIfNewParameters(camera, at: row.index) }
        guard failures[camera] == nil, let recorder = recorders[camera], let parameters = parameters[camera] else { return }
        do throws(MediaError) {
            if let payload = row.payload, record.isRecorded {
                let packet = EncodedPacket(pts: payload.pts, dts: payload.dts, isKeyframe: payload.isKeyframe, data: payload.data)
                try recorder.append(packet, record: record)
                preview(IngestPacket(camera: camera, parameters: parameters, index: row.index, packet: packet, record: record))
                keep(IngestFrame(camera: camera, index: row.index, parameters: parameters, packet: packet, record: record, sinceKeyframe: []))
            } else {
                try recorder.note(record)
            }
        } catch {
            fail(camera, "cannot write row \(row.index): \(error)")
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

    /// Before a frame of a node run whose codec parameters are not the current segment's: closes
    /// the segment and continues the camera's files with a recorder of the run's parameters (the
    /// next segment, as a restarted node's recorder does).
    private func rollOverIfNewParameters(_ camera: String, at index: Int64) {
        guard let run = runs[camera]?.last(where: { $0.since <= index }), run.parameters != parameters[camera] else { return }
        do throws(MediaError) {
            try recorders[camera]?.finish()
            let next = try CameraRecorder(directory: recorder.directory, camera: camera, configuration: run.configuration, remux: run.parameters)
            if let stop = stops[camera] { try next.stop(at: stop) }
            recorders[camera] = next
            parameters[camera] = run.parameters
        } catch {
            fail(camera, "cannot start the segment of its new codec parameters at row \(index): \(error)")
        }
    }

    /// `camera`'s files cannot be written: said once, its later rows are left to the node's local
    /// recording, and its framesets stop waiting for it.
    private func fail(_ camera: String, _ reason: String) {
        guard failures[camera] == nil else { return }
        failures[camera] = reason
        log("\(camera): \(reason); its later rows are not written here (the node's local recording has them)")
        if let position = cameras.firstIndex(of: camera) { assemble(.cameraEnded(camera: position)) }
    }

    private func assemble(_ event: FramesetAssembler.Event) {
        guard assembler != nil else { return }
        let settled = assembler!.handle(event)
        for frameset in settled {
            let frames = pendingFrames.removeValue(forKey: frameset.index)
            deliveredThrough = frameset.index
            deliver(IngestFrameset(index: frameset.index, cameras: cameras, parts: frameset.parts, settledAt: now, deliveredAt: now,
                                   frames: cameras.indices.map { frames?[$0] }))
        }
    }

    /// Keeps a written frame, with the packets since its keyframe, until its frameset goes out.
    private func keep(_ frame: IngestFrame) {
        guard let position = cameras.firstIndex(of: frame.camera) else { return }
        var frame = frame
        if frame.packet.isKeyframe { sinceKeyframe[position] = [] }
        frame.sinceKeyframe = sinceKeyframe[position] ?? []
        sinceKeyframe[position, default: []].append(.init(index: frame.index, packet: frame.packet))
        // Frames before the first frameset, or of a frameset already out (partial), go out in none.
        guard frame.index >= firstIndex ?? frame.index, assembler.map({ frame.index >= $0.configuration.firstIndex }) ?? true,
              frame.index > deliveredThrough ?? .min else { return }
        pendingFrames[frame.index, default: [:]][position] = frame
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

    static func configuration(_ codec: StreamCodecParameters, _ stream: EncodedStreamParameters) -> RecordingConfiguration {
        let rate = codec.rateNumerator.flatMap { n in codec.rateDenominator.flatMap { try? FrameRate(numerator: n, denominator: $0) } }
        return RecordingConfiguration(
            codec: stream.codec, width: stream.width, height: stream.height, layout: stream.layout, frameRate: rate,
            epoch: RealtimeInstant(nanosecondsSinceEpoch: codec.epochNs), keyframeInterval: max(1, codec.keyframeInterval))
    }

    static func parameters(_ codec: StreamCodecParameters) throws(MediaError) -> EncodedStreamParameters {
        EncodedStreamParameters(codec: try VideoCodec(parsing: codec.codec), width: codec.width, height: codec.height,
                                layout: try PixelLayout(parsing: codec.layout), extradata: codec.extradata)
    }
}

/// A node run's codec parameters and the first row they hold for.
struct ParameterRun {
    var since: Int64
    var parameters: EncodedStreamParameters
    var configuration: RecordingConfiguration
}
