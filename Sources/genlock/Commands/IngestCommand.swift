import ArgumentParser
import Dispatch
import Foundation
import GenlockControl
import GenlockCore
import GenlockIngest
import GenlockPOSIX
import Logging

/// `genlock ingest`: the ingest server alone. Nodes stream every encoded packet to it; it writes
/// `<sessions>/<session>/<camera>.mkv` with the sidecars and exports (remux, no decoding), asks
/// nodes to back-fill what a cut lost, and assembles framesets live.
struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Receive the nodes' streams into session folders and framesets (until every camera's stream is complete, or Ctrl-C).")

    @Option(help: "The rig file (YAML): cameras, key, `ingest` address and `sessions` folder.")
    var config: String

    @Option(help: "Listen on HOST:PORT instead of the rig file's `ingest`.")
    var listen: String?

    @Option(help: "Write session folders here instead of the rig file's `sessions`.")
    var sessions: String?

    @Option(help: "How long a frameset waits for a silent camera before it is delivered partial.", transform: Parse.timeSpan)
    var wait: TimeSpan = .milliseconds(500)

    @Flag(help: "Print one line per frameset as it is delivered.")
    var follow = false

    @Flag(help: ArgumentHelp("At the end, print frameset latency (last row received → frameset handed to a consumer) and back-fill figures (Benchmarks/ingest.sh).", visibility: .hidden))
    var stats = false

    func run() throws {
        LoggingSystem.bootstrap { ClassicLogHandler(label: $0) }
        let log = Logger(label: "ingest")
        guard wait.nanoseconds > 0 else { throw ValidationError("--wait must be positive, got \(wait)") }
        let rig = try RigFile.load(config)
        guard let address = listen.map({ HostPort(parsing: $0, allowingPortZero: true).map { ($0.host, $0.port) } }) ?? rig.ingest else {
            throw ValidationError(listen == nil ? "\(config) names no `ingest` address; give --listen HOST:PORT" : "--listen: '\(listen!)' is not HOST:PORT")
        }
        let key = try RigKeyFile.read(rig.keyPath, option: "key (in \(config))")
        let clock = PosixClockPair()
        let server = IngestServer(
            configuration: .init(outputRoot: sessions ?? rig.sessionsPath, cameras: rig.cameras, wait: wait),
            key: key, now: { clock.sample().monotonic }, log: { log.info("\($0)") })
        let bound: Int
        do { bound = try server.bind(host: address.0, port: address.1) } catch {
            throw ValidationError("cannot start the ingest on \(address.0):\(address.1): \(error)")
        }
        log.info("ingest listening on \(address.0):\(bound) for \(rig.cameras.joined(separator: ", ")) into \(sessions ?? rig.sessionsPath)")
        let consumed = DispatchSemaphore(value: 0)
        let latencies = LatencyLog()
        if follow || stats {
            let framesets = server.framesets
            let follow = follow
            Task {
                for await f in framesets {
                    latencies.add(f, at: clock.sample().monotonic)
                    if follow { Console.out(FramesetLine.text(f)) }
                }
                consumed.signal()
            }
        } else {
            consumed.signal()
        }
        let interrupted = DispatchSemaphore(value: 0)
        let sources = StopSignals.handle { interrupted.signal() }
        DispatchQueue.global().async {
            _ = try? server.waitUntilComplete()
            interrupted.signal()
        }
        interrupted.wait()
        let summaries = try server.finish()
        // Read after finish: the ingest is closed, so these are final.
        for s in sources { s.cancel() }
        consumed.wait()
        for summary in summaries { log.info("\(summary)") }
        if stats { latencies.print(backfilled: server.backfilled, rejected: server.rejectedCount) }
        let lacking = server.lacking.filter { !$0.value.isEmpty }
        for (camera, ranges) in lacking.sorted(by: { $0.key < $1.key }) {
            log.warning("\(camera): still lacking \(IndexRanges.text(ranges)) (the node's local file has them)")
        }
        if !lacking.isEmpty { throw ExitCode(1) }
    }
}

/// One frameset as a line: index, complete or partial, the missing cameras with why.
enum FramesetLine {
    static func text(_ f: IngestFrameset) -> String {
        f.isComplete ? "\(f.index) complete" : "\(f.index) partial " + f.missing.map { "\($0.camera)=\($0.state.rawValue)" }.joined(separator: " ")
    }
}

/// Frameset latencies as a consumer of ``IngestServer/framesets`` sees them, and their two parts:
/// on the ingest's event loop (the settling row's bytes read → the frameset handed to the stream)
/// and the hand-off (handed → the consumer's task running with it).
final class LatencyLog: @unchecked Sendable {
    private let lock = NSLock()
    private var complete: [Int64] = []
    private var onLoop: [Int64] = []
    private var handOff: [Int64] = []
    private var partial = 0

    func add(_ f: IngestFrameset, at: MonotonicInstant) {
        lock.lock()
        defer { lock.unlock() }
        guard f.isComplete else { partial += 1; return }
        complete.append((at - f.settledAt).nanoseconds)
        onLoop.append((f.deliveredAt - f.settledAt).nanoseconds)
        handOff.append((at - f.deliveredAt).nanoseconds)
    }

    func print(backfilled: [String: (rows: Int, span: TimeSpan)], rejected: Int) {
        lock.lock()
        defer { lock.unlock() }
        func pct(_ values: [Int64], _ p: Double) -> String {
            guard !values.isEmpty else { return "-" }
            let sorted = values.sorted()
            return TimeSpanFormat.text(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))])
        }
        Console.out("stats: framesets complete=\(complete.count) partial=\(partial) latency_p50=\(pct(complete, 0.5)) latency_p99=\(pct(complete, 0.99)) "
            + "latency_max=\(pct(complete, 1.0)) (on the loop p50=\(pct(onLoop, 0.5)) p99=\(pct(onLoop, 0.99)); hand-off p50=\(pct(handOff, 0.5)) "
            + "p99=\(pct(handOff, 0.99))) rejected=\(rejected)")
        for (camera, b) in backfilled.sorted(by: { $0.key < $1.key }) {
            let seconds = Double(b.span.nanoseconds) / 1e9
            Console.out("stats: backfill \(camera) rows=\(b.rows) span=\(TimeSpanFormat.text(b.span.nanoseconds)) rate=\(seconds > 0 ? String(Int(Double(b.rows) / seconds)) : "-") rows/s")
        }
    }
}
