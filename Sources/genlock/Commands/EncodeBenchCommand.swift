import ArgumentParser
import Foundation
import GenlockCore
import GenlockMedia

/// `genlock encode-bench` (hidden, for Benchmarks/x264-live.sh): the recorder's x264 encoder fed
/// synthetic frames (the synthetic camera's moving pattern, rendered before the clock starts) at
/// the frame rate, under one preset/tune and keyframe interval; prints one line of figures.
struct EncodeBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode-bench", abstract: "Measure the recorder's x264 encoder on synthetic frames (benchmarks).",
        shouldDisplay: false)

    @Option var size = "1280x720"
    @Option var fps = 30
    @Option var frames = 300
    @Option var preset = X264Tuning.live.preset
    @Option(help: "x264 tune, or 'none'") var tune = X264Tuning.live.tune ?? "none"
    @Option(name: .customLong("keyframe-interval")) var keyframeInterval = 30
    @Option var out: String

    func run() throws {
        let parts = size.split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2 else { throw ValidationError("--size: '\(size)' is not WIDTHxHEIGHT") }
        let rate = try FrameRate(numerator: Int64(fps))
        // One second of distinct frames, cycled: the pattern moves every frame, as a camera's would.
        let rendered = (0..<Int64(fps)).map { n in
            TestPattern.render(index: n, scheduledNs: n * 1_000_000_000 / Int64(fps), width: parts[0], height: parts[1], layout: .yuv420p)
        }
        let tuning = X264Tuning(preset: preset, tune: tune == "none" ? nil : tune)
        // Refused before anything is rendered or encoded, with libx264's lists, as genlock camera does.
        do { try tuning.validate() } catch { throw ValidationError("--preset/--tune: \(error)") }
        let figures = try EncoderTrial(tuning: tuning, keyframeInterval: keyframeInterval, rate: rate, frames: rendered, count: frames).run(to: out)
        let sorted = figures.latencies.map(\.nanoseconds).sorted()
        func ms(_ p: Double) -> String {
            guard !sorted.isEmpty else { return "-" }
            return String(format: "%.1f", Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1e6)
        }
        let cpuPerFrame = Double(figures.cpu.nanoseconds) / 1e6 / Double(figures.frames)
        let corePercent = 100 * Double(figures.cpu.nanoseconds) / (Double(figures.frames) * 1e9 / Double(fps))
        func f(_ value: Double, _ places: Int) -> String { String(format: "%.\(places)f", value) }
        Console.out(
            "\(tuning) gop=\(keyframeInterval): cpu \(f(cpuPerFrame, 2)) ms/frame (\(f(corePercent, 0)) % of a core at \(fps) fps), "
                + "\(f(figures.bitsPerSecond / 1e6, 2)) Mbit/s, encode latency p50 \(ms(0.5)) ms p99 \(ms(0.99)) ms max \(ms(1.0)) ms "
                + "(\(figures.frames) frames, \(figures.packets) packets)")
    }
}
