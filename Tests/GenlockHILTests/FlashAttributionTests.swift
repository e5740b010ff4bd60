import Foundation
import GenlockCore
import GenlockHIL
import GenlockHILMedia
import Testing

/// A band says where in the frame a flash fell, not which flash: with flashes closer than the
/// reference instant's error, every frame can be given the neighbouring flash consistently and each
/// camera comes out whole flash spacings off, stated to a fraction of a µs. Such estimates are
/// refused (`ambiguous-flash`), and the same sessions with flashes far enough apart are measured.
@Suite("HIL analyzer: which flash lit a frame")
struct FlashAttributionTests {
    /// Rewrites column `sensor_realtime_ns` of `camera`'s sidecar in session `dir`.
    private func editStamps(_ dir: String, camera: String, _ edit: (Int64) -> String) throws {
        let path = dir + "/\(camera).frames.csv"
        var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let column = try #require(lines[0].split(separator: ",").firstIndex(of: "sensor_realtime_ns"))
        for i in lines.indices.dropFirst() where !lines[i].isEmpty {
            var cells = lines[i].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let stamp = try #require(Int64(cells[column]), "the synthetic sidecar has sensor timestamps")
            cells[column] = edit(stamp)
            lines[i] = cells.joined(separator: ",")
        }
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    private func analyze(_ rig: SyntheticRig, edit: (String) throws -> Void) throws -> SessionAnalyzer.Result {
        let dir = try rig.write()
        defer { try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent) }
        try edit(dir)
        return try SessionAnalyzer(directory: dir).run()
    }

    /// Flashes 8.85 ms apart, frames 16.7 ms apart; cam2 exposes 7 ms after `Tn` (request-timed).
    private var denseRig: SyntheticRig {
        var rig = SyntheticRig()
        rig.offsets = [{ _ in 0 }, { _ in 7_000_000 }]
        return rig
    }

    @Test func withoutSensorTimestampsFlashesCloserThanTwoFramesAreRefused() throws {
        let result = try analyze(denseRig) { dir in
            for camera in ["cam1", "cam2"] { try editStamps(dir, camera: camera) { _ in "" } }
        }
        for camera in result.analysis.cameras {
            #expect(camera.estimates.isEmpty, "\(camera.name): \(camera.estimates.prefix(3))")
            #expect(camera.diagnostics.contains { $0.kind == .ambiguousFlash && $0.message.contains("within a frame period") }, "\(camera.diagnostics)")
        }
        #expect(result.analysis.pairs.allSatisfy { $0.statistics == nil })
        #expect(!result.analysis.complete)
    }

    @Test func sensorTimestampsFarFromTheExposureAreRefused() throws {
        // cam2's stamps mark the readout's end (240 rows × 20 µs later): its exposure starts 4.8 ms
        // before them, over half of the 8.85 ms flash spacing.
        let result = try analyze(denseRig) { dir in try editStamps(dir, camera: "cam2") { String($0 + 4_800_000) } }
        let cam1 = try #require(result.analysis.cameras.first { $0.name == "cam1" })
        let cam2 = try #require(result.analysis.cameras.first { $0.name == "cam2" })
        #expect(!cam1.estimates.isEmpty, "\(cam1.diagnostics)")
        #expect(cam2.estimates.isEmpty)
        #expect(cam2.diagnostics.contains { $0.kind == .ambiguousFlash && $0.message.contains("sensor timestamps") }, "\(cam2.diagnostics)")
        #expect(result.analysis.pairs.allSatisfy { $0.statistics == nil })
    }

    @Test func withoutSensorTimestampsFlashesTwoFramesApartAreMeasured() throws {
        var rig = denseRig
        rig.frames = 160
        // 2.53 frame periods: further apart than the whole frame a request-timed start can be off,
        // and not a whole number of frames, so the band walks the frame.
        rig.plan = try FlashPlan(firstFlash: SyntheticRig.t0 + .microseconds(500), width: .microseconds(200),
                                 period: .nanoseconds(SyntheticRig.periodNs * 81 / 32), count: 64, sweepStep: .zero, sweepSteps: 1)
        let result = try analyze(rig) { dir in
            for camera in ["cam1", "cam2"] { try editStamps(dir, camera: camera) { _ in "" } }
        }
        #expect(rig.dishonesty(result).isEmpty, "\(rig.dishonesty(result))")
        #expect(result.analysis.complete, "\(result.analysis.diagnostics)")
        #expect(result.analysis.pairs.allSatisfy { ($0.statistics?.count ?? 0) >= 6 }, "\(result.analysis.pairs.map(\.samples.count))")
    }
}

/// A flash logged late (the flash runner pre-empted between switching the LED and reading the
/// clock) by less than the outlier cut: the frames it lit are off by that much, and their stated
/// uncertainty must cover it.
@Suite("HIL analyzer: a flash logged late")
struct LateFlashLogTests {
    @Test func anEstimateFromALateLoggedFlashStatesAnUncertaintyThatCoversIt() throws {
        var rig = SyntheticRig()
        rig.offsets = [{ _ in 0 }, { _ in 41_000 }]
        let dir = try rig.write()
        defer { try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent) }
        let path = dir + "/" + FlashList.fileName
        let list = try FlashList(csv: try String(contentsOfFile: path, encoding: .utf8), path: path)
        let result0 = try SessionAnalyzer(directory: dir).run()
        // The flash that lit cam1's tenth estimate is logged 35 µs late (1.75 rows of 20 µs).
        let cam1 = try #require(result0.analysis.cameras.first)
        let late = try #require(cam1.estimates.dropFirst(9).first?.flash)
        let shifted = FlashList(list.flashes.map { f in
            f.index == late ? FlashRecord(index: f.index, plannedOn: f.plannedOn, on: f.on + .microseconds(35), off: f.off + .microseconds(35)) : f
        })
        try shifted.csv.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try SessionAnalyzer(directory: dir).run()
        var checked = 0
        for (c, camera) in result.analysis.cameras.enumerated() {
            for e in camera.estimates {
                let error = e.offsetNs - Double(rig.offsets[c](e.index))
                #expect(abs(error) <= max(3 * e.sigmaNs, 1_000), "\(camera.name) index \(e.index) flash \(e.flash): off \(error) ns, stated ± \(e.sigmaNs)")
                if e.flash == late { checked += 1 }
            }
        }
        #expect(checked >= 1, "the late-logged flash lit an estimated frame")
    }
}
