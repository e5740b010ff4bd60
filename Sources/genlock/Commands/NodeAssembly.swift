import ArgumentParser
import Dispatch
import Foundation
import GenlockControl
import GenlockControlNIO
import GenlockCore
import GenlockDoctor
import GenlockDoctorLinux
import GenlockHAL
import GenlockLibcamera
import GenlockMedia
import GenlockNode
import GenlockPOSIX
import Glibc
import Logging
import NIOCore
import Synchronization

/// What a node is asked to be: `genlock camera`'s settings, or `genlock record`'s.
struct NodeOptions {
    var name: String
    var camera: CameraChoice
    var capture: CaptureMode
    var sensor: String?
    var exposure: TimeSpan
    /// `HOST:PORT` of the coordinator, or nil for a standalone node with its own schedule.
    var coordinator: String?
    var key: String?
    var coordinatorTimeout: TimeSpan
    var ptpSocket: String
    var ptpMaxOffset: TimeSpan
    /// A standalone node's schedule: the rate, the stop index, and T0 (or a delay to it).
    var fps: FrameRate?
    var frames: Int64?
    var startAt: Int64?
    var startIn: TimeSpan?
    var recording: NodeRecording?
    var joinMargin: TimeSpan
    var timing: TimerOptions
    var cpuLatencyUs: Int32?
    /// No line per frame.
    var quiet = false
    /// The synthetic streaming sensor's crystal error (phase-locked capture without a camera).
    var crystalPpm: Double = 0
    /// `HOST:PORT` for the node's `/metrics`, or nil for none.
    var metrics: String?
}

/// Every node the CLI runs (`genlock camera` standalone or under a coordinator, synthetic or
/// libcamera, request-timed or phase-locked, recording or not; `genlock record`) as one
/// ``NodeRuntime``: this file only picks the devices and outputs for the options and connects the
/// runtime to the process (the control link, SIGINT/SIGTERM on a `sigwait` thread, a ticker), then
/// waits for the node to exit.
enum NodeLaunch {
    static func run(_ s: NodeOptions) throws {
        // Before any other thread exists, so every thread inherits the mask and only the signal
        // thread ever takes SIGINT or SIGTERM.
        SignalWaiter.block([SIGINT, SIGTERM])
        LoggingSystem.bootstrap { ClassicLogHandler(label: $0) }
        let log = Logger(label: s.name)
        let clock = PosixClockPair()
        let mode = s.capture
        // The camera first: with no camera the node says so before it connects or arms anything.
        var opened: LibcameraSensor?
        if case .libcamera(let selector) = s.camera {
            // libcamera logs INFO and WARN lines to stderr; keep only errors unless the user chose.
            setenv("LIBCAMERA_LOG_LEVELS", "*:ERROR", 0)
            opened = try LibcameraSensor.open(selector: selector, sensor: s.sensor, exposure: s.exposure, log: log) { sensorMode in
                mode == .phaseLocked
                    // Requests in flight (one per control-delay frame), the frame being handled when
                    // the next request is queued, and the frames waiting for the recorder's encoder.
                    ? sensorMode.timing.controlDelayFrames + 1 + LibcameraSensor.framesWaitingToEncode
                    // A request queued at Tn waits for the next sensor frame; the recorder may hold 2 more.
                    : 4
            }
        }
        let sensor = opened
        let latencyRequest: CPULatencyRequest?
        do {
            latencyRequest = try s.cpuLatencyUs.map { try CPULatencyRequest(targetUs: $0) }
        } catch {
            throw ValidationError("--cpu-latency-us: \(error)")
        }
        defer { latencyRequest?.release() }
        let recording = s.recording
        let metrics = try NodeMetricsLaunch.start(s.metrics, camera: s.name, clock: clock, log: log)

        // Request-timed capture wakes on a deadline timer; a phase-locked sensor paces itself.
        var timer: (any DeadlineTimer)?
        let synthetic = Mutex<RequestedCaptures<SyntheticCamera>?>(nil)
        defer { timer?.shutdown() }
        let capture: any NodeCapture
        let closingLine: @Sendable () -> String?
        var latenessP99: @Sendable () -> Int64? = { nil }
        if sensor == nil, mode == .phaseLocked {
            // No camera: a synthetic sensor that streams on its own crystal, paced by a real timer,
            // in the timing of the sensor named (imx708 by default).
            let made = try s.timing.makeTimer()
            timer = made
            let sensorMode = SensorMode.known(model: s.sensor ?? "imx708") ?? .imx708
            let size = recording?.size ?? FrameSize(width: 640, height: 480)
            let camera = try StreamingSyntheticCamera(
                name: "synthetic", width: size.width, height: size.height, timing: sensorMode.timing,
                crystalPpm: s.crystalPpm, clock: clock, timer: AnyDeadlineTimer(made))
            let observer = PhaseLockedLog(name: s.name, log: log)
            closingLine = { observer.summaryLine }
            capture = PhaseLockedCapture(
                camera: camera, clock: clock,
                configuration: .init(sensor: sensorMode.timing, timestampMeaning: .startOfReadout, exposure: s.exposure, joinMargin: s.joinMargin),
                started: { settings in
                    log.info("streaming a synthetic \(sensorMode) at \(s.crystalPpm >= 0 ? "+" : "")\(s.crystalPpm) ppm, exposure \(settings.exposure)")
                },
                makeOutput: { plan, onError in
                    try recording.map {
                        try $0.frameRecorder(
                            camera: s.name, size: size, layout: .yuv420p, exposure: s.exposure, maximumPending: LibcameraSensor.framesWaitingToEncode,
                            schedule: plan.schedule, log: log, onError: onError)
                    }
                },
                observe: observer.observe)
        } else if let sensor, mode == .phaseLocked {
            let observer = PhaseLockedLog(name: s.name, log: log)
            closingLine = { observer.summaryLine }
            capture = PhaseLockedCapture(
                camera: sensor.camera, clock: clock,
                configuration: .init(sensor: sensor.mode.timing, timestampMeaning: .startOfReadout, exposure: sensor.exposure, joinMargin: s.joinMargin),
                started: { settings in
                    log.info("streaming \(sensor.mode), exposure \(settings.exposure), sensor timestamps read as \(SensorTimestampMeaning.startOfReadout.rawValue)")
                },
                makeOutput: { plan, onError in
                    try recording.map {
                        try $0.frameRecorder(
                            camera: s.name, size: sensor.size, layout: sensor.layout, exposure: sensor.exposure,
                            maximumPending: sensor.framesTheRecorderMayHold, schedule: plan.schedule, log: log, onError: onError)
                    }
                },
                observe: observer.observe)
        } else {
            // Capture deadlines are re-judged when realtime is stepped while armed.
            let made = try s.timing.makeTimer(stepAware: true)
            timer = made
            let observer = RequestTimedLog(name: s.name, log: log, quiet: s.quiet, lateness: metrics.map { m -> @Sendable (Int64) -> Void in { m.frameLateness(ns: $0) } })
            closingLine = { observer.summaryLine }
            latenessP99 = { observer.recentLatenessP99Ns }
            capture = RequestTimedCapture(
                clock: clock, timer: AnyDeadlineTimer(made), joinMargin: s.joinMargin,
                makeOutput: { plan, onError -> any CaptureOutput in
                    if let sensor {
                        let recorder = try recording.map {
                            try $0.frameRecorder(
                                camera: s.name, size: sensor.size, layout: sensor.layout, exposure: sensor.exposure,
                                maximumPending: LibcameraSensor.framesWaitingToEncode, schedule: plan.schedule, log: log, onError: onError)
                        }
                        do {
                            return try sensor.requestTimed(rate: plan.schedule.rate, recorder: recorder, log: log)
                        } catch {
                            // The camera did not start: close the (empty) recording before saying so.
                            _ = try? recorder?.finish(stopIndex: nil)
                            throw CommandFailure("camera \(sensor.camera.name) did not start: \(error)")
                        }
                    }
                    guard let recording else { return LoggedCaptures() }
                    let opened = try recording.synthetic(
                        camera: s.name, schedule: plan.schedule, clock: clock, log: log, onError: onError)
                    synthetic.withLock { $0 = opened }
                    return opened
                },
                observe: observer.observe)
        }

        let ptp = s.coordinator.map { _ in NodePTPReporter(socketPath: s.ptpSocket, maxOffset: s.ptpMaxOffset) }
        // Under a coordinator, the doctor's quick checks run once at launch, off the start path;
        // their one-line verdict rides on STATUS so the coordinator shows it before START.
        let preflight = Mutex<String?>(nil)
        if s.coordinator != nil {
            let (socket, maxOffset) = (s.ptpSocket, s.ptpMaxOffset)
            Thread.detachNewThread {
                let line = DoctorReport(results: Doctor.quickChecks(interface: "eth0", socketPath: socket, maxOffset: maxOffset)).summary
                preflight.withLock { $0 = line }
                log.info("preflight: \(line) (genlock doctor for the details)")
            }
        }
        let recentLateness = latenessP99
        let health: @Sendable () -> ControlMessage.HealthReport = {
            let free: Int64? = recording.flatMap { r in
                if case .success(let bytes) = DiskProbe.freeBytes(r.out) { return Int64(clamping: bytes) }
                return nil
            }
            return ControlMessage.HealthReport(
                framesDroppedCount: recording?.opened.droppedCount, latenessP99Ns: recentLateness(), diskFreeBytes: free)
        }
        let client = Mutex<NodeClient?>(nil)
        let finalStatus = Mutex<EventLoopFuture<Void>?>(nil)
        let result = Mutex<NodeExit?>(nil)
        let exited = DispatchSemaphore(value: 0)
        let runtime = NodeRuntime(
            configuration: .init(joinMargin: s.joinMargin, coordinatorTimeout: s.coordinator == nil ? nil : s.coordinatorTimeout),
            clock: clock, capture: capture,
            outputs: .init(
                sendStatus: { status in
                    metrics?.update(status)
                    guard let sent = client.withLock({ $0 })?.send(status: status), status.finished else { return }
                    finalStatus.withLock { $0 = sent }
                },
                ptp: { ptp?.report ?? .unknown },
                log: { level, text in
                    switch level {
                    case .info: log.info("\(text)")
                    case .warning: log.warning("\(text)")
                    case .error: log.error("\(text)")
                    }
                },
                exit: { node in
                    result.withLock { $0 = node }
                    exited.signal()
                },
                offload: { work in Thread.detachNewThread(work) },
                preflight: { preflight.withLock { $0 } },
                health: health))
        _ = SignalWaiter([SIGINT, SIGTERM]) { number in runtime.localStop(reason: SignalWaiter.name(number)) }

        if let coordinator = s.coordinator, let keyPath = s.key {
            guard let address = HostPort(parsing: coordinator) else { throw ValidationError("--coordinator: '\(coordinator)' is not HOST:PORT") }
            let (host, port) = (address.host, address.port)
            let key = try RigKeyFile.read(keyPath, option: "--key")
            let capabilities = [sensor == nil ? "synthetic" : "libcamera", mode.rawValue]
            // The last close reason logged: a new reason is always logged (a rejected frame says
            // why), the same one again (a coordinator still unreachable) only once.
            let lastReason = Mutex<String?>(nil)
            let name = s.name
            client.withLock { $0 = NodeClient(
                host: host, port: port, key: key, monotonicNow: { clock.monotonicNow() },
                hello: {
                    ControlMessage.Hello(nodeName: name, softwareVersion: GenlockVersion.current, capabilities: capabilities, ptp: ptp?.report ?? .unknown, nonce: 0)
                },
                onEvent: { event in
                    switch event {
                    case .connected:
                        lastReason.withLock { $0 = nil }
                        log.info("connected to coordinator \(host):\(port) (authenticated)")
                    case .heard(let coordinatorTime):
                        runtime.coordinatorHeard(coordinatorTime: coordinatorTime)
                    case .disconnected(let reason):
                        if lastReason.withLock({ last in defer { last = reason }; return last != reason }) {
                            log.warning("coordinator connection: \(reason); retrying")
                        }
                    case .ingestNamed(let named):
                        // Its own --ingest (or node file) wins; an unspecified host is the
                        // coordinator's, as this node reached it.
                        let address = named.dialable(reachedHost: host)
                        if let recording, recording.ingest == nil {
                            if recording.namedIngest.target.withLock({ $0 == nil }) { log.info("START names the ingest at \(address): streaming there") }
                            recording.namedIngest.target.withLock { $0 = .init(host: address.host, port: address.port, key: key) }
                        } else if recording == nil {
                            log.info("START names the ingest at \(address), but this node records nothing (no --out) to stream")
                        }
                    case .begin(let plan):
                        runtime.scheduleReceived(plan)
                    case .stop(let index):
                        log.info("STOP: stop index \(index)")
                        runtime.stopReceived(index)
                    }
                }) }
            ptp?.start()
            client.withLock { $0 }?.start()
        } else if let fps = s.fps, let frames = s.frames {
            let t0 = s.startAt.map { RealtimeInstant(nanosecondsSinceEpoch: $0) } ?? PosixClockPair.realtimeNow() + (s.startIn ?? .seconds(2))
            let how = mode == .phaseLocked ? "phase-locked on \(sensor?.camera.name ?? "a synthetic streaming sensor")" : "timer \(s.timing.timer.rawValue)"
            log.info("schedule T0=\(t0.nanosecondsSinceEpoch) ns, \(fps) fps, frames 0..<\(frames), \(how)")
            runtime.scheduleReceived(StartPlan(schedule: FrameSchedule(start: t0, rate: fps), firstIndex: 0, stopIndex: frames))
        }

        // STATUS, the coordinator-loss timeout and camera silence: twice a second.
        let ticker = DispatchSource.makeTimerSource(queue: .global())
        ticker.schedule(deadline: .now() + .milliseconds(500), repeating: .milliseconds(500))
        ticker.setEventHandler { runtime.tick() }
        ticker.resume()
        exited.wait()
        ticker.cancel()
        // Report the end; a coordinator that is gone simply doesn't hear it.
        _ = try? finalStatus.withLock({ $0 })?.wait()
        client.withLock { $0 }?.shutdown()
        ptp?.stop()
        // Request-timed capture logged its buffers when it stopped the camera; the phase lock's
        // camera stopped at the stop index and the recording has released every frame by now.
        if mode == .phaseLocked { sensor?.logBuffers(log) }
        let node = result.withLock { $0 } ?? NodeExit(status: 1, reason: "the node ended without a result")
        // A standalone recording is the session: say what its files hold, and where.
        if let line = closingLine() { Console.out(line) }
        if let captures = synthetic.withLock({ $0 }), recording?.writesSessionExports == true,
           let summary = captures.summary, let directory = captures.session?.directory {
            Console.out("summary [\(s.name)]: \(summary), files in \(directory)")
            if node.status != 0 {
                // The sidecar's count, not the video's: frames written after the last flush can
                // be lost with the error (a full disk), and verify names exactly which.
                throw CommandFailure("\(node.reason ?? "the node failed"); the sidecar in \(directory) lists \(summary.recorded) frames recorded "
                    + "(the last ones may not have reached the video: genlock session verify \(directory) names any that did not)")
            }
        }
        if node.status != 0 { throw CommandFailure(node.reason ?? "the node failed") }
        if let reason = node.reason { log.info("\(reason)") }
    }
}
