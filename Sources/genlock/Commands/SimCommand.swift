import ArgumentParser
import Foundation
import GenlockCore
import GenlockSimulator

/// `genlock sim`: run a scenario through the deterministic rig simulator.
///
/// Exit status: 0 when every invariant held, 1 on a deadlock or a violated invariant (the seed
/// and the exact replay command are printed), 2 on bad input (unreadable or malformed scenario,
/// bad option value).
struct SimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Simulate a rig scenario deterministically and check the capture invariants.",
        discussion: """
            Scenarios are YAML (schema: Simulator/Scenarios/README.md). The same scenario and seed \
            always give the same trace hash. Exit 0: invariants held; 1: deadlock or violation; 2: bad input.
            """
    )

    @Argument(help: "The scenario file (YAML).")
    var scenario: String

    // Values are parsed in run() so that a bad one exits 2 like any other bad input.
    @Option(help: "Seed for every random draw (default: the scenario's).")
    var seed: String?

    @Option(help: "naive, realtime-timer, monotonic or genlock (default: the scenario's).")
    var strategy: String?

    @Option(help: "Override the recording length (for example 10m for a shortened long run).")
    var duration: String?

    @Option(help: "Also write the report as JSON to this path.")
    var json: String?

    func run() throws {
        var sc: Scenario
        let text: String
        do {
            text = try String(contentsOfFile: scenario, encoding: .utf8)
        } catch {
            badInput("cannot read scenario '\(scenario)': \((error as NSError).localizedDescription)")
        }
        do {
            sc = try Scenario(yaml: text)
        } catch {
            badInput("\(scenario): \(error)")
        }
        var seedValue = sc.seed
        if let seed {
            guard let v = UInt64(seed) else { badInput("--seed: '\(seed)' is not a whole number 0...\(UInt64.max)") }
            seedValue = v
        }
        var kind = sc.strategy
        if let strategy {
            guard let k = StrategyKind(rawValue: strategy) else {
                badInput("--strategy: '\(strategy)' is not one of \(StrategyKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            kind = k
        }
        if let duration {
            do {
                let d = try TimeSpan(parsing: duration)
                guard d > .zero else { badInput("--duration: must be positive") }
                sc.schedule.durationNs = d.nanoseconds
            } catch {
                badInput("--duration: \(error)")
            }
        }
        if let json, json.isEmpty { badInput("--json: empty path") }

        Console.out("seed \(seedValue)")
        let began = ContinuousClock.now
        let report = Simulation(scenario: sc, seed: seedValue, strategy: kind).run()
        let wall = ContinuousClock.now - began
        let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
        Console.out(report.table())
        let perSecond = wallSeconds > 0 ? Double(report.frames) / wallSeconds : 0
        Console.out(String(format: "simulated camera-frames per wall second: %.0f (%lld frames in %.3f s)", perSecond, report.frames, wallSeconds))

        if let json {
            do {
                try write(report, to: json)
            } catch {
                badInput("--json: cannot write '\(json)': \(error)")
            }
        }
        if !report.passed {
            var replay = "genlock sim \(shellQuoted(scenario)) --seed \(seedValue) --strategy \(kind.rawValue)"
            if let duration { replay += " --duration \(duration)" }
            Console.err("genlock sim: invariants failed with seed \(seedValue); replay with: \(replay)")
            Glibc.exit(1)
        }
    }

    /// Writes through a temporary file and a rename, so a reader never sees a torn report.
    private func write(_ report: SimulationReport, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(report)
        let tmp = path + ".tmp-\(getpid())"
        try data.write(to: URL(fileURLWithPath: tmp))
        if rename(tmp, path) != 0 {
            let e = String(cString: strerror(errno))
            unlink(tmp)
            throw Invalid(e)
        }
    }

    private func badInput(_ message: String) -> Never {
        Console.err("genlock: error: \(message)")
        Glibc.exit(2)
    }

    private func shellQuoted(_ s: String) -> String {
        s.allSatisfy({ $0.isLetter || $0.isNumber || "/._-+".contains($0) }) ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
