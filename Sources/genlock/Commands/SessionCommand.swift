import ArgumentParser
import GenlockMedia

/// `genlock session`: what can be done with a recorded session folder.
struct SessionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session", abstract: "Check a recorded session folder.", subcommands: [SessionVerifyCommand.self])
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
            throw ValidationError("\(error)")
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
