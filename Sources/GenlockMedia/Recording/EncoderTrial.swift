import GenlockCore
import GenlockPOSIX

/// The recorder's x264 encoder (``VideoFileWriter``, exactly as a camera records) fed paced
/// frames under one ``X264Tuning`` and keyframe interval, measured: CPU per frame (every thread of
/// the process, so x264's own threads count), bitrate, and each frame's encode latency (its
/// submission to the moment its packet came out of the encoder, on the monotonic clock). For
/// `Benchmarks/x264-live.sh` (`genlock encode-bench`).
public struct EncoderTrial: Sendable {
    public var tuning: X264Tuning
    public var keyframeInterval: Int
    public var rate: FrameRate
    /// The frames, cycled; rendered by the caller before the trial so their cost is not counted.
    public var frames: [VideoFrame]
    public var count: Int

    public struct Figures: Sendable {
        public var frames: Int
        public var packets: Int
        public var bytes: Int
        public var cpu: TimeSpan
        public var wall: TimeSpan
        /// Per frame, submission → packet out, in frame order.
        public var latencies: [TimeSpan]
        /// Bits per second of video at the trial's frame rate.
        public var bitsPerSecond: Double
    }

    public init(tuning: X264Tuning, keyframeInterval: Int, rate: FrameRate, frames: [VideoFrame], count: Int) {
        self.tuning = tuning
        self.keyframeInterval = keyframeInterval
        self.rate = rate
        self.frames = frames
        self.count = count
    }

    /// Encodes into `path` (a new Matroska file), one frame every period of the rate.
    public func run(to path: String) throws(MediaError) -> Figures {
        guard let first = frames.first, count > 0 else { throw MediaError.invalidFrame("an encoder trial needs frames") }
        let writer = try VideoFileWriter(path: path, settings: .init(
            codec: .x264, width: first.width, height: first.height, layout: first.layout, frameRate: rate,
            keyframeInterval: keyframeInterval, encoderThreads: 0, clusterTimeLimitMilliseconds: 500, metadata: [],
            x264: tuning, keepPackets: true))
        let clock = PosixClockPair()
        var submitted: [Int64: MonotonicInstant] = [:]
        var latencies: [Int64: TimeSpan] = [:]
        var bytes = 0, packets = 0
        func collect(_ at: MonotonicInstant) {
            for packet in writer.takeWrittenPackets() {
                packets += 1
                bytes += packet.data.count
                if let start = submitted.removeValue(forKey: packet.pts) { latencies[packet.pts] = at - start }
            }
        }
        let cpu0 = PosixClockPair.processCPUTime()
        let start = clock.monotonicNow()
        for n in 0..<count {
            let due = start + TimeSpan(nanoseconds: Int64(n) * 1_000_000_000 * rate.denominator / rate.numerator)
            let now = clock.monotonicNow()
            if due > now { FileIO.sleep(for: due - now) }
            let pts = Int64(n) * 1000 * rate.denominator / rate.numerator
            let at = clock.monotonicNow()
            submitted[pts] = at
            try writer.write(frames[n % frames.count], pts: pts)
            collect(clock.monotonicNow())
        }
        try writer.finish()
        // Frames still held by a lookahead come out in the drain at the end: their latency is
        // the time to the end of the drain, as a live stream ending there would see.
        collect(clock.monotonicNow())
        let wall = clock.monotonicNow() - start
        let cpu = PosixClockPair.processCPUTime() - cpu0
        let seconds = Double(count) * Double(rate.denominator) / Double(rate.numerator)
        return Figures(
            frames: count, packets: packets, bytes: bytes, cpu: cpu, wall: wall,
            latencies: latencies.sorted { $0.key < $1.key }.map(\.value), bitsPerSecond: Double(bytes) * 8 / seconds)
    }
}
