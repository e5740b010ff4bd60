import Foundation
import GenlockCore
@testable import GenlockMedia
import Testing

/// The preview renderer on a real x264 recording made by the project's own recorder: packets read
/// back undecoded (as a stream carries them), decoded, scaled and encoded as JPEG once a second.
@Suite struct PreviewRendererTests {
    /// One recorded packet with the sidecar row it belongs to.
    struct IndexedPacket {
        var packet: EncodedPacket
        var index: Int64
        var scheduledNs: Int64
    }

    /// Records 90 test-pattern frames (3 s at 30 fps) as x264 and reads the packets back undecoded
    /// (`PacketReader`, what the node back-fills the ingest from), each joined to its row by PTS.
    static func recordedPackets(_ root: String) throws -> (EncodedStreamParameters, [IndexedPacket], CameraRecorder) {
        let rate = try FrameRate(parsing: "30")
        let session = try SessionRecorder(outputRoot: root, session: "s")
        let recorder = try session.camera("cam1", configuration: RecordingConfiguration(
            codec: .x264, width: 640, height: 480, layout: .yuv420p, frameRate: rate, epoch: Support.epoch))
        try Support.record(recorder, first: 0, count: 90, rate: rate)
        try recorder.finish()
        let rows = try SidecarFormat.parse(Support.read(recorder.files.sidecar), path: "sidecar")
        let clock = PresentationClock(epoch: Support.epoch)
        var byPTS: [Int64: FrameRecord] = [:]
        for row in rows where row.isRecorded { byPTS[clock.pts(of: row.scheduled)] = row }
        let reader = try PacketReader(path: recorder.files.video(segment: nil))
        let packets = try reader.all().map { packet in
            let row = try #require(byPTS[packet.pts], "a packet at PTS \(packet.pts) ms has no sidecar row")
            return IndexedPacket(packet: packet, index: row.index, scheduledNs: row.scheduled.nanosecondsSinceEpoch)
        }
        let parameters = EncodedStreamParameters(codec: .x264, width: reader.width, height: reader.height, layout: .yuv420p, extradata: reader.extradata)
        return (parameters, packets, recorder)
    }

    @Test func oneJPEGASecondOfTheRightFrameFromX264Packets() throws {
        let root = Support.scratch("preview")
        defer { Support.remove(root) }
        let (parameters, packets, recorder) = try Self.recordedPackets(root)
        #expect(parameters.width == 640 && parameters.height == 480 && !parameters.extradata.isEmpty)
        #expect(packets.map(\.index) == Array(0..<90))
        #expect(packets.first?.packet.isKeyframe == true)

        let renderer = try PreviewRenderer(parameters: parameters, maximumWidth: 320)
        var previews: [PreviewImage] = []
        for packet in packets {
            // Packets arrive at the frame rate: packet n at n/30 s on the monotonic clock.
            let now = MonotonicInstant(nanoseconds: 5_000_000_000 + packet.index * 1_000_000_000 / 30)
            if let image = try renderer.consume(packet.packet, index: packet.index, scheduledNs: packet.scheduledNs, now: now) { previews.append(image) }
        }
        // Due at 0 s, then at the first frame at least 1 s later: frames 0, 30, 60.
        #expect(previews.map(\.index) == [0, 30, 60])
        let schedule = FrameSchedule(start: Support.epoch, rate: try FrameRate(parsing: "30"))
        #expect(try previews.map(\.scheduledNs) == [0, 30, 60].map { try schedule.deadline(of: $0).nanosecondsSinceEpoch })
        for image in previews {
            #expect(image.width == 320 && image.height == 240)
            #expect(image.jpeg.prefix(2) == [0xFF, 0xD8] && image.jpeg.suffix(2) == [0xFF, 0xD9])
        }

        // The JPEG of frame 30 shows frame 30: closer to frame 30's own pixels than to frame 0's.
        let preview = try Self.grayPixels(jpeg: previews[1].jpeg, root: root)
        let frames = try RecordingReader(path: recorder.files.video(segment: nil), sidecar: recorder.files.sidecar).readAll()
        let own = Self.downsampledLuma(frames[30].frame), other = Self.downsampledLuma(frames[0].frame)
        #expect(preview.count == own.count)
        let nearOwn = Self.meanAbsoluteDifference(preview, own), nearOther = Self.meanAbsoluteDifference(preview, other)
        #expect(nearOwn < nearOther, "preview of frame 30: mean difference \(nearOwn) to frame 30, \(nearOther) to frame 0")
        // Not blank: the pattern has dark and light.
        #expect((preview.max() ?? 0) - (preview.min() ?? 0) > 64)
    }

    @Test func aDecodedFrameRendersToo() throws {
        let frame = TestPattern.render(index: 7, scheduledNs: 0, width: 640, height: 480, layout: .nv12)
        let renderer = try PreviewRenderer(parameters: EncodedStreamParameters(codec: .raw, width: 640, height: 480, layout: .nv12, extradata: []), maximumWidth: 160)
        let image = try renderer.render(frame, index: 7, scheduledNs: 0)
        #expect(image.width == 160 && image.height == 120 && image.jpeg.prefix(2) == [0xFF, 0xD8])
    }

    @Test func aStreamWithoutPicturesIsRefusedByName() {
        // Codec and layout are enums (no unknown name can reach the renderer); a size is checked.
        #expect(throws: MediaError.invalidFrame("a preview of a 0x480 stream")) {
            _ = try PreviewRenderer(parameters: EncodedStreamParameters(codec: .x264, width: 0, height: 480, layout: .yuv420p, extradata: []))
        }
    }

    @Test func throttleOncePerIntervalOnTheMonotonicClock() {
        var throttle = PreviewThrottle(interval: .seconds(1))
        let at = { (ms: Int64) in MonotonicInstant(nanoseconds: ms * 1_000_000) }
        #expect([0, 500, 999, 1000, 1500, 2100, 2200].map { throttle.due(at: at($0)) } == [true, false, false, true, false, true, false])
    }

    /// ffmpeg's decoding of a JPEG as 8-bit gray.
    static func grayPixels(jpeg: [UInt8], root: String) throws -> [UInt8] {
        let path = root + "/preview.jpg"
        try Data(jpeg).write(to: URL(fileURLWithPath: path))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        process.arguments = ["-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "gray", "-"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return [UInt8](data)
    }

    /// A frame's luma halved in each direction (the preview's 320x240), as full-range levels.
    static func downsampledLuma(_ frame: VideoFrame) -> [UInt8] {
        let plane = frame.planes[0]
        var out: [UInt8] = []
        for y in stride(from: 0, to: frame.height, by: 2) {
            for x in stride(from: 0, to: frame.width, by: 2) {
                let sum = Int(plane.bytes[y * plane.stride + x]) + Int(plane.bytes[y * plane.stride + x + 1])
                    + Int(plane.bytes[(y + 1) * plane.stride + x]) + Int(plane.bytes[(y + 1) * plane.stride + x + 1])
                // Limited range (16…235) to full range, as the JPEG stores it.
                out.append(UInt8(clamping: ((sum / 4) - 16) * 255 / 219))
            }
        }
        return out
    }

    static func meanAbsoluteDifference(_ a: [UInt8], _ b: [UInt8]) -> Double {
        Double(zip(a, b).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(max(1, min(a.count, b.count)))
    }
}
