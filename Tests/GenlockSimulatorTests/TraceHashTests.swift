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

    // Issue 13 (the simulated nodes run NodeLifecycle: CHALLENGE, HEARTBEAT, STATUS twice a
    // second, nodes exit after their run) changed every pin. On top of it, issue 18's PTP start gate
    // (gm-failover, pi5-hw-ptp, pi5-phase-lock: START waits for the gate, and pi5-phase-lock starts
    // at 1 s with the phase estimate) and issue 14's step-aware timer (step-storm, steps-while-armed,
    // sw-ptp: a step while a deadline is armed wakes the timer and the driver re-arms) changed those
    // six again; each change alone left the other scenarios' hashes as they were. gm-failover's
    // failovers then moved from 4 s and 10 s to 8 s and 14 s: with the gate opening about 3 s after
    // start-at, a failover at 4 s could hold START until it was slewed out, and the run never saw it.
    // Issue 18's tracker (once locked, the frequency is corrected from the phase estimate's
    // innovation, and a clock moving under the sensor is followed on the measurement) changes the
    // frame lengths phase-locked capture programs, so pi5-phase-lock, the one shipped scenario that
    // captures phase-locked, changed again; the others capture request-timed and kept their hashes.
    // Issue 18's fourth pass (the tracker's gains from the stamp's noise: α 0.3 → 0.2, β 0.01 →
    // 0.005) changes the lengths programmed again: pi5-phase-lock only, for the same reason. So
    // does its fifth (each frame carries the kernel's frequency adjustment, which the lock
    // feeds forward; the tracker warms up as a least-squares fit; α 0.03, β 0.0003; a frame whose
    // interval saw the adjustment change weighs as a Kalman gain with that uncertainty says; the
    // frames in flight expect the servo's next change as its last changes suggest). Its sixth
    // changes the rig itself: pi5-hw-ptp, pi5-phase-lock and gm-failover run ptp4l with the gains
    // `genlock ptp config` writes (`servo.tuning: genlock`), and hold START for 2 s of syncs (16)
    // as a camera node and `genlock ptp wait` now do.
    static let pins: [Pin] = [
        Pin(path: "Simulator/Scenarios/crash-restart.yaml", duration: "8s", traceHash: "80ab804fe1818c41"),
        Pin(path: "Simulator/Scenarios/coordinator-hang.yaml", duration: "60s", traceHash: "33e1d26559e8291a"),
        Pin(path: "Simulator/Scenarios/gm-failover.yaml", duration: "15s", traceHash: "0ffb622082295880"),
        Pin(path: "Simulator/Scenarios/ideal.yaml", duration: "5s", traceHash: "0a98d511cf27abb4"),
        Pin(path: "Simulator/Scenarios/late-joiner.yaml", duration: "6s", traceHash: "191ba810315f6319"),
        Pin(path: "Simulator/Scenarios/long-run-24h.yaml", duration: "20s", traceHash: "013b6836b9030500"),
        Pin(path: "Simulator/Scenarios/message-loss.yaml", duration: "8s", traceHash: "3ccfde3754c23474"),
        Pin(path: "Simulator/Scenarios/pi5-hw-ptp.yaml", duration: "20s", traceHash: "171440296b90529d"),
        Pin(path: "Simulator/Scenarios/pi5-phase-lock.yaml", duration: "60s", traceHash: "71a71d2e47ab616f"),
        Pin(path: "Simulator/Scenarios/step-storm.yaml", duration: "8s", traceHash: "6fb97a8d436541e3"),
        Pin(path: "Simulator/Scenarios/steps-while-armed.yaml", duration: "44s", traceHash: "50dfbddfe9ebcf89"),
        Pin(path: "Simulator/Scenarios/sw-ptp.yaml", duration: "30s", traceHash: "c4726257bf8fdc13"),
        Pin(path: "hil/scenarios/synth-rolling.yaml", duration: "2s", traceHash: "69cb6d4a1c6d32c3"),
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
