import ArgumentParser
import Foundation
import GenlockCore
import GenlockMedia

/// `genlock framesets SESSION_DIR`: frame `n` of every camera of a recorded session, one line per
/// frameset (complete, or partial naming each missing camera and why), then the summary; also
/// (re)writes the session's `framesets.csv`. Exit 0 when every frameset is complete, 1 when some
/// are partial, 2 on a folder that is not a session.
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

    func run() throws {
        let table: FramesetExport.Table
        do {
            guard try !SessionExport.cameras(in: session).isEmpty else {
                throw ValidationError("\(session): no camera sidecars (<camera>.frames.csv): not a session folder")
            }
            table = try FramesetExport.write(sessionDirectory: session)
        } catch let error as MediaError {
            throw ValidationError("\(error)")
        }
        if !quiet {
            for set in table.framesets { Console.out(json ? jsonLine(set, table) : textLine(set, table)) }
        }
        if !json { for line in table.summary { Console.out(line) } }
        if table.partial > 0 { throw ExitCode(1) }
    }

    private func textLine(_ set: FramesetAssembler.Frameset, _ table: FramesetExport.Table) -> String {
        let missing = set.missing.map { "\(table.cameras[$0]) \(set.parts[$0].state.rawValue)" }
        return "frameset \(set.index): " + (set.isComplete ? "complete" : "partial (" + missing.joined(separator: ", ") + ")")
    }

    private func jsonLine(_ set: FramesetAssembler.Frameset, _ table: FramesetExport.Table) -> String {
        var cameras: [String: Any] = [:]
        for (c, part) in set.parts.enumerated() {
            var entry: [String: Any] = ["state": part.state.rawValue]
            if let start = part.exposureStart { entry["exposure_start_ns"] = start.nanosecondsSinceEpoch }
            cameras[table.cameras[c]] = entry
        }
        var object: [String: Any] = ["index": set.index, "complete": set.isComplete, "cameras": cameras]
        if let tn = table.scheduled[set.index] { object["scheduled_ns"] = tn.nanosecondsSinceEpoch }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
