import Foundation
import GenlockCore
@testable import GenlockSimulator

/// The shipped scenarios, read from `Simulator/Scenarios` next to the sources.
enum Shipped {
    static let names = ["ideal", "pi5-hw-ptp", "sw-ptp", "step-storm", "gm-failover", "late-joiner", "crash-restart", "message-loss", "long-run-24h", "pi5-phase-lock"]

    static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Simulator/Scenarios")
    }

    static func scenario(_ name: String) throws -> Scenario {
        let text = try String(contentsOf: directory.appendingPathComponent("\(name).yaml"), encoding: .utf8)
        return try Scenario(yaml: text)
    }
}

/// Runs `scenario` and collects every captured frame's ground truth per node.
func runCollecting(_ scenario: Scenario, seed: UInt64? = nil, strategy: StrategyKind? = nil) -> (SimulationReport, [[FrameTruth]], Simulation) {
    let sim = Simulation(scenario: scenario, seed: seed, strategy: strategy)
    var frames = Array(repeating: [FrameTruth](), count: scenario.nodes)
    sim.onFrame { frames[$0.node].append($0) }
    let report = sim.run()
    return (report, frames, sim)
}

/// The `ideal` scenario with one forward step of `stepNs` on node 0 at true `atNs`.
func idealWithStep(atNs: Int64, stepNs: Int64) throws -> Scenario {
    var s = try Shipped.scenario("ideal")
    s.faults = [Scenario.Fault(atNs: atNs, nodes: [0], kind: .step(byNs: stepNs), line: 0)]
    return s
}
