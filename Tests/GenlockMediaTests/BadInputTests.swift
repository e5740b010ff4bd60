import Foundation
import GenlockCore
@testable import GenlockMedia
import Glibc
import Testing

@Suite struct BadInputTests {
    /// Rows that no recorder writes (a duplicated, reordered or negative index, a `Tn` that does
    /// not grow) are refused with their line, where framesets once counted them silently.
    @Test(arguments: [
        ("0,100,,,,,,\n0,200,,,,,,\n", "sidecar:3: index 0 follows index 0: indices must strictly increase"),
        ("1,100,,,,,,\n0,200,,,,,,\n", "sidecar:3: index 0 follows index 1: indices must strictly increase"),
        ("-1,100,,,,,,\n", "sidecar:2: index -1 is negative: indices start at 0"),
        ("0,-5,,,,,,\n", "sidecar:2: Tn -5 ns is not after the epoch"),
        ("0,0,,,,,,\n", "sidecar:2: Tn 0 ns is not after the epoch"),
        ("0,200,,,,,,\n1,200,,,,,,\n", "sidecar:3: Tn 200 ns of index 1 is not after the previous row's 200 ns"),
    ])
    func sidecarRowsOutOfOrderAreRefusedWithTheirLine(rows: String, message: String) throws {
        #expect(throws: MediaError.self) { try SidecarFormat.parse(SidecarFormat.header + "\n" + rows, path: "sidecar") }
        do { _ = try SidecarFormat.parse(SidecarFormat.header + "\n" + rows, path: "sidecar") } catch { #expect("\(error)" == message) }
        #expect(try SidecarFormat.parse(SidecarFormat.header + "\n0,100,,,,,,\n3,200,,,,,,\n", path: "sidecar").map(\.index) == [0, 3])
    }

    /// A sidecar copied through a tool that converts line ends reads as the same rows; a torn last
    /// line is still torn.
    @Test func aSidecarWithCRLFLineEndsReadsTheSameRows() throws {
        let text = SidecarFormat.header + "\n0,100,5,100,20,1,2,\n3,200,,,,,,\n"
        let crlf = text.replacingOccurrences(of: "\n", with: "\r\n")
        #expect(try SidecarFormat.parse(crlf, path: "sidecar") == SidecarFormat.parse(text, path: "sidecar"))
        #expect(try SidecarFormat.parse(crlf, path: "sidecar").map(\.index) == [0, 3])
        #expect(throws: MediaError.self) { try SidecarFormat.parse(String(crlf.dropLast()), path: "sidecar") }
    }

    @Test func oddSizesAreRejectedForSubsampledLayoutsOnly() throws {
        #expect(throws: MediaError.self) {
            try RecordingConfiguration(width: 641, height: 480, layout: .yuv420p, epoch: Support.epoch).validate()
        }
        #expect(throws: MediaError.self) {
            try RecordingConfiguration(width: 640, height: 481, layout: .nv12, epoch: Support.epoch).validate()
        }
        try RecordingConfiguration(width: 641, height: 481, layout: .gray8, epoch: Support.epoch).validate()
        let message = "\(MediaError.invalidFrameSize(width: 641, height: 480, reason: "x"))"
        #expect(message.contains("641x480"))
    }

    @Test func unknownCodecAndPixelFormatNamesSayWhatIsAccepted() throws {
        #expect(throws: MediaError.unknownCodec("h265")) { try VideoCodec(parsing: "h265") }
        #expect("\(MediaError.unknownCodec("h265"))" == "unknown codec 'h265' (expected x264, ffv1 or raw)")
        #expect(throws: MediaError.unknownPixelLayout("rgb24")) { try PixelLayout(parsing: "rgb24") }
        let parsed = try VideoCodec(parsing: "libx264")
        #expect(parsed == .x264)
    }

    @Test func framesThatDoNotMatchTheRecordingAreRefusedAndEarlierFramesKept() throws {
        let root = Support.scratch("mismatch")
        defer { Support.remove(root) }
        let rate = try FrameRate(parsing: "30")
        let recorder = try CameraRecorder(directory: root, camera: "cam1", configuration: RecordingConfiguration(
            codec: .ffv1, width: 320, height: 240, frameRate: rate, epoch: Support.epoch))
        try Support.record(recorder, count: 2, rate: rate)
        #expect(throws: MediaError.self) {
            try recorder.append(VideoFrame(width: 160, height: 120, layout: .yuv420p), record: FrameRecord(index: 2, scheduled: Support.epoch))
        }
        var short = VideoFrame(width: 320, height: 240, layout: .yuv420p)
        short.planes[1].bytes.removeLast()
        #expect(throws: MediaError.self) { try recorder.append(short, record: FrameRecord(index: 2, scheduled: Support.epoch)) }
        try recorder.finish()
        #expect(try Support.probeFrameCount(recorder.files.video(segment: nil)) == 2)
    }

    @Test func anOutputFolderUnderAFileIsAClearError() throws {
        let root = Support.scratch("unwritable")
        defer { Support.remove(root) }
        _ = FileManager.default.createFile(atPath: root + "/file", contents: Data())
        #expect {
            _ = try SessionRecorder(outputRoot: root + "/file/recordings", session: "s")
        } throws: { error in
            "\(error)" == "cannot create output folder \(root)/file: Not a directory"
        }
    }

    @Test(.enabled(if: geteuid() == 0, "mounting a tmpfs needs root"))
    func aReadOnlyFolderIsAClearError() throws {
        let point = try #require(Support.mountTmpfs(kilobytes: 64))
        defer { Support.unmount(point) }
        #expect(mount("tmpfs", point, "tmpfs", UInt(MS_REMOUNT | MS_RDONLY), "size=64k") == 0)
        #expect {
            _ = try SessionRecorder(outputRoot: point + "/out", session: "s")
        } throws: { error in
            "\(error)".hasPrefix("cannot create output folder \(point)/out: Read-only file system")
        }
    }

    @Test(.enabled(if: geteuid() == 0, "mounting a tmpfs needs root"))
    func aFullDiskStopsTheRecordingKeepingEveryFlushedFrame() throws {
        // Raw 320x240 yuv420p frames are 115,200 bytes: a 2 MiB disk holds about 17 of them.
        let point = try #require(Support.mountTmpfs(kilobytes: 2048))
        defer { Support.unmount(point) }
        let rate = try FrameRate(parsing: "30")
        let recorder = try CameraRecorder(directory: point + "/s", camera: "cam1", configuration: RecordingConfiguration(
            codec: .raw, width: 320, height: 240, frameRate: rate, epoch: Support.epoch, flushInterval: .milliseconds(1)))
        var failure: MediaError?
        do { try Support.record(recorder, count: 100, rate: rate) } catch let error as MediaError { failure = error }
        let error = try #require(failure)
        #expect(error.isNoSpace, "\(error)")
        #expect("\(error)".contains("No space left on device"))
        #expect(throws: MediaError.closed(path: recorder.files.sidecar)) { try Support.record(recorder, first: 100, count: 1, rate: rate) }
        try recorder.finish()

        // Every frame the sidecar calls recorded is in the file (each was flushed before its row).
        let rows = try SidecarFormat.parse(Support.read(recorder.files.sidecar), path: "sidecar")
        let recorded = rows.filter(\.isRecorded)
        #expect(recorded.count >= 5)
        #expect(rows.last?.flags.contains(.dropped) == true)
        let video = recorder.files.video(segment: nil)
        #expect(try Support.probeFrameCount(video) == recorded.count)
        let reader = try RecordingReader(path: video, sidecar: recorder.files.sidecar)
        let frames = try reader.readAll()
        #expect(frames.map(\.index) == recorded.map { Optional($0.index) })
    }
}

@Suite struct LineFileTests {
    @Test(.enabled(if: geteuid() == 0, "mounting a tmpfs needs root"))
    func aShortWriteOnAFullDiskIsTakenBackSoNoLineIsTorn() throws {
        // One 4 KiB page: the 41st line of 100 bytes fits only partly (96 bytes).
        let point = try #require(Support.mountTmpfs(kilobytes: 4))
        defer { Support.unmount(point) }
        let file = try LineFile(creating: point + "/lines.csv", header: nil)
        let line = String(repeating: "x", count: 99) + "\n"
        var written = 0
        var failure: MediaError?
        while written < 1000 {
            do { try file.append(line) } catch { failure = error; break }
            written += 1
        }
        file.close()
        #expect(failure?.isNoSpace == true)
        #expect(written == 40)
        let text = Support.read(point + "/lines.csv")
        #expect(text.utf8.count == 40 * 100)
        #expect(text.hasSuffix("\n"))
    }
}
