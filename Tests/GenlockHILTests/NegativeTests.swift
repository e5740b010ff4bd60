import GenlockCore
import GenlockHIL
import GenlockHILMedia
import Testing

/// Sessions the analyzer must refuse to measure: each gives a diagnostic naming the problem and
/// no number.
@Suite("HIL analyzer diagnostics")
struct NegativeTests {
    @Test func ledNeverVisible() throws {
        var rig = SyntheticRig()
        rig.scene.flashLuma = 0
        rig.frames = 12
        let analysis = try rig.analyze().analysis
        try #require(analysis.cameras.count == rig.offsets.count)
        #expect(!analysis.complete)
        for camera in analysis.cameras {
            #expect(camera.estimates.isEmpty)
            #expect(camera.diagnostics.contains { $0.kind == .ledNeverVisible })
        }
        #expect(analysis.pairs.allSatisfy { $0.statistics == nil })
        #expect(analysis.diagnostics.contains { $0.kind == .noCommonFrames })
    }

    @Test func saturatedBandsGiveNoNumber() throws {
        var rig = SyntheticRig()
        rig.scene.flashLuma = 600
        rig.frames = 12
        let analysis = try rig.analyze().analysis
        try #require(analysis.cameras.count == rig.offsets.count)
        for camera in analysis.cameras {
            #expect(camera.estimates.isEmpty)
            let saturated = try #require(camera.diagnostics.first { $0.kind == .saturated })
            #expect(saturated.count >= 4)
            #expect(saturated.description.contains("clipped"))
        }
        #expect(!analysis.complete)
    }

    @Test func saturatedSceneGivesNoNumber() throws {
        var rig = SyntheticRig()
        rig.scene.ambientLuma = 300
        rig.frames = 12
        let analysis = try rig.analyze().analysis
        try #require(analysis.cameras.count == rig.offsets.count)
        for camera in analysis.cameras {
            #expect(camera.estimates.isEmpty)
            #expect(camera.diagnostics.contains { $0.kind == .saturated })
        }
    }

    @Test func flashLongerThanExposure() throws {
        var rig = SyntheticRig()
        rig.frames = 12
        rig.plan = try FlashPlan(firstFlash: SyntheticRig.t0 + .microseconds(2500), width: .microseconds(1500),
                                 period: .nanoseconds(SyntheticRig.periodNs / 2), count: 40, sweepStep: .milliseconds(1), sweepSteps: 3)
        let analysis = try rig.analyze().analysis
        try #require(analysis.cameras.count == rig.offsets.count)
        for camera in analysis.cameras {
            #expect(camera.estimates.isEmpty)
            let long = try #require(camera.diagnostics.first { $0.kind == .flashLongerThanExposure })
            #expect(long.description.contains("1.5 ms"))
            #expect(long.count >= 6)
        }
        #expect(!analysis.complete)
    }

    @Test func droppedFramesAroundAFlashAreNamedAndLeftOut() throws {
        var rig = SyntheticRig()
        rig.frames = 30
        rig.offsets = [{ _ in 0 }, { _ in 37_000 }]
        rig.dropped = [1: Set(7...12)]
        let result = try rig.analyze()
        let analysis = result.analysis
        try #require(analysis.cameras.count == rig.offsets.count)
        let cam2 = analysis.cameras[1]
        let dropped = try #require(cam2.diagnostics.first { $0.kind == .droppedNearFlash }, "\(cam2.diagnostics)")
        #expect(!dropped.indices.isEmpty && dropped.indices.allSatisfy { (7...12).contains($0) })
        #expect(dropped.description.hasPrefix("cam2: "))
        #expect(!cam2.estimates.contains { (7...12).contains($0.index) })
        // The frames after the gap are still frames 13, 14…: the decoder's frames are joined to
        // the sidecar by timestamp, never by position, so the skew stays right.
        #expect(cam2.estimates.contains { $0.index > 12 })
        #expect(rig.dishonesty(result).isEmpty, "\(rig.dishonesty(result))")
        let pair = try #require(analysis.pairs.first)
        for s in pair.samples where !s.interpolated { #expect(abs(s.skewNs + 37_000) <= SyntheticRig.lineTimeNs) }
    }
}
