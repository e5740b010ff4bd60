import Foundation
import Testing

/// `genlock camera --x264-preset/--x264-tune`: the live settings are the node's to choose. libx264
/// writes the options it ran with into the stream (a SEI message), so the recorded file says which
/// preset encoded it: `cabac=0` is ultrafast's, `cabac=1` every slower preset's; `sliced_threads=1`
/// comes with zerolatency only.
@Suite("genlock camera x264 settings")
struct X264SettingsCLITests {
    private func record(_ extra: [String]) throws -> (status: Int32, stderr: String, options: String?) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-x264-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try GenlockBinary.run(
            ["camera", "--synthetic", "--fps", "30", "--start-in", "300ms", "--frames", "4", "--size", "160x120", "--out", dir.path, "--session", "s"]
                + extra)
        let video = dir.appendingPathComponent("s/cam1.mkv")
        let bytes = (try? Data(contentsOf: video)).map { String(decoding: $0, as: UTF8.self) }
        let options = bytes.flatMap { text in text.range(of: "options: ").map { String(text[$0.upperBound...].prefix(2_000)) } }
        return (result.status, result.stderr, options)
    }

    @Test func theDefaultIsUltrafastWithZeroLatency() throws {
        let run = try record([])
        #expect(run.status == 0, "\(run.stderr)")
        let options = try #require(run.options, "no x264 options in the file")
        #expect(options.contains("cabac=0"))
        #expect(options.contains("sliced_threads=1"))
    }

    @Test func aPresetAndTuneGivenAreTheOnesThatEncode() throws {
        let run = try record(["--x264-preset", "veryfast", "--x264-tune", "none"])
        #expect(run.status == 0, "\(run.stderr)")
        let options = try #require(run.options, "no x264 options in the file")
        #expect(options.contains("cabac=1"))
        #expect(options.contains("sliced_threads=0"))
    }

    @Test func anUnknownPresetIsRefusedBeforeAnythingIsRecorded() throws {
        let run = try record(["--x264-preset", "warpspeed"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("x264 preset 'warpspeed' is unknown"), "\(run.stderr)")
        #expect(run.options == nil)
    }

    /// `genlock encode-bench` (Benchmarks/x264-live.sh) refuses an unknown tune the same way,
    /// before it renders or encodes anything: no output file.
    @Test func encodeBenchRefusesAnUnknownTuneBeforeEncoding() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-bench-\(UUID().uuidString).mkv")
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try GenlockBinary.run(["encode-bench", "--size", "160x120", "--frames", "4", "--tune", "cinema", "--out", out.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--preset/--tune") && result.stderr.contains("'cinema'"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}
