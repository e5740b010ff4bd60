import Foundation
import GenlockCore
import GenlockHIL
import GenlockHILMedia
import GenlockMedia
import Testing

/// Cameras decoded side by side (``AnalysisThreads``) must give exactly what one camera after
/// another gives: the same report, the same readings, and on bad input the same error.
@Suite("HIL analyzer: cameras in parallel")
struct ParallelCamerasTests {
    @Test func parallelAndSerialAnalysisGiveTheSameReport() throws {
        var rig = SyntheticRig()
        rig.codec = .x264
        rig.offsets = [{ _ in 0 }, { _ in 37_000 }, { n in -52_000 + 40 * n }]
        let dir = try rig.write()
        defer { try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent) }
        // A budget of two threads for three cameras decodes all three at once, one decoder thread each.
        #expect(AnalysisThreads(threads: 2, cameras: 3, cores: 2) == AnalysisThreads(concurrentCameras: 3, decoderThreads: 1))
        let serial = try SessionAnalyzer(directory: dir, decoderThreads: 1).run()
        #expect(serial.analysis.complete, "\(serial.analysis.diagnostics)")
        #expect(serial.readings.map(\.decoded) == [rig.frames, rig.frames, rig.frames])
        let serialReport = AnalysisReport(session: "s", analysis: serial.analysis, framesDecoded: serial.readings.map(\.decoded))
        for threads in [2, 0] {
            let parallel = try SessionAnalyzer(directory: dir, decoderThreads: threads).run()
            let report = AnalysisReport(session: "s", analysis: parallel.analysis, framesDecoded: parallel.readings.map(\.decoded))
            #expect(report == serialReport, "threads \(threads)")
            #expect(report.text == serialReport.text, "threads \(threads)")
            #expect(parallel.readings.map(\.input.name) == ["cam1", "cam2", "cam3"])
            #expect(parallel.readings.map(\.decoded) == serial.readings.map(\.decoded))
            #expect(parallel.analysis.cameras.map(\.estimates) == serial.analysis.cameras.map(\.estimates))
        }
    }

    /// Two damaged cameras: the error is the first one's in camera order, whichever thread fails first.
    @Test func aParallelRunReportsTheErrorASerialRunStopsAt() throws {
        var rig = SyntheticRig()
        rig.offsets = [{ _ in 0 }, { _ in 0 }, { _ in 0 }]
        let dir = try rig.write()
        defer { try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent) }
        try "frame_index,garbage\n1,2\n".write(toFile: dir + "/cam2.frames.csv", atomically: true, encoding: .utf8)
        try "not a sidecar\n".write(toFile: dir + "/cam3.frames.csv", atomically: true, encoding: .utf8)
        let serial = #expect(throws: HILError.self) { try SessionAnalyzer(directory: dir, decoderThreads: 1).run() }
        let parallel = #expect(throws: HILError.self) { try SessionAnalyzer(directory: dir, decoderThreads: 3).run() }
        #expect(serial?.description.contains("cam2") == true, "\(String(describing: serial))")
        #expect(parallel == serial)
    }

    @Test func theThreadBudgetIsSharedOutBetweenCameras() {
        // One thread, or one camera: unchanged, one decoder at a time with the count as given.
        #expect(AnalysisThreads(threads: 1, cameras: 3, cores: 8) == AnalysisThreads(concurrentCameras: 1, decoderThreads: 1))
        #expect(AnalysisThreads(threads: 0, cameras: 1, cores: 8) == AnalysisThreads(concurrentCameras: 1, decoderThreads: 0))
        #expect(AnalysisThreads(threads: 0, cameras: 3, cores: 1) == AnalysisThreads(concurrentCameras: 1, decoderThreads: 0))
        // Several: up to two cameras per thread at once, the budget shared out rounded up.
        #expect(AnalysisThreads(threads: 0, cameras: 3, cores: 2) == AnalysisThreads(concurrentCameras: 3, decoderThreads: 1))
        #expect(AnalysisThreads(threads: 0, cameras: 3, cores: 8) == AnalysisThreads(concurrentCameras: 3, decoderThreads: 3))
        #expect(AnalysisThreads(threads: 2, cameras: 10, cores: 8) == AnalysisThreads(concurrentCameras: 4, decoderThreads: 1))
        #expect(AnalysisThreads(threads: 4, cameras: 2, cores: 1) == AnalysisThreads(concurrentCameras: 2, decoderThreads: 2))
    }
}
