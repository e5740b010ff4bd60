import ArgumentParser
import Dispatch
import GenlockControl
import GenlockControlNIO
import GenlockCore
import GenlockHAL
import GenlockPOSIX
import Glibc
import Logging
import Synchronization

/// A camera node under a coordinator: HELLO, then the START it is given runs the capture
/// scheduler; STOP sets the common stop index. Losing the coordinator does not stop the recording
/// until `timeout` has passed; then it stops at the next frame, keeping everything captured.
struct CameraNode {
    let name: String
    let coordinator: String
    let keyPath: String
    let timeout: TimeSpan
    let joinMargin: TimeSpan
    let log: Logger
    let ptp: NodePTPReporter

    func run(timer: AnyDeadlineTimer) throws {
        guard let colon = coordinator.lastIndex(of: ":"), let port = Int(coordinator[coordinator.index(after: colon)...]), (1...65535).contains(port) else {
            throw ValidationError("--coordinator: '\(coordinator)' is not HOST:PORT")
        }
        let host = String(coordinator[..<colon])
        let key = try RigKeyFile.read(keyPath, option: "--key")
        let clock = PosixClockPair()
        let run = NodeRun(name: name, log: log)
        let state = Mutex<(plan: StartPlan?, disconnectedAt: RealtimeInstant?, stopSent: Bool)>((nil, nil, false))
        let driver = CaptureDriver(clock: clock, timer: timer, configuration: .init(joinMargin: joinMargin)) { report in run.handle(report) }
        let name = self.name
        let log = self.log
        let ptp = self.ptp
        let client = NodeClient(
            host: host, port: port, key: key,
            hello: {
                ControlMessage.Hello(nodeName: name, softwareVersion: GenlockVersion.current, capabilities: ["synthetic", "request-timed"], ptp: ptp.report, nonce: 0)
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
                    driver.start(plan)
                case .stop(let index):
                    log.info("STOP: stop index \(index)")
                    driver.stop(at: index)
                }
            })
        ptp.start()
        defer { ptp.stop() }
        client.start()

        // STATUS twice a second, and the coordinator-loss timeout.
        let ticker = DispatchSource.makeTimerSource(queue: .global())
        ticker.schedule(deadline: .now() + .milliseconds(500), repeating: .milliseconds(500))
        ticker.setEventHandler {
            let p = run.progress.withLock { $0 }
            client.send(status: .init(ptp: ptp.report, framesCaptured: p.captured, framesSkipped: p.skipped, lastIndex: p.last, finished: false))
            let now = clock.sample().realtime
            let expired: StartPlan? = state.withLock { s in
                guard let lost = s.disconnectedAt, let plan = s.plan, !s.stopSent, now - lost >= timeout else { return nil }
                s.stopSent = true
                return plan
            }
            if let plan = expired, let stop = try? plan.schedule.firstIndex(after: now, margin: joinMargin) {
                log.warning("no coordinator for \(timeout): stopping at index \(stop); frames recorded so far are kept")
                driver.stop(at: stop)
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
            if let stop = try? plan.schedule.firstIndex(after: clock.sample().realtime, margin: joinMargin) {
                log.info("interrupted: stopping at index \(stop)")
                driver.stop(at: stop)
            }
        }
        interrupt.resume()

        let summary = run.waitForFinish()
        ticker.cancel()
        interrupt.cancel()
        client.captureFinished()
        // Report the end; a coordinator that is gone simply doesn't hear it.
        _ = try? client.send(status: .init(ptp: ptp.report, framesCaptured: summary.captured, framesSkipped: summary.skipped,
                                           lastIndex: summary.lastIndex, finished: true)).wait()
        client.shutdown()
        run.printSummary(summary)
        if case .failed(let error) = summary.outcome { throw ValidationError("schedule: \(error)") }
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
