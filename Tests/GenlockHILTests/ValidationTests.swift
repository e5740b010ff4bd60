import GenlockCore
import GenlockHIL
import GenlockHILMedia
import GenlockMedia
import Testing

/// Synthetic sessions with known skews, analyzed end to end (render, encode, decode, estimate):
/// every estimate must land within one line time of the truth.
@Suite("HIL analyzer validation")
struct ValidationTests {
    static let skews: [(String, @Sendable (Int64) -> Int64)] = [
        ("zero", { _ in 0 }),
        ("37 µs", { _ in 37_000 }),
        ("1.3 ms", { _ in 1_300_000 }),
        ("half a frame", { _ in SyntheticRig.periodNs / 2 }),
        ("drifting 4 ppm", { n in 37_000 + n * SyntheticRig.periodNs * 4 / 1_000_000 }),
    ]

    @Test(arguments: 0..<skews.count)
    func rollingShutterSkewWithinOneLineTime(case number: Int) throws {
        var rig = SyntheticRig()
        rig.offsets = [{ _ in 0 }, Self.skews[number].1]
        let result = try rig.analyze()
        try expectTruth(result, rig: rig, toleranceNs: SyntheticRig.lineTimeNs, label: Self.skews[number].0)
    }

    @Test func x264SessionsMeasureTooWithinOneLineTime() throws {
        var rig = SyntheticRig()
        rig.codec = .x264
        rig.offsets = [{ _ in -25_000 }, { _ in 1_300_000 }]
        let result = try rig.analyze()
        try expectTruth(result, rig: rig, toleranceNs: SyntheticRig.lineTimeNs, label: "x264")
    }

    @Test func givenRegionGivesTheSameEstimates() throws {
        var rig = SyntheticRig()
        rig.offsets = [{ _ in 0 }, { _ in 37_000 }]
        let result = try rig.analyze(region: PixelRegion(x: 140, y: 0, width: 40, height: 240))
        try #require(result.readings.count == rig.offsets.count)
        #expect(result.analysis.cameras.allSatisfy { $0.region == PixelRegion(x: 140, y: 0, width: 40, height: 240) })
        try expectTruth(result, rig: rig, toleranceNs: SyntheticRig.lineTimeNs, label: "roi")
    }

    @Test func foundRegionLiesInsideTheDiffuser() throws {
        let result = try SyntheticRig().analyze()
        let led = SyntheticRig().scene.led
        try #require(result.analysis.cameras.count == SyntheticRig().offsets.count)
        for camera in result.analysis.cameras {
            let region = try #require(camera.region)
            #expect(region.x >= led.x && region.x + region.width <= led.x + led.width, "\(region) vs \(led)")
        }
    }

    @Test func globalShutterSweepWithinTenMicroseconds() throws {
        var rig = SyntheticRig()
        rig.shutter = .global
        rig.exposure = .milliseconds(2)
        rig.frames = 36
        // One flash per frame, stepping 250 µs from 1 ms before Tn: the window's start (a ramp of
        // 500 µs) is crossed every 12 frames.
        rig.plan = try FlashPlan(firstFlash: SyntheticRig.t0 - .milliseconds(1), width: .microseconds(500),
                                 period: .nanoseconds(SyntheticRig.periodNs), count: 40, sweepStep: .microseconds(250), sweepSteps: 12)
        rig.offsets = [{ _ in 0 }, { _ in 37_000 }]
        let result = try rig.analyze()
        try expectTruth(result, rig: rig, toleranceNs: 10_000, label: "global")
    }

    /// Every camera estimate within `toleranceNs` of its truth, every pair skew too, and at least
    /// one sample per pair.
    private func expectTruth(_ result: SessionAnalyzer.Result, rig: SyntheticRig, toleranceNs: Double, label: String) throws {
        let analysis = result.analysis
        #expect(analysis.complete, "\(label): \(analysis.diagnostics)")
        for (c, camera) in analysis.cameras.enumerated() {
            #expect(!camera.estimates.isEmpty, "\(label) \(camera.name): no estimates; \(camera.diagnostics)")
            for e in camera.estimates {
                let truth = Double(rig.offsets[c](e.index))
                #expect(abs(e.offsetNs - truth) <= toleranceNs, "\(label) \(camera.name) frame \(e.index): \(e.offsetNs) ns vs truth \(truth) ns")
                // The stated uncertainty is honest: the error stays within a few of it.
                #expect(e.sigmaNs > 0 && abs(e.offsetNs - truth) <= 5 * e.sigmaNs, "\(label) \(camera.name) frame \(e.index): error \(e.offsetNs - truth) ns, σ \(e.sigmaNs) ns")
            }
        }
        let pair = try #require(analysis.pairs.first)
        #expect(pair.samples.count >= (rig.shutter == .rolling ? 8 : 2))
        for s in pair.samples {
            let truth = Double(rig.offsets[0](s.index) - rig.offsets[1](s.index))
            #expect(abs(s.skewNs - truth) <= toleranceNs, "\(label) frame \(s.index): skew \(s.skewNs) ns vs truth \(truth) ns")
        }
    }
}
