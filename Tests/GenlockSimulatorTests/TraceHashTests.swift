import Foundation
import GenlockCore
import GenlockSimulator
import Testing

/// The trace hash of every shipped scenario, pinned, so "same trace hashes" after a change is
/// checked by CI rather than by hand. Each scenario runs through the library as `genlock sim`
/// runs it (read the YAML, set the duration, `Simulation(scenario:seed:)` with the scenario's own
/// strategy and capture mode) at seed 1. Every scenario runs for its own duration, so a pin is
/// exactly what `genlock sim SCENARIO --seed 1` prints (each takes well under a second in a debug
/// build), except the day-long run, which runs for its first 20 s.
///
/// A hash changes exactly when a run processes different events: a change of the simulator, of
/// the code it runs (scheduler, drivers, control endpoints) or of a scenario. When a change of
/// hash is intended, its commit message must say why the events changed. To regenerate a pin, run
/// its scenario as the pin says and copy the hash (a failure here also names the hash it got):
///
///     swift run genlock sim Simulator/Scenarios/ideal.yaml --seed 1 --duration 5s | grep 'trace hash'
@Suite("Pinned trace hashes of the shipped scenarios")
struct TraceHashTests {
    /// One scenario file, the recording length it runs for here, and the trace hash it must give.
    struct Pin: Sendable, CustomTestStringConvertible {
        /// Relative to the repository root.
        var path: String
        /// As `genlock sim --duration` takes it.
        var duration: String
        var traceHash: String

        var testDescription: String { "\(path) --duration \(duration)" }
    }

    static let seed: UInt64 = 1

    static let pins: [Pin] = [
        Pin(path: "Simulator/Scenarios/crash-restart.yaml", duration: "8s", traceHash: "3f68af5fd1e51918"),
        Pin(path: "Simulator/Scenarios/gm-failover.yaml", duration: "15s", traceHash: "a9d6405581208684"),
        Pin(path: "Simulator/Scenarios/ideal.yaml", duration: "5s", traceHash: "b930148a739b4764"),
        Pin(path: "Simulator/Scenarios/late-joiner.yaml", duration: "6s", traceHash: "f8d889c959a467e8"),
        Pin(path: "Simulator/Scenarios/long-run-24h.yaml", duration: "20s", traceHash: "c8f311e8f09d555e"),
        Pin(path: "Simulator/Scenarios/message-loss.yaml", duration: "6s", traceHash: "f4ca1a470f2a3a80"),
        Pin(path: "Simulator/Scenarios/pi5-hw-ptp.yaml", duration: "20s", traceHash: "c7cfa88d60a66007"),
        Pin(path: "Simulator/Scenarios/pi5-phase-lock.yaml", duration: "60s", traceHash: "d36861bacb8adae7"),
        // step-storm and sw-ptp changed with issue 14's step-aware timer (the hashes before,
        // 6a22416647ee3b72 and e63e56c3d5c32994, are what `--steps unaware` still gives): a realtime
        // step while a deadline is armed (a fault, or in sw-ptp the servo's steps) now wakes the
        // timer with a step notice and the driver re-arms, which are new events.
        Pin(path: "Simulator/Scenarios/step-storm.yaml", duration: "8s", traceHash: "9c651c4da9cf036e"),
        Pin(path: "Simulator/Scenarios/steps-while-armed.yaml", duration: "44s", traceHash: "6c38243c66e52d90"),
        Pin(path: "Simulator/Scenarios/sw-ptp.yaml", duration: "30s", traceHash: "726d5d37f460049c"),
        Pin(path: "hil/scenarios/synth-rolling.yaml", duration: "2s", traceHash: "7c705f694a84a66f"),
    ]

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    @Test("the scenario gives its pinned trace hash", arguments: pins)
    func traceHashIsPinned(_ pin: Pin) throws {
        let text = try String(contentsOf: Self.repositoryRoot.appendingPathComponent(pin.path), encoding: .utf8)
        var scenario = try Scenario(yaml: text)
        scenario.schedule.durationNs = try TimeSpan(parsing: pin.duration).nanoseconds
        let report = Simulation(scenario: scenario, seed: Self.seed).run()
        #expect(report.traceHash == pin.traceHash, "genlock sim \(pin.path) --seed \(Self.seed) --duration \(pin.duration)")
    }

    /// A scenario shipped without a pin would go unchecked.
    @Test("every shipped scenario has a pin")
    func everyScenarioIsPinned() throws {
        var shipped: Set<String> = []
        for folder in ["Simulator/Scenarios", "hil/scenarios"] {
            let names = try FileManager.default.contentsOfDirectory(atPath: Self.repositoryRoot.appendingPathComponent(folder).path)
            shipped.formUnion(names.filter { $0.hasSuffix(".yaml") }.map { "\(folder)/\($0)" })
        }
        #expect(Set(Self.pins.map(\.path)) == shipped)
    }
}
