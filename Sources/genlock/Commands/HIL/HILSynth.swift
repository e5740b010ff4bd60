import ArgumentParser
import Foundation
import GenlockCore
import GenlockHIL
import GenlockHILMedia
import GenlockMedia
import GenlockSimulator

/// `genlock hil synth SCENARIO.yaml --out DIR`: a synthetic HIL session from the simulator's
/// ground truth. The scenario runs through the deterministic simulator; every captured frame's
/// true exposure start, exposure and line time then drive the renderer (an LED behind a
/// diffuser, ambient light, sensor noise, a little blur), and the frames go through the recorder
/// with their sidecars, beside `flashes.csv`, `sensors.csv` and `truth.csv`.
///
/// Exit status: 0 written; 2 bad input (unreadable scenario, bad option, unwritable folder).
struct HILSynth: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Render a synthetic HIL session (LED flashes seen by every simulated camera) from a simulator scenario.",
        discussion: """
            The flash plan defaults to a 200 µs flash every 17/64 of a frame period: the flashes drift \
            through the frame, so every camera's rows catch some whatever its phase, and every row is dark in some frames. Rows are the sensor's rows: choose the \
            scenario's line-time and exposure so that a band (exposure / line time rows) fits the frame height.
            """
    )

    @Argument(help: "The simulator scenario (YAML; schema: Simulator/Scenarios/README.md).")
    var scenarioPath: String

    @Option(help: "Output root: the session is written to OUT/SESSION/.", transform: Parse.path)
    var out: String

    @Option(help: "Session folder name.")
    var session = "synth"

    @Option(help: "Render at most this many frame indices (default: the scenario's whole duration).", transform: Parse.frameCount)
    var frames: Int64?

    @Option(help: "Frame size WIDTHxHEIGHT.", transform: Parse.frameSize)
    var size = FrameSize(width: 320, height: 240)

    @Option(help: "ffv1 (lossless, default) or x264.")
    var codec = "ffv1"

    @Option(help: "rolling or global.")
    var shutter = "rolling"

    @Option(help: "How long each flash lasts.", transform: Parse.timeSpan)
    var flashWidth = TimeSpan.microseconds(200)

    @Option(help: "Time between flashes (default: 17/64 of the frame period).", transform: Parse.timeSpan)
    var flashPeriod: TimeSpan?

    @Option(help: "First flash, after T0.", transform: Parse.timeSpan)
    var flashOffset = TimeSpan.microseconds(500)

    @Option(help: "Extra delay per step of a sweep (global shutters: smaller than the flash width).", transform: Parse.timeSpan)
    var sweepStep = TimeSpan.zero

    @Option(help: "Steps in one sweep cycle (1: no sweep).")
    var sweepSteps = 1

    @Option(help: "Luma a row integrating a whole flash gains (more than 255 − ambient saturates).")
    var flashLuma = 150.0

    @Option(help: "Sensor noise, luma standard deviation.")
    var noise = 1.5

    func run() throws {
        let text: String
        switch TextFile.read(scenarioPath) {
        case .success(let read): text = read
        case .failure(let error): Console.badInput("scenario: \(error)")
        }
        let scenario: Scenario
        do { scenario = try Scenario(yaml: text) } catch { Console.badInput("\(scenarioPath): \(error)") }
        let videoCodec: VideoCodec
        do { videoCodec = try VideoCodec(parsing: codec) } catch { Console.badInput("--codec: \(error)") }
        guard videoCodec != .raw else { Console.badInput("--codec: use ffv1 or x264 for synthetic sessions") }
        guard let shutterKind = Shutter(rawValue: shutter) else { Console.badInput("--shutter: '\(shutter)' is not rolling or global") }
        do { try PixelLayout.yuv420p.validate(width: size.width, height: size.height) } catch { Console.badInput("--size: \(error)") }
        guard flashLuma >= 0, noise >= 0 else { Console.badInput("--flash-luma and --noise must not be negative") }

        let simulation = Simulation(scenario: scenario)
        let schedule = simulation.plan.schedule
        let last = min(simulation.stopIndex, frames ?? .max)
        var truths = Array(repeating: [Int64: FrameTruth](), count: scenario.nodes)
        simulation.onFrame { truth in
            if truth.index < last { truths[truth.node][truth.index] = truth }
        }
        _ = simulation.run()

        let period = scenario.schedule.rate.nominalPeriod
        let plan: FlashPlan
        do {
            let every = flashPeriod ?? .nanoseconds(period.nanoseconds * 17 / 64)
            guard every > .zero else { Console.badInput("--flash-period: must be positive") }
            // Enough flashes to cover every rendered frame.
            let flashCount = Int(min(Int128(last + 1) * Int128(period.nanoseconds) / Int128(every.nanoseconds) + 2, 10_000_000))
            plan = try FlashPlan(firstFlash: schedule.start + flashOffset, width: flashWidth, period: every, count: flashCount,
                                 sweepStep: sweepStep, sweepSteps: sweepSteps)
        } catch {
            Console.badInput("flash plan: \(error)")
        }
        let cameras = (0..<scenario.nodes).map { node in
            SynthCamera(name: "cam\(node + 1)", frames: (0..<last).map { n in
                // Ground truth is in the simulator's true time; the grandmaster's realtime is
                // the epoch plus true time (scenarios with a grandmaster failover shift it).
                let timing = truths[node][n].map { t in
                    ExposureTiming(start: RealtimeInstant(nanosecondsSinceEpoch: Simulation.epochNs + t.exposureStartTrueNs),
                                   exposure: .nanoseconds(t.exposureNs), lineTimePs: t.lineTimeTrueNs * 1000, shutter: shutterKind)
                }
                return SynthFrame(index: n, scheduled: (try? schedule.deadline(of: n)) ?? schedule.start, timing: timing)
            })
        }
        let scene = LEDScene(width: size.width, height: size.height, flashLuma: flashLuma, noiseSigmaLuma: noise, seed: simulation.seed)
        let synth = SessionSynthesizer(scene: scene, flashes: FlashList(plan: plan), codec: videoCodec, frameRate: scenario.schedule.rate)
        do {
            let dir = try synth.write(cameras: cameras, outputRoot: out, session: session, epoch: schedule.start)
            let captured = truths.map(\.count).reduce(0, +)
            Console.out("wrote \(dir): \(scenario.nodes) cameras, frames 0..<\(last) (\(captured) captured), \(plan.count) flashes of \(flashWidth), \(videoCodec) \(size)")
        } catch {
            Console.badInput("\(error)")
        }
    }

}
