import Foundation
import GenlockCore
import GenlockHIL
import GenlockHILMedia
import GenlockMedia
import Testing

/// Sessions with what a real rig has and the first analyzer was not validated on: a gamma curve
/// and limited range, no `sensors.csv`, GPIO jitter on the flash width, a flickering lamp and a
/// static bright object, a round diffused spot, a clipped LED, a wrong sensor table, cameras a
/// frame apart. On each, every reported pair must be right (median within one line time, 90 %
/// of samples within max(L, 3σ)) or unmeasured with a diagnostic, and the cases that can be
/// measured must be.
@Suite("HIL analyzer on rig conditions")
struct RigConditionTests {
    /// Left of the LED strip (columns 128…191): a lamp on the mains.
    static let lamp = LEDScene.FlickerLamp(region: PixelRegion(x: 10, y: 30, width: 80, height: 180), meanLuma: 60, depth: 0.6)
    static let offsets: [@Sendable (Int64) -> Int64] = [{ _ in 0 }, { _ in 41_000 }]

    private func expectHonest(_ result: SessionAnalyzer.Result, _ rig: SyntheticRig, measured: Bool, _ label: String) {
        let failures = rig.dishonesty(result)
        #expect(failures.isEmpty, "\(label): \(failures)")
        if measured {
            #expect(result.analysis.complete, "\(label): \(result.analysis.diagnostics)")
            #expect(result.analysis.pairs.allSatisfy { ($0.statistics?.count ?? 0) >= 6 }, "\(label): \(result.analysis.pairs.map(\.samples.count))")
        }
    }

    @Test func gammaLimitedRangeJitterAndNoSensorTable() throws {
        var rig = SyntheticRig()
        rig.offsets = Self.offsets
        rig.scene.encoding = .init(gamma: 2.2, limitedRange: true)
        rig.jitterNs = 60_000
        rig.sensorTable = false
        let result = try rig.analyze()
        expectHonest(result, rig, measured: true, "gamma")
        for camera in result.analysis.cameras {
            #expect(camera.lineTimeEstimated)
            let fitted = try #require(camera.lineTimeNs)
            let sigma = try #require(camera.lineTimeSigmaNs)
            #expect(abs(fitted - SyntheticRig.lineTimeNs) <= max(3 * sigma, 0.002 * SyntheticRig.lineTimeNs), "\(fitted) ± \(sigma)")
        }
    }

    @Test func aFlickeringLampAndABrightObjectAreNotTheLED() throws {
        var rig = SyntheticRig()
        rig.offsets = Self.offsets
        rig.scene.lamp = Self.lamp
        rig.scene.brightObject = PixelRegion(x: 230, y: 40, width: 70, height: 120)
        let result = try rig.analyze()
        expectHonest(result, rig, measured: true, "lamp")
        let led = rig.scene.led
        for camera in result.analysis.cameras {
            let region = try #require(camera.region)
            #expect(region.x >= led.x && region.x + region.width <= led.x + led.width, "\(region)")
        }
    }

    @Test func aDimLEDBesideABrighterFlickeringLamp() throws {
        var rig = SyntheticRig()
        rig.offsets = Self.offsets
        rig.scene.flashLuma = 30
        rig.scene.lamp = LEDScene.FlickerLamp(region: Self.lamp.region, meanLuma: 90, depth: 0.8)
        let result = try rig.analyze()
        expectHonest(result, rig, measured: true, "dim")
        for camera in result.analysis.cameras {
            // The lamp changed more, was tried first, and was rejected by the flash log.
            #expect(camera.diagnostics.contains { $0.kind == .regionRejected }, "\(camera.diagnostics)")
        }
    }

    @Test func aLampWithoutTheLEDGivesNoNumber() throws {
        var rig = SyntheticRig()
        rig.offsets = Self.offsets
        rig.scene.flashLuma = 0
        rig.scene.lamp = Self.lamp
        let result = try rig.analyze()
        expectHonest(result, rig, measured: false, "absent")
        #expect(!result.analysis.complete)
        for camera in result.analysis.cameras {
            #expect(camera.estimates.isEmpty)
            #expect(camera.diagnostics.contains { $0.kind == .ledNotFound }, "\(camera.diagnostics)")
        }
    }

    @Test func aRoundDiffusedSpot() throws {
        var rig = SyntheticRig()
        rig.offsets = Self.offsets
        rig.scene = LEDScene(width: 320, height: 240, led: PixelRegion(x: 60, y: 20, width: 200, height: 200), shape: .disc)
        let result = try rig.analyze()
        expectHonest(result, rig, measured: true, "disc")
    }

    @Test func aSmallRoundSpotIsRefusedOrRight() throws {
        var rig = SyntheticRig()
        rig.offsets = Self.offsets
        rig.scene = LEDScene(width: 320, height: 240, led: PixelRegion(x: 130, y: 70, width: 70, height: 70), shape: .disc)
        let result = try rig.analyze()
        expectHonest(result, rig, measured: false, "small disc")
    }

    @Test(arguments: [false, true])
    func aPartlyClippedLEDGivesNoNumber(limitedRange: Bool) throws {
        var rig = SyntheticRig()
        rig.offsets = Self.offsets
        rig.scene.encoding = .init(gamma: 1, limitedRange: limitedRange)
        rig.scene.flashLuma = 214
        let result = try rig.analyze()
        expectHonest(result, rig, measured: false, "clipped")
        for camera in result.analysis.cameras {
            #expect(camera.diagnostics.contains { $0.kind == .saturated }, "\(camera.diagnostics)")
        }
    }

    @Test func aSensorTableThatDisagreesWithTheBandsIsRefused() throws {
        var rig = SyntheticRig()
        rig.offsets = Self.offsets
        rig.sensorTableLineTimePs = ["cam2": 21_000_000]
        let result = try rig.analyze()
        expectHonest(result, rig, measured: false, "sensor table")
        #expect(!result.analysis.complete)
        let cam2 = result.analysis.cameras[1]
        #expect(cam2.estimates.isEmpty)
        let mismatch = try #require(cam2.diagnostics.first { $0.kind == .lineTimeMismatch })
        #expect(mismatch.description.contains("21.0 µs") || mismatch.description.contains("21.000 µs"), "\(mismatch)")
        #expect(!result.analysis.cameras[0].estimates.isEmpty)
    }

    /// Cameras a frame apart light different indices with each flash: their offsets from `Tn`
    /// are still compared.
    @Test func camerasAFrameApartAreComparedByOffset() throws {
        var rig = SyntheticRig()
        rig.offsets = [{ _ in 0 }, { n in 17_000_000 + n * 40 }]
        let result = try rig.analyze()
        expectHonest(result, rig, measured: true, "a frame apart")
        let pair = try #require(result.analysis.pairs.first)
        #expect(pair.samples.contains { $0.interpolated })
    }

    @Test func aFlashLongerThanTheExposureIsOneDiagnosticPerCamera() throws {
        var rig = SyntheticRig()
        rig.frames = 16
        rig.jitterNs = 50_000
        rig.plan = try FlashPlan(firstFlash: SyntheticRig.t0 + .microseconds(2500), width: .microseconds(1500),
                                 period: .nanoseconds(SyntheticRig.periodNs / 2), count: 40, sweepStep: .milliseconds(1), sweepSteps: 3)
        let result = try rig.analyze()
        for camera in result.analysis.cameras {
            #expect(camera.diagnostics.filter { $0.kind == .flashLongerThanExposure }.count == 1, "\(camera.diagnostics)")
        }
        #expect(!result.analysis.complete)
    }

    /// All of cam3's files gone (sensors.csv still names it): cam1–cam2 is measured, but the
    /// session is not called complete, and cam3 is named.
    @Test func aCameraWhoseFilesAreAllGoneIsNamedAndTheAnalysisIsIncomplete() throws {
        var rig = SyntheticRig()
        rig.offsets = Self.offsets + [{ _ in 0 }]
        let dir = try rig.write()
        defer { try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent) }
        for file in try FileManager.default.contentsOfDirectory(atPath: dir) where file.hasPrefix("cam3.") {
            try FileManager.default.removeItem(atPath: dir + "/" + file)
        }
        let result = try SessionAnalyzer(directory: dir).run()
        #expect(result.analysis.cameras.map(\.name) == ["cam1", "cam2"])
        #expect(result.analysis.pairs.first?.statistics != nil)
        #expect(result.analysis.diagnostics.contains { $0.kind == .missingCamera && $0.camera == "cam3" }, "\(result.analysis.diagnostics)")
        #expect(!result.analysis.complete)
    }

    @Test func aCRLFSidecarReadsLikeAnLFOne() throws {
        var rig = SyntheticRig()
        rig.offsets = Self.offsets
        let dir = try rig.write()
        defer { try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent) }
        for name in ["cam1.frames.csv", "flashes.csv", "sensors.csv"] {
            let path = dir + "/" + name
            let text = try String(contentsOfFile: path, encoding: .utf8)
            try text.replacingOccurrences(of: "\n", with: "\r\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
        let result = try SessionAnalyzer(directory: dir).run()
        expectHonest(result, rig, measured: true, "crlf")
    }
}
