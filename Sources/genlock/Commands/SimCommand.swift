import ArgumentParser
import Foundation
import GenlockCore
import GenlockPTPLinux
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

    // Optional to ArgumentParser so that a missing file exits 2 (bad input) like a bad one.
    @Argument(help: "The scenario file (YAML).")
    var scenarioPath: String?

    // Values are parsed in run() so that a bad one exits 2 like any other bad input.
    // `.unconditional` so that `--seed -1` reaches run() and is rejected with a reason (exit 2).
    @Option(parsing: .unconditional, help: "Seed for every random draw (default: the scenario's).")
    var seed: String?

    @Option(help: "naive, realtime-timer, monotonic or genlock (default: the scenario's).")
    var strategy: String?

    @Option(help: "genlock's capture mode: request-timed or phase-locked (default: the scenario's strategies.capture).")
    var capture: String?

    @Option(help: "genlock's deadline timer: aware (notices realtime steps while armed, as genlock camera does) or unaware (for comparison; default: the scenario's strategies.step-aware).")
    var steps: String?

    @Option(parsing: .unconditional, help: "Override the recording length (for example 10m for a shortened long run).")
    var duration: String?

    @Option(help: "Also write the report as JSON to this path.")
    var json: String?

    @Flag(help: "Also split the exposure skew per pair of cameras (clocks' part and residual per pair and phase; slower with many cameras).")
    var pairs = false

    func run() throws {
        guard let scenario = scenarioPath else { Console.badInput("give the scenario file: genlock sim SCENARIO.yaml") }
        var sc: Scenario
        let text: String
        switch TextFile.read(scenario) {
        case .success(let read): text = read
        case .failure(let error): Console.badInput("scenario: \(error)")
        }
        do {
            sc = try Scenario(yaml: text)
        } catch {
            Console.badInput("\(scenario): \(error)")
        }
        var seedValue = sc.seed
        if let seed {
            guard let v = UInt64(seed) else { Console.badInput("--seed: '\(seed)' is not a whole number 0...\(UInt64.max)") }
            seedValue = v
        }
        var kind = sc.strategy
        if let strategy {
            guard let k = StrategyKind(rawValue: strategy) else {
                Console.badInput("--strategy: '\(strategy)' is not one of \(StrategyKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            kind = k
        }
        if let capture {
            guard let c = Scenario.CaptureMode(rawValue: capture) else {
                Console.badInput("--capture: '\(capture)' is not one of \(Scenario.CaptureMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if c == .phaseLocked && kind != .genlock {
                Console.badInput("--capture: phase-locked capture is the genlock strategy's; strategy is \(kind.rawValue)")
            }
            sc.strategies.capture = c
        }
        if let steps {
            guard steps == "aware" || steps == "unaware" else { Console.badInput("--steps: '\(steps)' is not one of aware, unaware") }
            sc.strategies.stepAware = steps == "aware"
        }
        sc.strategy = kind
        do {
            // The sensor must still fit the rate with the capture mode and strategy chosen here.
            try sc.checkSensorFitsRate()
        } catch {
            Console.badInput("\(scenario): \(error)")
        }
        if let duration {
            do {
                let d = try TimeSpan(parsing: duration)
                guard d > .zero else { Console.badInput("--duration: must be positive") }
                guard d.nanoseconds <= Scenario.maximumSpanNs else { Console.badInput("--duration: at most 1000h") }
                sc.schedule.durationNs = d.nanoseconds
            } catch {
                Console.badInput("--duration: \(error)")
            }
        }
        if let json, json.isEmpty { Console.badInput("--json: empty path") }

        Console.out("seed \(seedValue)")
        let began = ContinuousClock.now
        let simulation = Simulation(scenario: sc, seed: seedValue, strategy: kind)
        if pairs { simulation.measurePairs() }
        let report = simulation.run()
        let wall = ContinuousClock.now - began
        let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
        Console.out(report.table())
        let perSecond = wallSeconds > 0 ? Double(report.frames) / wallSeconds : 0
        Console.out(String(format: "simulated camera-frames per wall second: %.0f (%lld frames in %.3f s)", perSecond, report.frames, wallSeconds))

        if let json {
            do {
                try write(report, to: json)
            } catch {
                Console.badInput("--json: cannot write '\(json)': \(error)")
            }
        }
        if !report.passed {
            var replay = "genlock sim \(shellQuoted(scenario)) --seed \(seedValue) --strategy \(kind.rawValue)"
            if kind == .genlock { replay += " --capture \(sc.strategies.capture.rawValue) --steps \(sc.strategies.stepAware ? "aware" : "unaware")" }
            if let duration { replay += " --duration \(duration)" }
            Console.err("genlock sim: invariants failed with seed \(seedValue); replay with: \(replay)")
            Glibc.exit(1)
        }
    }

    /// Writes through a temporary file and a rename, so a reader never sees a torn report.
    private func write(_ report: SimulationReport, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(report) + Data("\n".utf8)
        try Files.writeAtomically(String(decoding: data, as: UTF8.self), to: path)
    }

    private func shellQuoted(_ s: String) -> String {
        s.allSatisfy({ $0.isLetter || $0.isNumber || "/._-+".contains($0) }) ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
