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
            #expect(saturated.count == 12)
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
            #expect(long.count == 12)
        }
        #expect(!analysis.complete)
    }

    @Test func droppedFramesAroundAFlashAreNamedAndLeftOut() throws {
        var rig = SyntheticRig()
        rig.frames = 16
        rig.offsets = [{ _ in 0 }, { _ in 37_000 }]
        rig.dropped = [1: [7, 8, 9]]
        let analysis = try rig.analyze().analysis
        try #require(analysis.cameras.count == rig.offsets.count)
        let cam2 = analysis.cameras[1]
        let dropped = try #require(cam2.diagnostics.first { $0.kind == .droppedNearFlash })
        #expect(dropped.indices == [7, 8, 9])
        #expect(dropped.description.hasPrefix("cam2: "))
        #expect(!cam2.estimates.contains { (7...9).contains($0.index) })
        // The frames after the gap are still frames 10, 11…: the decoder's frames are joined to
        // the sidecar by timestamp, never by position, so the skew stays right.
        let pair = try #require(analysis.pairs.first)
        #expect(pair.samples.map(\.index) == Array(0...6) + Array(10...15))
        for s in pair.samples { #expect(abs(s.skewNs + 37_000) <= SyntheticRig.lineTimeNs) }
    }
}
