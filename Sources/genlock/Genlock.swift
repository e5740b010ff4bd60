import ArgumentParser
import Glibc

/// `genlock`: synchronized multi-camera recording on Raspberry Pi 5 rigs.
@main
struct Genlock: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genlock",
        abstract: "Synchronized multi-camera recording: frame n of every camera exposed at T0 + n·P.",
        subcommands: [
            CameraCommand.self, CamerasCommand.self, ScheduleCommand.self, PTPCommand.self, RecordCommand.self,
            SimCommand.self, KeygenCommand.self, CoordinatorCommand.self, RigCommand.self, HILCommand.self,
            DoctorCommand.self, FramesetsCommand.self, SessionCommand.self, IngestCommand.self, IngestReplayCommand.self,
            EncodeBenchCommand.self,
        ]
    )

    /// Parses and runs, printing a rejected argument as one line (`genlock: error: ...`) on
    /// stderr rather than the usage block, so scripts and people see exactly what was wrong.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let exit as ExitCode {
            // A status already explained on the lines before it (a verify's problems, partial
            // framesets): no "genlock: error:" line of its own.
            Glibc.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is CleanExit {
                exit(withError: error)
            }
            let message = self.message(for: error)
                .split(separator: "\n").first.map(String.init) ?? "\(error)"
            Console.err("genlock: error: \(message)")
            Glibc.exit(code.rawValue)
        }
    }
}
