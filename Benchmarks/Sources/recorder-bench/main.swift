import ArgumentParser
import GenlockCore
import GenlockMedia
import GenlockPOSIX
import Glibc

/// Encodes a raw frame file with Genlock's recorder as fast as it can, for
/// `Benchmarks/recorder-vs-ffmpeg.sh` to compare with the ffmpeg CLI on the same frames and
/// settings. Prints one line, e.g.
///
///     recorder: 600 frames 1280x720 yuv420p x264 in 2.015 s
struct RecorderBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recorder-bench",
        abstract: "Record a raw frame file as fast as possible (the recorder's side of recorder-vs-ffmpeg.sh)."
    )

    @Option(help: "Raw frames, tightly packed (as ffmpeg -f rawvideo writes them).")
    var input: String

    @Option(help: "Output folder; the recording is <out>/bench/bench.mkv.")
    var out: String

    @Option(help: "Frame size WIDTHxHEIGHT.", transform: FrameSize.init(parsing:))
    var size: FrameSize

    @Option(name: .customLong("pixel-format"), help: "yuv420p, nv12 or gray8.", transform: { try PixelLayout(parsing: $0) })
    var pixelFormat: PixelLayout = .yuv420p

    @Option(help: "Frame rate of the timestamps.", transform: { try FrameRate(parsing: $0) })
    var fps: FrameRate

    @Option(help: "x264, ffv1 or raw.", transform: { try VideoCodec(parsing: $0) })
    var codec: VideoCodec = .x264

    @Option(name: .customLong("keyframe-interval"), help: "Frames between keyframes.")
    var keyframeInterval = 30

    func run() throws {
        let layout = pixelFormat
        let planeSizes = (0..<layout.planeCount).map { layout.planeSize($0, width: size.width, height: size.height) }
        let fd = open(input, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure("cannot open \(input): \(String(cString: strerror(errno)))") }
        defer { close(fd) }

        let started = PosixClockPair().monotonicNow()
        let epoch = RealtimeInstant(nanosecondsSinceEpoch: 0)
        let schedule = FrameSchedule(start: epoch, rate: fps)
        let recorder = try SessionRecorder(outputRoot: out, session: "bench").camera("bench", configuration: RecordingConfiguration(
            codec: codec, width: size.width, height: size.height, layout: layout, frameRate: fps, epoch: epoch,
            keyframeInterval: keyframeInterval))
        var index: Int64 = 0
        // Frames are read straight into plane buffers that are reused: once the recorder has
        // copied a frame, the buffers are uniquely referenced again and refilled in place.
        var planes = planeSizes.map { [UInt8](repeating: 0, count: $0.rowBytes * $0.rows) }
        reading: while true {
            for plane in planes.indices {
                let got = try readFull(fd, &planes[plane])
                if got == 0, plane == 0 { break reading }
                guard got == planes[plane].count else { throw Failure("\(input): a partial frame at the end") }
            }
            let frame = VideoFrame(width: size.width, height: size.height, layout: layout,
                                   planes: zip(planes, planeSizes).map { .init(bytes: $0, stride: $1.rowBytes) })
            try recorder.append(frame, record: FrameRecord(index: index, scheduled: try schedule.deadline(of: index)))
            index += 1
        }
        try recorder.finish()
        let elapsed = PosixClockPair().monotonicNow() - started
        print("recorder: \(index) frames \(size) \(layout) \(codec) in \(TimeSpanFormat.text(elapsed.nanoseconds))")
    }

    private func readFull(_ fd: Int32, _ buffer: inout [UInt8]) throws -> Int {
        var total = 0
        while total < buffer.count {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + total, $0.count - total) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw Failure("cannot read \(input): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            total += n
        }
        return total
    }
}

/// A frame size from the command line.
struct FrameSize: CustomStringConvertible {
    var width: Int
    var height: Int

    /// `WIDTHxHEIGHT`, such as `1280x720`.
    init(parsing text: String) throws {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]) else {
            throw Failure("'\(text)' is not a frame size such as 1280x720")
        }
        guard (1...16_384).contains(width), (1...16_384).contains(height) else {
            throw Failure("\(width)x\(height) is outside 1x1...16384x16384")
        }
        self.width = width
        self.height = height
    }

    var description: String { "\(width)x\(height)" }
}

/// An error whose description is its message.
struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

RecorderBench.main()
