import ArgumentParser
import Foundation
import GenlockCore
import GenlockMedia
import GenlockPOSIX
import Glibc
import Synchronization

/// `genlock framesets SESSION_DIR`: frame `n` of every camera of a recorded session, one line per
/// frameset (complete, or partial naming each missing camera and why), then the summary; also
/// (re)writes the session's `framesets.csv`. Exit 0 when every frameset is complete, 1 when some
/// are partial, 2 on a folder that is not a session. With `--follow`, follows a session being
/// recorded: one line per frameset as soon as it settles (``FramesetFollower``), until the
/// session's end is known or SIGINT/SIGTERM; the session folder is then only read.
struct FramesetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "framesets",
        abstract: "List a session's framesets (frame n of every camera), complete or partial, and write framesets.csv.")

    @Argument(help: "The session folder (<out>/<session>, holding each camera's <camera>.frames.csv).")
    var session: String

    @Flag(help: "One JSON object per frameset instead of text (index, scheduled_ns, complete, cameras).")
    var json = false

    @Flag(help: "Only the summary.")
    var quiet = false

    @Flag(help: "Follow a session being recorded: print each frameset as soon as it is complete (or partial after --wait), until summary.csv is written or SIGINT.")
    var follow = false

    @Option(help: "With --follow: how long a frameset waits for a silent camera before it is printed as partial (camera not-arrived).", transform: Parse.timeSpan)
    var wait: TimeSpan = .milliseconds(500)

    func run() throws {
        if follow { return try runFollowing() }
        let table: FramesetExport.Table
        do {
            guard try !SessionExport.cameras(in: session).isEmpty else {
                Console.badInput("\(session): no camera sidecars (<camera>.frames.csv): not a session folder")
            }
            table = try FramesetExport.write(sessionDirectory: session)
        } catch {
            Console.badInput("\(error)")
        }
        if !quiet {
            for set in table.framesets { Console.out(line(set, cameras: table.cameras, scheduled: table.scheduled)) }
        }
        if !json { for line in table.summary { Console.out(line) } }
        // A camera whose sidecar is lost is in no frameset: said, and the table is not complete.
        let sidecarless = (try? SessionExport.filesWithoutSidecar(in: session, cameras: table.cameras)) ?? []
        if let text = SessionExport.sidecarlessText(sidecarless) { Console.err("genlock: warning: \(text) of these framesets") }
        if table.partial > 0 || !sidecarless.isEmpty { throw ExitCode(1) }
    }

    /// Polls the session folder every `pollInterval` (monotonic sleep) until its end is known or
    /// a signal asks to stop; rows reach the screen at most one interval after they are written.
    private func runFollowing() throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: session, isDirectory: &isFolder), isFolder.boolValue else {
            throw ValidationError("\(session): no such folder: not a session folder")
        }
        let stopRequested = StopRequest()
        _ = SignalWaiter([SIGINT, SIGTERM]) { _ in stopRequested.flag.store(true, ordering: .relaxed) }
        let follower = FramesetFollower(sessionDirectory: session, wait: wait)
        let clock = PosixClockPair()
        var late: Set<String> = []
        var complete = 0, partial = 0
        while !follower.isFinished, !stopRequested.flag.load(ordering: .relaxed) {
            let sets: [FramesetAssembler.Frameset]
            do { sets = try follower.poll(now: clock.monotonicNow()) } catch { throw ValidationError("\(error)") }
            for set in sets {
                if set.isComplete { complete += 1 } else { partial += 1 }
                if !quiet { Console.out(line(set, cameras: follower.cameras, scheduled: follower.scheduled)) }
            }
            for name in follower.lateCameras where late.insert(name).inserted {
                Console.err("genlock: \(name) appeared after following started: not in the live framesets (framesets.csv at the end has it)")
            }
            if !follower.isFinished { FileIO.sleep(for: Self.pollInterval) }
        }
        if !json { Console.out("framesets \(complete + partial): complete \(complete), partial \(partial)" + (follower.isFinished ? "" : " (stopped before the session ended)")) }
        if partial > 0 { throw ExitCode(1) }
    }

    static let pollInterval = TimeSpan.milliseconds(20)

    /// Set by the signal thread, read by the polling loop.
    private final class StopRequest: Sendable {
        let flag = Atomic<Bool>(false)
    }

    private func line(_ set: FramesetAssembler.Frameset, cameras: [String], scheduled: [Int64: RealtimeInstant]) -> String {
        json ? jsonLine(set, cameras: cameras, scheduled: scheduled) : textLine(set, cameras: cameras)
    }

    private func textLine(_ set: FramesetAssembler.Frameset, cameras: [String]) -> String {
        let missing = set.missing.map { "\(cameras[$0]) \(set.parts[$0].state.rawValue)" }
        return "frameset \(set.index): " + (set.isComplete ? "complete" : "partial (" + missing.joined(separator: ", ") + ")")
    }

    private func jsonLine(_ set: FramesetAssembler.Frameset, cameras names: [String], scheduled: [Int64: RealtimeInstant]) -> String {
        var cameras: [String: Any] = [:]
        for (c, part) in set.parts.enumerated() {
            var entry: [String: Any] = ["state": part.state.rawValue]
            if let start = part.exposureStart { entry["exposure_start_ns"] = start.nanosecondsSinceEpoch }
            cameras[names[c]] = entry
        }
        var object: [String: Any] = ["index": set.index, "complete": set.isComplete, "cameras": cameras]
        if let tn = scheduled[set.index] { object["scheduled_ns"] = tn.nanosecondsSinceEpoch }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
