import Foundation
import GenlockCore
@testable import GenlockMedia
import Glibc
import Testing

/// `genlock record` as a real child process: signals, SIGKILL, bad arguments.
@Suite(.serialized) struct RecordCommandTests {
    /// Starts `genlock record` recording (practically) forever at 30 fps.
    func startRecording(_ root: String, codec: String = "x264", extra: [String] = []) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Support.genlock)
        process.arguments = ["record", "--synthetic", "--fps", "30", "--start-in", "200ms", "--frames", "1000000",
                             "--out", root, "--session", "s", "--codec", codec, "--size", "320x240", "--quiet",
                             "--flush-interval", "200ms"] + extra
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Waits (bounded) until the sidecar has at least `rows` rows.
    func waitForRows(_ sidecar: String, _ rows: Int) -> Bool {
        for _ in 0..<600 {  // at most 60 s
            if Support.read(sidecar).split(separator: "\n").count > rows { return true }
            usleep(100_000)
        }
        return false
    }

    @Test func sigkillMidRecordingLeavesAReadableFileAndAnUntornSidecar() throws {
        let root = Support.scratch("kill")
        defer { Support.remove(root) }
        let files = CameraFiles(directory: root + "/s", camera: "cam1")
        let process = try startRecording(root)
        let ready = waitForRows(files.sidecar, 40)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(ready)
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL)

        // The sidecar parses: every row whole (a torn last line would be rejected).
        let rows = try SidecarFormat.parse(Support.read(files.sidecar), path: files.sidecar)
        #expect(rows.count >= 40)
        #expect(rows.map(\.index) == Array(0..<Int64(rows.count)))

        // A loaded machine may skip or drop a frame; those are rows too, but not in the video.
        let recorded = rows.filter(\.isRecorded).map(\.index)
        let video = files.video(segment: nil)
        let probed = try #require(try Support.probeFrameCount(video))
        let pts = try Support.probePTS(video)
        #expect(pts.count == probed && pts.strictlyIncreasing)
        // Rows are written after their frame's cluster flush was due, so at most the frames
        // since the last flush (200 ms = 6 frames) can be missing from the file.
        #expect(probed >= recorded.count - 7 && probed <= recorded.count + 7)

        let reader = try RecordingReader(path: video, sidecar: files.sidecar)
        let frames = try reader.readAll()
        #expect(frames.count == probed)
        #expect(frames.map(\.pts) == pts)
        for frame in frames where frame.index != nil {
            let code = try #require(TestPattern.decode(frame.frame))
            #expect(frame.index == code.index)
        }
        // The video is the recorded rows up to the last flush, each joined to its own row.
        let joined = frames.compactMap(\.index)
        #expect(joined == Array(recorded.prefix(joined.count)))
        #expect(joined.count >= min(frames.count, recorded.count))
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func sigintAndSigtermFinalizeTheRecording(signalNumber: Int32) throws {
        let root = Support.scratch("term")
        defer { Support.remove(root) }
        let files = CameraFiles(directory: root + "/s", camera: "cam1")
        let process = try startRecording(root, codec: "ffv1")
        let ready = waitForRows(files.sidecar, 15)
        kill(process.processIdentifier, signalNumber)
        process.waitUntilExit()
        #expect(ready)
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)

        let rows = try SidecarFormat.parse(Support.read(files.sidecar), path: files.sidecar)
        #expect(rows.map(\.index) == Array(0..<Int64(rows.count)))
        // A loaded machine may skip or drop a frame; those are rows too, but not in the video.
        let recorded = rows.filter(\.isRecorded)
        let dropped = rows.count { $0.flags.contains(.dropped) }
        let skipped = rows.count { $0.flags.contains(.skipped) }
        let video = files.video(segment: nil)
        #expect(try Support.probeFrameCount(video) == recorded.count)
        #expect(try Support.probePTS(video).strictlyIncreasing)
        // Finalized: the summary exists and agrees with the file.
        let summary = Support.read(root + "/s/summary.csv").split(separator: "\n")
        #expect(summary.count == 2)
        #expect(summary.last == "cam1,1,\(recorded.count),\(dropped),\(skipped),\(recorded.first?.index ?? -1),\(recorded.last?.index ?? -1),0")
        let timecodes = Support.read(files.timecodes).split(separator: "\n")
        #expect(timecodes.count == recorded.count + 1)
    }

    @Test func aRecordingRunsToItsStopIndexWithEveryFrame() throws {
        let root = Support.scratch("cli")
        defer { Support.remove(root) }
        let result = try Support.run(Support.genlock, [
            "record", "--synthetic", "--fps", "30", "--start-in", "200ms", "--frames", "20", "--out", root,
            "--session", "s", "--codec", "raw", "--size", "160x120", "--pixel-format", "gray8",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        // Every index 0..<20 has a row; on a loaded machine some may be skipped or dropped,
        // and the summary line and the file say so consistently.
        let rows = try SidecarFormat.parse(Support.read(root + "/s/cam1.frames.csv"), path: "sidecar")
        #expect(rows.map(\.index) == Array(0..<20))
        let summary = CameraSummary(camera: "cam1", records: rows)
        #expect(result.stdout.contains("summary [cam1]: \(summary)"), "\(result.stdout)")
        #expect(try Support.probeFrameCount(root + "/s/cam1.mkv") == summary.recorded)
        #expect(summary.recorded + summary.dropped + summary.skipped == 20)
    }

    @Test(arguments: [
        (["--codec", "h265"], "unknown codec 'h265' (expected x264, ffv1 or raw)"),
        (["--size", "641x480"], "invalid frame size 641x480"),
        (["--size", "640x480", "--pixel-format", "nv12", "--size", "640x479"], "must be even"),
        (["--pixel-format", "rgb"], "unknown pixel format 'rgb'"),
    ])
    func badArgumentsAreOneLineErrors(arguments: [String], message: String) throws {
        let root = Support.scratch("args")
        defer { Support.remove(root) }
        let result = try Support.run(Support.genlock, [
            "record", "--synthetic", "--fps", "30", "--frames", "5", "--out", root, "--session", "s",
        ] + arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: root + "/s"))
    }

    @Test func anUnwritableOutputFolderIsAClearError() throws {
        let root = Support.scratch("unwritable-cli")
        defer { Support.remove(root) }
        _ = FileManager.default.createFile(atPath: root + "/file", contents: Data())
        let result = try Support.run(Support.genlock, [
            "record", "--synthetic", "--fps", "30", "--frames", "5", "--out", root + "/file/rec", "--session", "s",
        ])
        #expect(result.status == 1)
        #expect(result.stderr == "genlock: error: cannot create output folder \(root)/file: Not a directory\n")
    }

    @Test(.enabled(if: geteuid() == 0, "mounting a tmpfs needs root"))
    func aFullDiskEndsTheCommandWithAnErrorAndKeepsTheFrames() throws {
        let point = try #require(Support.mountTmpfs(kilobytes: 1024))
        defer { Support.unmount(point) }
        let result = try Support.run(Support.genlock, [
            "record", "--synthetic", "--fps", "30", "--start-in", "200ms", "--frames", "300", "--out", point,
            "--session", "s", "--codec", "raw", "--size", "320x240", "--quiet", "--flush-interval", "1ms",
        ])
        #expect(result.status == 1)
        #expect(result.stderr.contains("recording failed: cannot write to \(point)/s/cam1.mkv: No space left on device"), "\(result.stderr)")
        let rows = try SidecarFormat.parse(Support.read(point + "/s/cam1.frames.csv"), path: "sidecar")
        let recorded = rows.filter(\.isRecorded).count
        #expect(recorded >= 3)
        #expect(result.stderr.contains("lists \(recorded) frames recorded"), "\(result.stderr)")
        #expect(try Support.probeFrameCount(point + "/s/cam1.mkv") == recorded)
        // Session files are whole or absent: no half-written summary left behind.
        let names = try FileManager.default.contentsOfDirectory(atPath: point + "/s")
        #expect(!names.contains { $0.hasSuffix(".tmp") })
    }
}
