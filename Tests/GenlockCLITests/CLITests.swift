import Foundation
import GenlockCore
import Testing

@Suite("genlock CLI", .serialized)
struct CLITests {
    @Test func schedulePrintsTnAndFirstIndex() throws {
        let tn = try GenlockBinary.run(["schedule", "--t0", "1000", "--fps", "30000/1001", "--index", "1000000000"])
        #expect(tn.status == 0)
        #expect(tn.stdout == "33366666666667666\n")
        let first = try GenlockBinary.run(["schedule", "--t0", "0", "--fps", "30", "--at", "33333334"])
        #expect(first.status == 0)
        #expect(first.stdout == "2\n")
        let exact = try GenlockBinary.run(["schedule", "--t0", "0", "--fps", "30", "--at", "33333333"])
        #expect(exact.stdout == "1\n")
    }

    @Test(arguments: [
        (["camera", "--synthetic", "--fps", "0", "--frames", "3"], "--fps"),
        (["camera", "--synthetic", "--fps", "abc", "--frames", "3"], "--fps"),
        (["camera", "--synthetic", "--fps", "30", "--frames", "-3"], "--frames"),
        (["camera", "--synthetic", "--fps", "30", "--frames", "0"], "--frames"),
        (["camera", "--synthetic", "--fps", "30", "--frames", "3", "--start-in", "soon"], "--start-in"),
        (["camera", "--synthetic", "--fps", "30", "--frames", "3", "--timer", "sundial"], "--timer"),
        (["camera", "--camera", "webcam", "--fps", "30", "--frames", "3"], "--camera"),
        (["camera", "--capture", "phase-locked", "--crystal-ppm", "900", "--fps", "30", "--frames", "3"], "--crystal-ppm"),
        (["camera", "--synthetic", "--coordinator", "no-port", "--key", "k"], "--coordinator: 'no-port' is not HOST:PORT"),
        (["camera", "--synthetic", "--camera", "libcamera", "--fps", "30", "--frames", "3"], "--synthetic and --camera"),
        (["camera", "--camera", "libcamera", "--sensor", "ov5647", "--fps", "30", "--frames", "3"], "--sensor"),
        (["camera", "--camera", "libcamera", "--exposure", "0ms", "--fps", "30", "--frames", "3"], "--exposure"),
        (["camera", "--camera", "libcamera", "--coordinator", "h:1", "--key", "k", "--out", "o", "--size", "640x480"], "--size: libcamera"),
        (["schedule", "--t0", "x", "--fps", "30", "--index", "1"], "--t0"),
        (["schedule", "--t0", "0", "--fps", "30", "--index", "-1"], "--index"),
        (["schedule", "--t0", "0", "--fps", "30"], "--index"),
    ])
    func invalidArgumentsGiveOneLineNamingTheArgument(arguments: [String], name: String) throws {
        let result = try GenlockBinary.run(arguments)
        #expect(result.status != 0)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(result.stderr)")
        #expect(result.stderr.contains(name), "stderr: \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test(arguments: ["nanosleep", "timerfd"])
    func syntheticCameraLogsOneClassicLinePerFrameAndASummary(timer: String) throws {
        let result = try GenlockBinary.run([
            "camera", "--synthetic", "--name", "camX", "--fps", "60", "--start-in", "300ms", "--frames", "12", "--timer", timer,
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let pattern = /^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}\] \[INFO\] \[camX\] frame (\d+) Capture request queued$/
        let frames = result.stdout.split(separator: "\n").compactMap { line in
            (try? pattern.wholeMatch(in: String(line))).map { Int($0.1)! }
        }
        let summary = try #require(result.stdout.split(separator: "\n").last { $0.hasPrefix("summary [camX]") })
        // A loaded machine may skip a frame, but frames are never renumbered or repeated.
        #expect(frames == frames.sorted())
        #expect(Set(frames).count == frames.count)
        #expect(frames.allSatisfy { (0..<12).contains($0) })
        #expect(summary.contains("frames \(frames.count),"))
        #expect(summary.contains("wake error p50"))
        #expect(summary.contains("realtime lateness p50"))
        #expect(!frames.isEmpty)
    }
}
