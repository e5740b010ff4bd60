import ArgumentParser
import GenlockMedia

/// `genlock session`: what can be done with a recorded session folder.
struct SessionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session", abstract: "Check a recorded session folder, or export it for a downstream tool.",
        subcommands: [SessionVerifyCommand.self, SessionExportCommand.self])
}

/// `genlock session verify DIR`: every camera's video against its sidecar, the timestamp files
/// and the exports; one line per problem, exit 0 only when the folder is consistent.
struct SessionVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every camera's video against its sidecar, its timestamp file and the session's exports.")

    @Argument(help: "The session folder (<out>/<session>).")
    var session: String

    func run() throws {
        let report: SessionVerifier.Report
        do {
            report = try SessionVerifier.verify(sessionDirectory: session)
        } catch {
            Console.badInput("\(error)")
        }
        for camera in report.cameras { Console.out("camera \(camera)") }
        if let framesets = report.framesets { Console.out(framesets.summary[0]) }
        for problem in report.problems { Console.out("PROBLEM \(problem)") }
        guard report.isConsistent else {
            Console.err("genlock: error: \(report.problems.count) problem\(report.problems.count == 1 ? "" : "s") in \(session)")
            throw ExitCode(1)
        }
        Console.out("session \(session) is consistent")
    }
}

/// `genlock session export DIR --to caliscope|anipose|freemocap [--out DIR]`: the session in the
/// folder layout and timestamp files the tool reads (``SessionExporter``), into a new folder.
struct SessionExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a session out in the layout Caliscope, Anipose or FreeMoCap reads (the session is only read).")

    @Argument(help: "The session folder (<out>/<session>).")
    var session: String

    @Option(help: "The tool: caliscope (videos remuxed, timestamps.csv), anipose or freemocap (re-encoded, equal frame counts, missing frames black).")
    var to: String

    @Option(help: "Export folder; must not exist or be empty (default: <session>-<tool> beside the session folder).", transform: Parse.path)
    var out: String?

    @Flag(help: "Anipose only: the session is a calibration recording (videos go to <session>/calibration/ instead of videos-raw/).")
    var calibration = false

    func run() throws {
        let report: SessionExporter.Report
        do {
            let tool = try ExportTool(parsing: to)
            let trimmed = session.count > 1 && session.hasSuffix("/") ? String(session.dropLast()) : session
            report = try SessionExporter.export(
                sessionDirectory: trimmed, tool: tool, to: out ?? "\(trimmed)-\(tool)", calibration: calibration)
        } catch {
            throw ValidationError("\(error)")
        }
        for video in report.videos {
            let filled = video.filled > 0 ? ", \(video.filled) black (indices the camera has no frame for)" : ""
            Console.out("\(video.camera): \(video.path) (\(video.method), \(video.frames) frames\(filled))")
        }
        for file in report.files { Console.out("wrote \(file)") }
        for (camera, indices) in report.missing {
            Console.err("genlock: warning: \(camera): \(indices.count) recorded frame\(indices.count == 1 ? "" : "s") not in its video "
                + "(\(SessionVerifier.listed(indices))): damaged or cut short; marked absent in the export's framesets.csv (genlock session verify names the damage)")
        }
        Console.out("exported for \(report.tool) into \(report.root)")
    }
}
