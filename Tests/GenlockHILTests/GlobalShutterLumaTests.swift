import GenlockCore
import GenlockHIL
import GenlockHILMedia
import GenlockMedia
import Testing

/// The global-shutter sweep reads a frame's brightness as its share of a flash, which is only
/// true of linear luma. On a gamma-encoded session (the Pi's ISP output) the analyzer used to
/// print estimates tens of µs off with a few µs of stated uncertainty; it must now see the curve
/// in its own sweep (the two ramps disagree) and give no number, and refuse a sweep that crosses
/// only one ramp, where a curve cannot be seen.
@Suite("HIL analyzer: global-shutter sweep and the luma curve")
struct GlobalShutterLumaTests {
    /// The validation sweep (``ValidationTests``): one 500 µs flash per frame, stepping 250 µs
    /// from 1 ms before `Tn` over a 2 ms exposure, so both ends of the window are crossed.
    private func sweepRig(steps: Int = 12) throws -> SyntheticRig {
        var rig = SyntheticRig()
        rig.shutter = .global
        rig.exposure = .milliseconds(2)
        rig.frames = 36
        rig.plan = try FlashPlan(firstFlash: SyntheticRig.t0 - .milliseconds(1), width: .microseconds(500),
                                 period: .nanoseconds(SyntheticRig.periodNs), count: 40, sweepStep: .microseconds(250), sweepSteps: steps)
        rig.offsets = [{ _ in 0 }, { _ in 37_000 }]
        return rig
    }

    @Test func aGammaCurveIsSeenAndRefused() throws {
        var rig = try sweepRig()
        rig.scene.encoding = .init(gamma: 2.2, limitedRange: true)
        let result = try rig.analyze()
        #expect(rig.dishonesty(result).isEmpty, "\(rig.dishonesty(result))")
        #expect(!result.analysis.complete)
        try #require(result.analysis.cameras.count == 2)
        for camera in result.analysis.cameras {
            #expect(camera.estimates.isEmpty, "\(camera.name): \(camera.estimates)")
            let curved = try #require(camera.diagnostics.first { $0.kind == .nonlinearLuma }, "\(camera.diagnostics)")
            #expect(curved.message.contains("not linear"))
        }
    }

    @Test func linearLumaIsMeasuredWithTheRampsAgreeing() throws {
        let rig = try sweepRig()
        let result = try rig.analyze()
        #expect(result.analysis.complete, "\(result.analysis.diagnostics)")
        #expect(rig.dishonesty(result).isEmpty, "\(rig.dishonesty(result))")
        for camera in result.analysis.cameras {
            #expect(!camera.diagnostics.contains { [.nonlinearLuma, .lumaUnchecked].contains($0.kind) }, "\(camera.diagnostics)")
            #expect(camera.estimates.count >= 4)
        }
    }

    @Test func aSweepOverOneRampIsNotChecked() throws {
        // Six steps from 1 ms before Tn reach 250 µs after it: the window's start only.
        let rig = try sweepRig(steps: 6)
        let result = try rig.analyze()
        #expect(!result.analysis.complete)
        for camera in result.analysis.cameras {
            #expect(camera.estimates.isEmpty)
            let unchecked = try #require(camera.diagnostics.first { $0.kind == .lumaUnchecked }, "\(camera.diagnostics)")
            #expect(unchecked.message.contains("only the exposure's start"))
        }
    }
}
