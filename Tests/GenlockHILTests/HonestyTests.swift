import GenlockCore
@testable import GenlockHIL
@testable import GenlockHILMedia
import Testing

/// Inputs that once gave a confident wrong number: each now gives the right one or none.
@Suite("HIL analyzer: no confident wrong number")
struct HonestyTests {
    private func camera(_ name: String, shutter: Shutter = .global, _ estimates: [(Int64, Double)], sigmaNs: Double = 600) -> CameraAnalysis {
        CameraAnalysis(name: name, shutter: shutter, lineTimeNs: nil, lineTimeSigmaNs: nil, lineTimeEstimated: false, region: nil,
                       litFrames: estimates.count, estimates: estimates.map { FrameEstimate(index: $0.0, offsetNs: $0.1, sigmaNs: sigmaNs, edges: 2, flash: 0) },
                       diagnostics: [])
    }

    /// Camera b drifts 12.5 µs per frame and has no estimate at a's index 10: its offset there is
    /// read off the line through its neighbours, not taken from its nearest frame (12.5 µs off,
    /// 20σ of the sample's uncertainty).
    @Test func aDriftingCameraIsPairedOnItsLineNotItsNearestFrame() throws {
        let drift = { (n: Int64) in 1_000 + 12_500 * Double(n) }
        let a = camera("a", [(10, 0)])
        let b = camera("b", [8, 9, 11, 12].map { ($0, drift($0)) })
        let pair = PairSkew(a: a, b: b, window: SessionAnalysis.globalPairWindowFrames)
        let sample = try #require(pair.samples.first)
        #expect(pair.samples.count == 1 && sample.index == 10 && sample.interpolated)
        #expect(abs(sample.skewNs - (0 - drift(10))) <= 3 * sample.sigmaNs, "skew \(sample.skewNs), truth \(-drift(10)), σ \(sample.sigmaNs)")
        // Off the line (b jumps by 40 µs), or with b on one side only: no sample at all.
        let jumpy = camera("b", [(8, 0), (9, 40_000), (11, 0), (12, 40_000)])
        #expect(PairSkew(a: a, b: jumpy, window: SessionAnalysis.globalPairWindowFrames).samples.isEmpty)
        let oneSided = camera("b", [7, 8, 9].map { ($0, drift($0)) })
        #expect(PairSkew(a: a, b: oneSided, window: SessionAnalysis.globalPairWindowFrames).samples.isEmpty)
    }

    /// A global shutter scales one shape (the diffuser's) from frame to frame; a rolling shutter's
    /// lit rows are a band that moves with the flash instant.
    @Test func bandsThatMoveAreNotAGlobalShutter() {
        let rows = 40
        let diffuser = (0..<rows).map { row in Float(60 - abs(row - 20)) }
        let global = (0..<6).map { i -> (index: Int64, excess: [Float], plateau: Float) in
            let scale = Float(0.3 + 0.1 * Double(i))
            let excess = diffuser.enumerated().map { $1 * scale + ($0 % 3 == 0 ? 0.4 : -0.3) }
            return (Int64(i), excess, 60 * scale)
        }
        #expect(ShutterShapeCheck.bandedFrames(global, threshold: 4) == ([], 6))
        let rolling = (0..<6).map { i -> (index: Int64, excess: [Float], plateau: Float) in
            let start = 4 + 5 * i
            return (Int64(i), (0..<rows).map { $0 >= start && $0 < start + 8 ? 50 : 0 }, 50)
        }
        #expect(ShutterShapeCheck.bandedFrames(rolling, threshold: 4).banded == (0..<6).map(Int64.init))
    }

    /// Frame n is one instant on every camera: a sidecar whose `Tn` was shifted by 300 µs paired
    /// exposures against different instants, a skew 300 µs off with 0.3 µs of stated uncertainty.
    @Test func sidecarsThatDisagreeOnTnAreRefused() throws {
        func input(_ name: String, shiftNs: Int64) -> CameraInput {
            let frames = (0..<4).map { n in
                FrameMeta(index: Int64(n), scheduled: RealtimeInstant(nanosecondsSinceEpoch: 1_800_000_000_000_000_000 + Int64(n) * 33_333_333 + (n >= 2 ? shiftNs : 0)),
                          sensorStart: nil, exposure: nil, recorded: true)
            }
            return CameraInput(name: name, shutter: .rolling, lineTimePs: nil, frames: frames, candidates: [], decodedFrames: 4, clipLuma: 235)
        }
        #expect(throws: Never.self) { try SessionAnalyzer.checkSchedules([input("cam1", shiftNs: 0), input("cam2", shiftNs: 0)], directory: "s") }
        #expect {
            try SessionAnalyzer.checkSchedules([input("cam1", shiftNs: 0), input("cam2", shiftNs: 300_000)], directory: "s")
        } throws: { error in
            "\(error)".contains("s: cam2 says index 2 is at 1800000000066966666 ns and cam1 at 1800000000066666666 ns")
        }
    }
}
