import Foundation
import GenlockCore
import GenlockHIL
import GenlockHILMedia
import GenlockMedia
import Testing

/// Decoding with libavcodec's frame and slice threads must not change a single number: the same
/// session analyzed on one decoder thread and on several gives identical estimates.
@Suite("HIL analyzer: decoder threads")
struct DecoderThreadsTests {
    @Test(arguments: [VideoCodec.x264, .ffv1])
    func oneThreadAndSeveralGiveTheSameAnalysis(codec: VideoCodec) throws {
        var rig = SyntheticRig()
        rig.codec = codec
        rig.offsets = [{ _ in 0 }, { _ in 37_000 }]
        let dir = try rig.write()
        defer { try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent) }
        let single = try SessionAnalyzer(directory: dir, decoderThreads: 1).run()
        let several = try SessionAnalyzer(directory: dir, decoderThreads: 4).run()
        #expect(single.analysis.complete, "\(single.analysis.diagnostics)")
        #expect(single.readings.map(\.decoded) == several.readings.map(\.decoded))
        #expect(single.readings.map(\.decoded).allSatisfy { $0 == rig.frames })
        #expect(single.analysis.cameras.map(\.estimates) == several.analysis.cameras.map(\.estimates))
        #expect(single.analysis.cameras.map(\.region) == several.analysis.cameras.map(\.region))
    }

    @Test func aNegativeThreadCountIsRefused() throws {
        let rig = SyntheticRig()
        let dir = try rig.write()
        defer { try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent) }
        #expect(throws: HILError.self) { try SessionAnalyzer(directory: dir, decoderThreads: -1).run() }
    }
}
