import ArgumentParser
import Dispatch
import GenlockControl
import GenlockControlNIO
import GenlockCore
import GenlockHAL
import GenlockMedia
import GenlockPOSIX
import Glibc
import Logging
import Synchronization

/// A camera node under a coordinator: HELLO, then the START it is given runs the capture
/// scheduler; STOP sets the common stop index. Losing the coordinator does not stop the recording
/// until `timeout` has passed; then it stops at the next frame, keeping everything captured.
/// With `phaseLocked` the sensor streams and is steered onto `Tn` instead of being sent requests,
/// and STATUS carries the lock's state and phase error; its numbered frames are recorded through a
/// ``CameraFrameRecorder`` at the sensor mode's size.
struct CameraNode {
    let name: String
    let coordinator: String
    let keyPath: String
    let timeout: TimeSpan
    let joinMargin: TimeSpan
    let log: Logger
    let ptp: NodePTPReporter
    let recording: NodeRecording?
    let phaseLocked: PhaseLockedNode?

    /// Runs the node; `timer` wakes request-timed capture (nil when phase-locked).
    func run(timer: AnyDeadlineTimer?) throws {
        guard let colon = coordinator.lastIndex(of: ":"), let port = Int(coordinator[coordinator.index(after: colon)...]), (1...65535).contains(port) else {
            throw ValidationError("--coordinator: '\(coordinator)' is not HOST:PORT")
        }
        let host = String(coordinator[..<colon])
        let key = try RigKeyFile.read(keyPath, option: "--key")
        let clock = PosixClockPair()
        let run = NodeRun(name: name, log: log)
        let state = Mutex<(plan: StartPlan?, disconnectedAt: RealtimeInstant?, stopSent: Bool)>((nil, nil, false))
        // The recorder can only be made once START gives T0 (the files' timeline origin).
        let pipeline = Mutex<(session: SessionRecorder, pipeline: SyntheticRecordingPipeline)?>(nil)
        let frameRecorder = Mutex<CameraFrameRecorder?>(nil)
        let driver = timer.map { timer in
            CaptureDriver(clock: clock, timer: timer, configuration: .init(joinMargin: joinMargin)) { report in
                run.handle(report)
                guard let p = pipeline.withLock({ $0?.pipeline }) else { return }
                switch report {
                case .capture(let request): p.capture(request)
                case .skip(let range): p.skipped(range)
                default: break
                }
            }
        }
        let name = self.name
        let log = self.log
        let ptp = self.ptp
        let phaseLocked = self.phaseLocked
        let stop: @Sendable (Int64) -> Void = { index in
            if let phaseLocked { phaseLocked.stop(at: index) } else { driver?.stop(at: index) }
        }
        let capabilities = phaseLocked == nil ? ["synthetic", "request-timed"] : ["libcamera", "phase-locked"]
        let client = NodeClient(
            host: host, port: port, key: key,
            hello: {
                ControlMessage.Hello(nodeName: name, softwareVersion: GenlockVersion.current, capabilities: capabilities, ptp: ptp.report, nonce: 0)
            },
            onEvent: { event in
                switch event {
                case .connected:
                    state.withLock { $0.disconnectedAt = nil }
                    log.info("connected to coordinator \(host):\(port)")
                case .disconnected(let reason):
                    let first = state.withLock { s -> Bool in
                        if s.disconnectedAt == nil { s.disconnectedAt = clock.sample().realtime; return true }
                        return false
                    }
                    if first { log.warning("coordinator lost: \(reason); retrying") }
                case .begin(let plan):
                    state.withLock { $0.plan = plan }
                    log.info("START: T0=\(plan.schedule.start.nanosecondsSinceEpoch) ns, \(plan.schedule.rate) fps, first index \(plan.firstIndex)")
                    let onError: @Sendable (MediaError) -> Void = { error in
                        log.error("recording failed: \(error)")
                        if let index = try? plan.schedule.firstIndex(after: clock.sample().realtime, margin: joinMargin) { stop(index) }
                    }
                    do {
                        if let recording, let phaseLocked {
                            let recorder = try recording.recorder(camera: name, size: phaseLocked.size, schedule: plan.schedule)
                            frameRecorder.withLock { $0 = CameraFrameRecorder(
                                recorder: recorder, schedule: plan.schedule, exposure: phaseLocked.exposure,
                                maximumPending: PhaseLockedNode.framesWaitingToEncode, onError: onError) }
                            log.info("recording \(phaseLocked.size) to \(recorder.files.directory)")
                        } else if let recording {
                            let made = try recording.open(camera: name, schedule: plan.schedule, clock: clock, onError: onError)
                            pipeline.withLock { $0 = made }
                            log.info("recording to \(made.session.directory)")
                        }
                    } catch {
                        log.error("cannot record: \(error); capturing without recording")
                    }
                    if let phaseLocked {
                        phaseLocked.start(plan, clock: clock, recorder: frameRecorder.withLock { $0 })
                    } else {
                        driver?.start(plan)
                    }
                case .stop(let index):
                    log.info("STOP: stop index \(index)")
                    pipeline.withLock { $0?.pipeline }?.stop(at: index)
                    stop(index)
                }
            })
        ptp.start()
        defer { ptp.stop() }
        client.start()

        // STATUS twice a second, and the coordinator-loss timeout.
        let ticker = DispatchSource.makeTimerSource(queue: .global())
        ticker.schedule(deadline: .now() + .milliseconds(500), repeating: .milliseconds(500))
        ticker.setEventHandler {
            let p = phaseLocked?.progress ?? run.progress.withLock { $0 }
            client.send(status: .init(ptp: ptp.report, framesCaptured: p.captured, framesSkipped: p.skipped, lastIndex: p.last, finished: false,
                                      phaseLock: phaseLocked?.report))
            let now = clock.sample().realtime
            let expired: StartPlan? = state.withLock { s in
                guard let lost = s.disconnectedAt, let plan = s.plan, !s.stopSent, now - lost >= timeout else { return nil }
                s.stopSent = true
                return plan
            }
            if let plan = expired, let index = try? plan.schedule.firstIndex(after: now, margin: joinMargin) {
                log.warning("no coordinator for \(timeout): stopping at index \(index); frames recorded so far are kept")
                stop(index)
            }
        }
        ticker.resume()

        // Ctrl-C on a node: a local stop at the next reachable frame.
        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        interrupt.setEventHandler {
            let plan = state.withLock { $0.plan }
            guard let plan else {
                log.info("interrupted before START")
                Glibc.exit(130)
            }
            if let index = try? plan.schedule.firstIndex(after: clock.sample().realtime, margin: joinMargin) {
                log.info("interrupted: stopping at index \(index)")
                stop(index)
            }
        }
        interrupt.resume()

        if let phaseLocked {
            let summary = phaseLocked.waitForFinish()
            ticker.cancel()
            interrupt.cancel()
            client.captureFinished()
            var recordingFailure: String?
            if let recorder = frameRecorder.withLock({ $0 }) {
                do {
                    let cam = try recorder.finish(stopIndex: summary.stopIndex)
                    log.info("recorded: \(cam)")
                } catch {
                    recordingFailure = "\(error)"
                }
            }
            _ = try? client.send(status: .init(ptp: ptp.report, framesCaptured: summary.captured, framesSkipped: summary.skipped,
                                               lastIndex: summary.lastIndex, finished: true, phaseLock: phaseLocked.report)).wait()
            client.shutdown()
            Console.out(PhaseLockedNode.summaryLine(name: name, summary))
            if let failure = PhaseLockedNode.failure(summary) { throw failure }
            if let recordingFailure { throw CommandFailure("recording failed: \(recordingFailure)") }
            return
        }
        let summary = run.waitForFinish()
        ticker.cancel()
        interrupt.cancel()
        client.captureFinished()
        var recordingFailure: String?
        if let made = pipeline.withLock({ $0 }) {
            do {
                // Only this camera's files: the session-level exports (summary.csv, timestamps.csv)
                // are written once all cameras are in, by whoever collects the session.
                let cam = try made.pipeline.finish(stopIndex: summary.stopIndex)
                log.info("recorded: \(cam)")
            } catch {
                recordingFailure = "\(error)"
            }
        }
        // Report the end; a coordinator that is gone simply doesn't hear it.
        _ = try? client.send(status: .init(ptp: ptp.report, framesCaptured: summary.captured, framesSkipped: summary.skipped,
                                           lastIndex: summary.lastIndex, finished: true)).wait()
        client.shutdown()
        run.printSummary(summary)
        if case .failed(let error) = summary.outcome { throw ValidationError("schedule: \(error)") }
        if let recordingFailure { throw CommandFailure("recording failed: \(recordingFailure)") }
    }
}

/// Where and how a node under a coordinator records.
struct NodeRecording: Sendable {
    let out: String
    let session: String?
    let codec: VideoCodec
    let size: FrameSize

    /// The synthetic camera's pipeline, rendering at `size`.
    func open(camera: String, schedule: FrameSchedule, clock: PosixClockPair, onError: @escaping @Sendable (MediaError) -> Void)
        throws -> (session: SessionRecorder, pipeline: SyntheticRecordingPipeline)
    {
        let sessionRecorder = try session(schedule)
        let recorder = try sessionRecorder.camera(camera, configuration: configuration(size, schedule))
        let pipeline = try SyntheticRecordingPipeline(recorder: recorder, schedule: schedule, clock: clock, onError: onError)
        return (sessionRecorder, pipeline)
    }

    /// `camera`'s recorder for frames of `frameSize` (a real camera's, whatever `--size` says).
    func recorder(camera: String, size frameSize: FrameSize, schedule: FrameSchedule) throws -> CameraRecorder {
        try session(schedule).camera(camera, configuration: configuration(frameSize, schedule))
    }

    private func session(_ schedule: FrameSchedule) throws -> SessionRecorder {
        try SessionRecorder(outputRoot: out, session: session ?? SessionRecorder.defaultName(epoch: schedule.start))
    }

    private func configuration(_ frameSize: FrameSize, _ schedule: FrameSchedule) -> RecordingConfiguration {
        RecordingConfiguration(
            codec: codec, width: frameSize.width, height: frameSize.height, layout: .yuv420p, frameRate: schedule.rate, epoch: schedule.start)
    }
}

/// Reading and writing rig key files.
enum RigKeyFile {
    static func read(_ path: String, option: String) throws -> RigKey {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ValidationError("\(option): cannot read rig key \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = Glibc.read(fd, &buffer, buffer.count)
        guard n >= 0 else { throw ValidationError("\(option): cannot read rig key \(path): \(String(cString: strerror(errno)))") }
        // The file holds the key as hex (64 digits), so it can be copied by hand.
        let text = String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count == 64, let bytes = hexBytes(text) else {
            throw ValidationError("\(option): \(path) is not a rig key (expected 64 hex digits, as written by genlock keygen)")
        }
        return try RigKey(bytes: bytes)
    }

    static func hexBytes(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var it = text.makeIterator()
        while let a = it.next() {
            guard let b = it.next(), let hi = a.hexDigitValue, let lo = b.hexDigitValue else { return nil }
            bytes.append(UInt8(hi * 16 + lo))
        }
        return bytes
    }
}

/// The software version sent in HELLO.
enum GenlockVersion {
    static let current = "0.1.0"
}
