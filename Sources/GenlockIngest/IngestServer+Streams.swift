import GenlockControl
import GenlockCore
import GenlockMedia
import NIOCore

/// The ingest's streams, on its event loop: connections accepted and authenticated (the limits
/// of ``PendingHandshakes``), HELLO opening or joining the session, rows handed to the ledgers and
/// their actions (WANT, completion) carried out, stalled cameras reminded.
extension IngestServer {
    func accepted(_ channel: Channel) {
        let at = now()
        // Full: the oldest connection still unauthenticated makes room (a real node retries).
        for oldest in waiting.admit(ObjectIdentifier(channel), at: at) {
            dropUnauthenticated(oldest, reason: "evicted", "closed an unauthenticated connection: \(waiting.capacity) were waiting for HELLO", at: at)
        }
        var stream = StreamConnection(role: .ingest, key: key, localNonce: UInt64.random(in: 1...UInt64.max))
        let challenge = stream.encode(.challenge(nonce: stream.localNonce))
        connections[ObjectIdentifier(channel)] = Connection(channel: channel, stream: stream, camera: nil)
        channel.send(challenge).whenFailure { _ in }
    }

    func received(_ channel: Channel, _ bytes: [UInt8]) {
        let id = ObjectIdentifier(channel)
        guard connections[id] != nil else { return }
        let at = now()
        session?.now = at
        let inbound = connections[id]!.stream.receive(bytes)
        for item in inbound {
            // Before HELLO a bad frame ends the connection: resynchronising (which keeps an
            // authenticated stream's video flowing) would let anyone make the ingest check a MAC
            // over up to 64 KiB for every 28 bytes sent. In order: a HELLO before it counts.
            if case .rejected(let error) = item, connections[id]?.camera == nil {
                rejected += 1
                dropUnauthenticated(id, reason: "\(error.code)", "closed an unauthenticated connection: \(error)", at: at)
                return
            }
            handle(item, on: id)
        }
    }

    /// Closes unauthenticated connections that sent no HELLO within the handshake timeout, and
    /// says what the rate-limited log held back.
    func closeUnauthenticated(at: MonotonicInstant) {
        for id in waiting.expired(at: at) {
            dropUnauthenticated(id, reason: "handshake timeout", "closed an unauthenticated connection: no HELLO within \(waiting.timeout)", at: at)
        }
        for line in rejections.flush(at: at) { log("ingest: \(line)") }
        if acceptFailures > 0 {
            log("ingest: accept failed (out of file descriptors?); paused accepting \(acceptFailures)× for 100 ms")
            acceptFailures = 0
        }
    }

    private func dropUnauthenticated(_ id: ObjectIdentifier, reason: String, _ line: String, at: MonotonicInstant) {
        waiting.remove(id)
        guard let connection = connections.removeValue(forKey: id) else { return }
        connection.channel.close(promise: nil)
        for text in rejections.note(reason: reason, line: line, at: at) { log("ingest: \(text)") }
    }

    func closed(_ channel: Channel) {
        let id = ObjectIdentifier(channel)
        waiting.remove(id)
        guard var connection = connections.removeValue(forKey: id) else { return }
        for item in connection.stream.finish() { if case .rejected(let error) = item { reject(connection.camera, error) } }
        if let camera = connection.camera, current[camera] == id { current[camera] = nil }
    }

    private func handle(_ item: StreamConnection.Inbound, on id: ObjectIdentifier) {
        guard let connection = connections[id] else { return }
        switch item {
        case .rejected(let error): reject(connection.camera, error)
        case .message(.hello(let hello), _): greeted(hello, on: id)
        case .message(.packet(let row), _):
            guard let camera = connection.camera, let session else { return }
            perform(session.received(camera: camera, row), camera: camera)
        case .message(.end(let last, let stop), _):
            guard let camera = connection.camera, let session else { return }
            perform(session.ended(camera: camera, lastIndex: last, stopIndex: stop), camera: camera)
        case .message(.challenge, _), .message(.want, _): break
        }
    }

    private func greeted(_ hello: StreamHello, on id: ObjectIdentifier) {
        do {
            if session == nil {
                session = try IngestSession(
                    outputRoot: configuration.outputRoot, session: hello.session, cameras: configuration.cameras,
                    firstIndex: configuration.firstIndex, wait: configuration.wait, now: now(),
                    deliver: { [self] in deliver($0) }, preview: { [self] in latest[$0.camera] = $0; packetSink.yield($0) },
                    log: log)
                log("ingest: session \(hello.session) in \(session!.recorder.directory)")
            }
            guard let session, session.recorder.session == hello.session, !session.finished else {
                throw MediaError.invalidFrame("session '\(hello.session)' is not the session being ingested (\(session?.recorder.session ?? "none"))")
            }
            connections[id]?.camera = hello.camera
            waiting.remove(id)
            current[hello.camera] = id
            log("ingest: \(hello.camera) connected")
            perform(try session.connected(camera: hello.camera, codec: hello.codec, newest: hello.newest, since: hello.since), camera: hello.camera)
        } catch {
            log("ingest: refusing \(hello.camera): \(error)")
            connections[id]?.channel.close(promise: nil)
        }
    }

    private func perform(_ actions: [IngestLedger.Action], camera: String) {
        for action in actions {
            switch action {
            case .want(let ranges):
                guard let id = current[camera], connections[id] != nil else { continue }
                let bytes = connections[id]!.stream.encode(.want(Array(ranges.prefix(StreamWire.maximumWantRanges))))
                connections[id]!.channel.send(bytes).whenFailure { _ in }
            case .ignored(let index, let reason):
                if !reason.hasPrefix("row \(index) is already") { log("ingest: \(camera): \(reason)") }
            case .complete:
                log("ingest: \(camera) complete")
                // An empty WANT after END: the node may stop streaming.
                if let id = current[camera], connections[id] != nil {
                    connections[id]!.channel.send(connections[id]!.stream.encode(.want([]))).whenFailure { _ in }
                }
            case .write: break
            }
        }
        if let session, session.allComplete, !session.finished {
            do { _ = try finishSession() } catch { log("ingest: cannot finish the session: \(error)") }
        }
    }

    /// Asks again for rows still lacking when a camera has written nothing for a second.
    func remindIfStalled(_ session: IngestSession, _ at: MonotonicInstant) {
        for camera in session.cameras where current[camera] != nil {
            let written = session.rowsWritten[camera, default: 0]
            if let last = progress[camera], last.rows == written {
                guard at - last.at >= .seconds(1) else { continue }
                progress[camera] = (written, at)
                perform(session.remind(camera: camera), camera: camera)
            } else {
                progress[camera] = (written, at)
            }
        }
    }

    private func reject(_ camera: String?, _ error: ControlError) {
        rejected += 1
        log("ingest: \(camera ?? "unidentified connection"): rejected \(error)")
    }

    private func deliver(_ frameset: IngestFrameset) {
        var frameset = frameset
        frameset.deliveredAt = now()
        framesetSink.yield(frameset)
    }
}
