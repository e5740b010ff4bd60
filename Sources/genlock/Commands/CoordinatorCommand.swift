import ArgumentParser
import Dispatch
import Foundation
import GenlockControl
import GenlockControlNIO
import GenlockCore
import GenlockPOSIX
import GenlockPTPLinux
import Logging

/// `genlock coordinator`: tells every camera when to start and when to stop, and nothing else.
struct CoordinatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Run the rig coordinator (START when all cameras are connected and PTP-locked; STOP on Ctrl-C), or stop a running one.",
        subcommands: [CoordinatorRun.self, CoordinatorStop.self],
        defaultSubcommand: CoordinatorRun.self)
}

struct CoordinatorRun: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the coordinator (the default).")

    @Option(help: "The rig file (YAML).")
    var config: String

    @Option(name: .customLong("min-cameras"), help: "Start once this many configured cameras are connected (default: all).")
    var minCameras: Int?

    @Flag(name: .customLong("no-ptp-gate"), help: "Do not hold START until every node reports PTP locked (development only).")
    var noPTPGate = false

    @Option(help: "Listen on HOST:PORT instead of the rig file's `listen`.")
    var listen: String?

    @Option(help: "Send STOP automatically this long after T0 (otherwise on Ctrl-C or `genlock coordinator stop`).", transform: Parse.timeSpan)
    var duration: TimeSpan?

    @Option(name: .customLong("pid-file"), help: "Where to write this process's id for `genlock coordinator stop` (default: beside the rig file).")
    var pidFile: String?

    @Option(name: .customLong("state"), help: "The record of the session this coordinator started, written atomically; a restarted coordinator adopts that session from the nodes (default: coordinator.session beside the rig file).")
    var state: String?

    @OptionGroup var dashboard: DashboardArguments

    func validate() throws {
        if dashboard.waitForStart, dashboard.http == "off" { throw ValidationError("--wait-for-start needs the dashboard (--http)") }
    }

    func run() throws {
        LoggingSystem.bootstrap { ClassicLogHandler(label: $0) }
        let log = Logger(label: "coordinator")
        if let duration, duration.nanoseconds <= 0 { throw ValidationError("--duration must be positive, got \(duration)") }
        let rig = try RigFile.load(config)
        if let minCameras, !(1...rig.cameras.count).contains(minCameras) {
            throw ValidationError("--min-cameras must be 1...\(rig.cameras.count) (the cameras in \(config)), got \(minCameras)")
        }
        var host = rig.host
        var port = rig.port
        if let listen {
            guard let parsed = HostPort(parsing: listen, allowingPortZero: true) else {
                throw ValidationError("--listen: '\(listen)' is not HOST:PORT")
            }
            host = parsed.host
            port = parsed.port
        }
        let key = try RigKeyFile.read(rig.keyPath, option: "key (in \(config))")
        let statePath = state ?? URL(fileURLWithPath: config).deletingLastPathComponent().appendingPathComponent("coordinator.session").path
        var onRecord: CoordinatorCore.SessionRecord?
        // The record is what a restarted coordinator adopts the session from: a path it cannot
        // keep it at was found only mid-session, and a file it could not read was overwritten.
        if access(statePath, F_OK) == 0 {
            let text: String
            do throws(FileIO.Failure) { text = String(decoding: try FileIO.readFile(statePath, limit: 1 << 16), as: UTF8.self) } catch {
                throw ValidationError("--state: \(error)")
            }
            do { onRecord = try CoordinatorCore.SessionRecord(text: text) } catch {
                throw ValidationError("--state: \(statePath): \(error.text)")
            }
        } else {
            let parent = URL(fileURLWithPath: statePath).deletingLastPathComponent().path
            guard access(parent, W_OK) == 0 else {
                throw ValidationError("--state: cannot keep the session record at \(statePath): its folder \(parent) \(access(parent, F_OK) == 0 ? "is not writable" : "does not exist")")
            }
        }
        let running = onRecord.flatMap { $0.finished ? nil : $0 }
        let configuration = CoordinatorCore.Configuration(
            cameras: rig.cameras, minimumCameras: minCameras, rate: rig.rate, lead: rig.lead, stopMargin: rig.stopMargin,
            ptpGate: !noPTPGate, maximumPTPOffset: rig.maximumPTPOffset, sessionOnRecord: running?.sessionID,
            startOnRequest: dashboard.waitForStart, ingest: rig.ingest.map { HostPort(host: $0.host, port: $0.port) })
        let clock = PosixClockPair()
        let server = CoordinatorServer(
            configuration: configuration, key: key, sessionID: UInt64.random(in: 1...UInt64.max),
            now: { clock.sample() }, log: { log.info("\($0)") })
        let web = DashboardLaunch(dashboard, coordinator: server, clock: clock, log: { log.info("\($0)") })
        server.persist = { record in
            do { try Files.writeAtomically(record.text, to: statePath) } catch {
                log.error("cannot keep the session record: \(error)")
            }
        }
        if let running {
            log.info("session \(String(running.sessionID, radix: 16)) on record (\(statePath)) did not finish: adopting it from the nodes that report it")
        }
        // Everything that needs descriptors of its own (the ingest's and the dashboard's event
        // loops and sockets, libdispatch's signal sources) exists before the control port opens:
        // a flood of it can then only be refused, never trap a loop made afterwards for want of one.
        let ingest = try HostedIngest(rig: rig, key: key, clock: clock, log: { log.info("\($0)") }, dashboard: web)
        let sources = StopSignals.handle {
            server.requestStop()
            web.wake()
        }
        let bound: Int
        do { bound = try server.bind(host: host, port: port) } catch {
            throw ValidationError("cannot listen on \(host):\(port): \(error)")
        }
        let pidPath = pidFile ?? (URL(fileURLWithPath: config).deletingLastPathComponent().appendingPathComponent("coordinator.pid").path)
        do { try "\(getpid())\n".write(toFile: pidPath, atomically: true, encoding: .utf8) } catch {
            log.warning("cannot write the pid file \(pidPath) (\(error.localizedDescription)): `genlock coordinator stop` will not find this coordinator; stop it with Ctrl-C or SIGTERM")
        }
        defer { try? FileManager.default.removeItem(atPath: pidPath) }
        log.info("listening on \(host):\(bound) for \(rig.cameras.joined(separator: ", "))\(noPTPGate ? " (PTP gate off)" : "")")
        if let duration {
            // Poll for START, then stop at T0 + duration.
            DispatchQueue.global().async {
                while true {
                    if let t0 = server.startedAt {
                        let wait = (t0 + duration) - clock.sample().realtime
                        if wait > .zero { usleep(useconds_t(min(wait.nanoseconds / 1000, 1_000_000))) ; continue }
                        server.requestStop()
                        return
                    }
                    usleep(50_000)
                }
            }
        }
        let summary = try server.waitUntilFinished()
        for s in sources { s.cancel() }
        var report: [String] = []
        if let stop = summary.stopIndex {
            log.info("session ended: stop index \(stop)")
            report.append("session ended: stop index \(stop)")
            for name in rig.cameras {
                if let s = summary.nodes[name] {
                    let line = "\(name): \(s.framesCaptured) frames, \(s.framesSkipped) skipped, last index \(s.lastIndex.map(String.init) ?? "-")"
                    log.info("\(line)")
                    report.append(line)
                } else {
                    log.warning("\(name): no report")
                    report.append("\(name): no report")
                }
            }
        }
        // With an ingest in the rig file, the session folder is the ingest's, built from the
        // streams; without one the recordings are only on the nodes.
        let folder = ingest?.finish(report: &report)
        web.finished(report: report.isEmpty ? "stopped before START" : report.joined(separator: "\n"), folder: folder, linger: dashboard.linger)
    }
}

struct CoordinatorStop: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Ask a running coordinator to STOP (at the common stop index).")

    @Option(help: "The rig file (finds the pid file beside it).")
    var config: String?

    @Option(name: .customLong("pid-file"), help: "The coordinator's pid file.")
    var pidFile: String?

    func run() throws {
        guard let path = pidFile ?? config.map({ URL(fileURLWithPath: $0).deletingLastPathComponent().appendingPathComponent("coordinator.pid").path }) else {
            throw ValidationError("give --config or --pid-file")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1 else {
            throw ValidationError("no running coordinator: cannot read a pid from \(path)")
        }
        // Only signal a process that is really a genlock coordinator (a stale pid may be reused).
        let cmdline = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
        guard cmdline.contains("genlock"), cmdline.contains("coordinator") else {
            throw ValidationError("no running coordinator: pid \(pid) from \(path) is not a genlock coordinator")
        }
        guard kill(pid, SIGINT) == 0 else { throw ValidationError("cannot signal coordinator pid \(pid): \(String(cString: strerror(errno)))") }
        Console.out("asked coordinator \(pid) to stop")
    }
}

/// Loads the rig file with errors that name it.
enum RigFile {
    static func load(_ path: String) throws -> RigConfiguration {
        let text: String
        switch TextFile.read(path) {
        case .success(let read): text = read
        case .failure(let error): throw ValidationError("--config: \(error)")
        }
        do {
            return try RigConfiguration(yaml: text, directory: URL(fileURLWithPath: path).deletingLastPathComponent().path)
        } catch {
            throw ValidationError("\(path): \(error)")
        }
    }
}
