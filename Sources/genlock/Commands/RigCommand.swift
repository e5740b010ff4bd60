import ArgumentParser
import Foundation
import GenlockControl
import GenlockControlNIO
import GenlockCore
import GenlockIngest
import GenlockMedia
import GenlockPOSIX

/// `genlock rig`: the whole rig on one machine. A coordinator and the ingest (in this process) and
/// N camera-node processes with the synthetic camera, real POSIX timers, real TCP on loopback and
/// real files. Each node records locally (`<out>/<session>/nodes/<session>/`) and streams to the
/// ingest, which builds the session folder the user opens (`<out>/<session>/`); STOP at a common
/// index; then the classic log lines side by side and a sync report from the frameset table.
struct RigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rig",
        abstract: "Run a local rig: a coordinator and N synthetic camera nodes on loopback, recording to <out>/<session>/.")

    @Option(help: "Number of camera nodes (processes).")
    var cameras = 3

    @Option(help: "Frame rate: 30, 120, 30000/1001 or an exact decimal.", transform: Parse.frameRate)
    var fps: FrameRate = try! FrameRate(parsing: "30")

    @Option(help: "Recording length after T0 (the stop index follows from it).", transform: Parse.timeSpan)
    var duration: TimeSpan = .seconds(10)

    @Option(help: "Output folder.", transform: Parse.path)
    var out = "recordings"

    @Option(help: "Session folder name (default: now as YYYYMMDD-HHMMSS UTC).")
    var session: String?

    @Option(help: "Codec: x264, ffv1 or raw.", transform: Parse.codec)
    var codec: VideoCodec = .x264

    @Option(help: "Frame size WIDTHxHEIGHT.", transform: Parse.frameSize)
    var size = FrameSize(width: 640, height: 480)

    @Option(help: "START lead time: T0 = now + lead once every node is connected.", transform: Parse.timeSpan)
    var lead: TimeSpan = .seconds(1)

    @Option(name: .customLong("side-by-side"), help: "How many first frames to show side by side.")
    var sideBySide = 5

    @Option(help: "Capture mode: request-timed (one request per Tn) or phase-locked (synthetic sensors streaming on crystals a few ppm apart, steered until exposures start on Tn).")
    var capture: CaptureMode = .requestTimed

    @OptionGroup var dashboard: DashboardArguments

    /// Each synthetic sensor's crystal error: spread over ±25 ppm, as real crystals are, so the
    /// phase lock has a different frequency to find on every camera.
    static func crystalPpm(camera: Int) -> Double {
        let spread: [Double] = [18, -11, 25, -22, 7, -3, 13, -17]
        return spread[camera % spread.count]
    }

    func validate() throws {
        guard (1...64).contains(cameras) else { throw ValidationError("--cameras must be 1...64, got \(cameras)") }
        guard duration > .zero, duration <= .seconds(24 * 3600) else { throw ValidationError("--duration must be positive and at most 24h") }
        guard lead >= .milliseconds(200) else { throw ValidationError("--lead must be at least 200ms (nodes need time to arm)") }
        do { try PixelLayout.yuv420p.validate(width: size.width, height: size.height) } catch { throw ValidationError("--size: \(error)") }
        guard sideBySide >= 0 else { throw ValidationError("--side-by-side must not be negative") }
        if dashboard.waitForStart, dashboard.http == "off" { throw ValidationError("--wait-for-start needs the dashboard (--http)") }
        try Parse.checkName(session, option: "--session", what: "session")
    }

    func run() throws {
        let clock = PosixClockPair()
        let sessionName = session ?? SessionRecorder.defaultName(epoch: clock.sample().realtime)
        let sessionDir = URL(fileURLWithPath: out).appendingPathComponent(sessionName)
        let logDir = sessionDir.appendingPathComponent("logs")
        // A session folder already there holds an earlier run: its nodes would refuse the new
        // schedule, and its logs would be overwritten.
        if FileManager.default.fileExists(atPath: sessionDir.path) {
            throw CommandFailure("\(sessionDir.path) already holds a session: choose another --session (or --out)")
        }
        do {
            try FileIO.makeDirectories(logDir.path)
        } catch {
            throw CommandFailure("\(error)")
        }
        // A fresh key for this run only, outside the recordings, in a folder no earlier run (a
        // killed one leaves its folder behind, and a pid comes round again) can have made.
        let keyDir = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-rig-\(getpid())-\(UUID().uuidString)")
        try? FileIO.makeDirectories(keyDir.path)
        defer { try? FileManager.default.removeItem(at: keyDir) }
        let keyBytes = RigKey.generate()
        let keyPath = keyDir.appendingPathComponent("rig.key").path
        do {
            try RigKeyFile.write(keyBytes, to: keyPath, replacing: false)
        } catch {
            throw CommandFailure("cannot write the run's key: \(error)")
        }
        let names = (1...cameras).map { "cam\($0)" }
        // STOP goes out `duration` after T0; the last frame is the first at least this far after it.
        let stopMargin = TimeSpan.milliseconds(300)
        let log: @Sendable (String) -> Void = { Console.out("[coordinator] \($0)") }
        let server = CoordinatorServer(
            configuration: .init(cameras: names, rate: fps, lead: lead, stopMargin: stopMargin, ptpGate: false, maximumPTPOffset: .microseconds(1),
                                 startOnRequest: dashboard.waitForStart),
            key: try RigKey(bytes: keyBytes), sessionID: UInt64.random(in: 1...UInt64.max), now: { clock.sample() }, log: log)
        let web = DashboardLaunch(dashboard, coordinator: server, clock: clock, log: log)
        // The ingest's loop exists before the control port opens (as in `genlock coordinator`).
        let ingest = IngestServer(
            configuration: .init(outputRoot: out, cameras: names), key: try RigKey(bytes: keyBytes),
            now: { clock.sample().monotonic }, log: { text in if !text.hasPrefix("ingest: cam") { Console.out("[ingest] \(text)") } })
        let ingestPort = try ingest.bind(host: "127.0.0.1", port: 0)
        IngestPreviews.follow(ingest, hub: web.hub, metrics: web.metrics, clock: clock, log: log)
        let port = try server.bind(host: "127.0.0.1", port: 0)
        let nodesOut = sessionDir.appendingPathComponent("nodes").path
        log("rig of \(cameras) synthetic cameras on 127.0.0.1:\(port), \(fps) fps for \(duration), recording \(codec) \(size) to \(sessionDir.path)")

        var children: [Process] = []
        for name in names {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            p.arguments = ["camera", "--synthetic", "--name", name, "--coordinator", "127.0.0.1:\(port)", "--key", keyPath,
                           "--out", nodesOut, "--ingest", "127.0.0.1:\(ingestPort)", "--session", sessionName, "--codec", codec.description, "--size", size.description,
                           "--ptp-uds", keyDir.appendingPathComponent("no-ptp4l").path, "--capture", capture.rawValue]
                + (capture == .phaseLocked ? ["--crystal-ppm=\(Self.crystalPpm(camera: children.count))"] : [])
            let logURL = logDir.appendingPathComponent("\(name).log")
            _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
            let handle = try FileHandle(forWritingTo: logURL)
            p.standardOutput = handle
            p.standardError = handle
            do { try p.run() } catch { throw CommandFailure("cannot start camera node \(name): \(error)") }
            children.append(p)
        }
        // Ctrl-C and SIGTERM (systemctl stop, timeout, docker stop) stop the rig like the
        // coordinator does: a common stop index, every node finishing its files.
        let interrupts = StopSignals.handle {
            server.requestStop()
            web.wake()
        }
        // A node that exits before START (it refused its settings, or died) leaves the rig
        // waiting for it for good, and so do nodes all gone: stop then. One node lost while the
        // others record does not stop them (as on a rig); the exit status says it.
        let watched = children
        Thread.detachNewThread {
            while watched.contains(where: \.isRunning), server.startedAt != nil || watched.allSatisfy(\.isRunning) { usleep(200_000) }
            server.requestStop()
        }
        StopTimer.stop(server, after: duration, stopMargin: stopMargin, clock: clock, progress: { index, stop in
            Console.progress("recording: frame \(index)\(stop.map { ", stopping at about frame \($0)" } ?? "")")
        })
        let summary = try server.waitUntilFinished()
        for source in interrupts { source.cancel() }
        Console.progress(nil)
        var failed = false
        for (name, p) in zip(names, children) {
            p.waitUntilExit()
            if p.terminationStatus != 0 {
                log("camera node \(name) exited with status \(p.terminationStatus); see \(logDir.path)/\(name).log")
                failed = true
            }
        }
        // Every node waited (bounded) for the ingest to confirm its stream complete before exiting.
        let lacking = ingest.lacking.filter { !$0.value.isEmpty }
        let exports: [CameraSummary]
        do { exports = try ingest.finish() } catch {
            // An incomplete session (a camera's files could not be written) is said, not swallowed.
            log("ingest: \(error)")
            exports = []
            failed = true
        }
        for (camera, ranges) in lacking.sorted(by: { $0.key < $1.key }) {
            log("ingest still lacks \(camera) \(IndexRanges.text(ranges)) (in \(nodesOut))")
            failed = true
        }
        if summary.stopIndex == nil || (!exports.isEmpty && exports.allSatisfy { $0.recorded == 0 }) {
            log("nothing was recorded (stopped before the first frame)")
            failed = true
        }
        let report = try RigReport(sessionDirectory: sessionDir.path, cameras: names, logDirectory: logDir.path)
        report.printSideBySide(frames: sideBySide)
        var sync = report.printSync(stopIndex: summary.stopIndex, exports: exports)
        if let table = try? FramesetExport.table(sessionDirectory: sessionDir.path) {
            let lines = ["  framesets (from framesets.csv): \(table.complete) complete, \(table.partial) partial"] + table.summary.map { "    \($0)" }
            for line in lines { Console.out(line) }
            sync += "\n" + lines.joined(separator: "\n")
        }
        web.finished(report: sync, folder: sessionDir.path, linger: dashboard.linger)
        // A script running the rig can tell a failed session from a good one.
        if failed {
            log("the session is not whole (see above): exit 1")
            throw ExitCode(1)
        }
    }
}

/// Requests STOP `duration` after T0 (polling for START), printing progress each second. The
/// progress names the stop index to expect: STOP at `T0 + duration` picks the first frame at least
/// the stop margin after it (one later when STOP goes out a little late, hence "about").
enum StopTimer {
    static func stop(_ server: CoordinatorServer, after duration: TimeSpan, stopMargin: TimeSpan = .zero, clock: PosixClockPair,
                     progress: (@Sendable (Int64, Int64?) -> Void)? = nil) {
        Thread.detachNewThread {
            while true {
                guard let t0 = server.startedAt else { usleep(50_000); continue }
                let now = clock.sample().realtime
                if let progress, let rate = server.rate {
                    let schedule = FrameSchedule(start: t0, rate: rate)
                    if let i = try? schedule.lastIndex(atOrBefore: now) {
                        progress(i, try? schedule.firstIndex(atOrAfter: t0 + duration + stopMargin))
                    }
                }
                let wait = (t0 + duration) - now
                if wait > .zero { usleep(useconds_t(min(wait.nanoseconds / 1000, 1_000_000))); continue }
                server.requestStop()
                return
            }
        }
    }

}
