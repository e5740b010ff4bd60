import ArgumentParser
import GenlockCore
import GenlockMedia
import GenlockPOSIX
import Glibc

/// `genlock bench-recorder` (hidden): encodes a raw frame file with the recorder as fast as it
/// can, for `Benchmarks/recorder-vs-ffmpeg.sh` to compare with the ffmpeg CLI.
struct BenchRecorderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-recorder",
        abstract: "Benchmark: record a raw frame file as fast as possible.",
        shouldDisplay: false
    )

    @Option(help: "Raw frames, tightly packed (as ffmpeg -f rawvideo writes them).")
    var input: String

    @Option(help: "Output folder; the recording is <out>/bench/bench.mkv.")
    var out: String

    @Option(help: "Frame size WIDTHxHEIGHT.", transform: Parse.frameSize)
    var size: FrameSize

    @Option(name: .customLong("pixel-format"), help: "yuv420p, nv12 or gray8.", transform: Parse.pixelLayout)
    var pixelFormat: PixelLayout = .yuv420p

    @Option(help: "Frame rate of the timestamps.", transform: Parse.frameRate)
    var fps: FrameRate

    @Option(help: "x264, ffv1 or raw.", transform: Parse.codec)
    var codec: VideoCodec = .x264

    @Option(name: .customLong("keyframe-interval"), help: "Frames between keyframes.")
    var keyframeInterval = 30

    func run() throws {
        let layout = pixelFormat
        let planeSizes = (0..<layout.planeCount).map { layout.planeSize($0, width: size.width, height: size.height) }
        let fd = open(input, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CommandFailure("cannot open \(input): \(String(cString: strerror(errno)))") }
        defer { close(fd) }

        let started = PosixClockPair().monotonicNow()
        let epoch = RealtimeInstant(nanosecondsSinceEpoch: 0)
        let schedule = FrameSchedule(start: epoch, rate: fps)
        let recorder: CameraRecorder
        do {
            recorder = try SessionRecorder(outputRoot: out, session: "bench").camera("bench", configuration: RecordingConfiguration(
                codec: codec, width: size.width, height: size.height, layout: layout, frameRate: fps, epoch: epoch,
                keyframeInterval: keyframeInterval))
        } catch {
            throw CommandFailure("\(error)")
        }
        var index: Int64 = 0
        // Frames are read straight into plane buffers that are reused: once the recorder has
        // copied a frame, the buffers are uniquely referenced again and refilled in place.
        var planes = planeSizes.map { [UInt8](repeating: 0, count: $0.rowBytes * $0.rows) }
        reading: while true {
            for plane in planes.indices {
                let got = try readFull(fd, &planes[plane])
                if got == 0, plane == 0 { break reading }
                guard got == planes[plane].count else { throw CommandFailure("\(input): a partial frame at the end") }
            }
            do {
                let frame = VideoFrame(width: size.width, height: size.height, layout: layout,
                                       planes: zip(planes, planeSizes).map { .init(bytes: $0, stride: $1.rowBytes) })
                try recorder.append(frame, record: FrameRecord(index: index, scheduled: try schedule.deadline(of: index)))
            } catch {
                throw CommandFailure("\(error)")
            }
            index += 1
        }
        do { try recorder.finish() } catch { throw CommandFailure("\(error)") }
        let elapsed = PosixClockPair().monotonicNow() - started
        Console.out("recorder: \(index) frames \(size) \(layout) \(codec) in \(TimeSpanFormat.text(elapsed.nanoseconds))")
    }

    private func readFull(_ fd: Int32, _ buffer: inout [UInt8]) throws -> Int {
        var total = 0
        while total < buffer.count {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + total, $0.count - total) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw CommandFailure("cannot read \(input): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            total += n
        }
        return total
    }
}
