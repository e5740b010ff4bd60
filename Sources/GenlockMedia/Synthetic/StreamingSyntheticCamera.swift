import GenlockCore
import GenlockHAL
import Synchronization

/// A streaming sensor for machines without a camera: it runs continuously, frame after frame, on
/// its own crystal (off by `crystalPpm` from the machine's), paced by a real deadline timer, and
/// takes a frame duration with each request, as a libcamera sensor does. So phase-locked capture
/// (``PhaseLockDriver``) can run and converge on a laptop: `genlock camera --synthetic --capture
/// phase-locked`, `genlock rig --capture phase-locked`.
///
/// The model, the one the phase lock assumes of a Pi's sensor: frames are back to back; each
/// frame fills the oldest queued request and lasts the lines its duration asks (whole µs, floor
/// division by the line time, as libcamera and Raspberry Pi's IPA do), or as long as the last one when it carries none; a
/// frame with no request queued is produced and lost (its sequence number is skipped). The
/// timestamp is the start of readout, `exposure` after row 0 began to expose (Pi 5 meaning), and
/// the frame is delivered then. Pixels: ``TestPattern`` with the sequence number and the exposure
/// start (the camera does not know which `Tn` the lock will give the frame).
public final class StreamingSyntheticCamera: CaptureSource {
    public let name: String
    public let completions: AsyncStream<CameraCompletion>
    private let continuation: AsyncStream<CameraCompletion>.Continuation
    private let width: Int
    private let height: Int
    private let layout: PixelLayout
    private let timing: SensorTiming
    /// Line time on this sensor's crystal, in picoseconds of the machine's monotonic clock.
    private let lineTimePs: Double
    private let clock: any ClockPair
    private let timer: any DeadlineTimer
    private let state = Mutex(State())

    private struct State {
        var streaming = false
        var stopped = false
        var requests: [(index: Int64, lines: Int64?)] = []
        var sequence: Int64 = 0
        var lines: Int64 = 0
        /// Row 0 of the frame in progress began to expose at this monotonic instant.
        var frameStart = MonotonicInstant(nanoseconds: 0)
        var exposure = TimeSpan.zero
    }

    public init(
        name: String, width: Int, height: Int, layout: PixelLayout = .yuv420p, timing: SensorTiming,
        crystalPpm: Double, clock: any ClockPair, timer: any DeadlineTimer
    ) throws(MediaError) {
        try layout.validate(width: width, height: height)
        self.name = name
        self.width = width
        self.height = height
        self.layout = layout
        self.timing = timing
        self.lineTimePs = Double(timing.lineTimePs) * (1 + crystalPpm * 1e-6)
        self.clock = clock
        self.timer = timer
        (completions, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    /// Starts streaming at the shortest frame duration `settings` allows (until requests say
    /// otherwise), exposing each frame for `settings.exposure`; the first frame begins now.
    public func start(_ settings: ExposureSettings) throws {
        let first = state.withLock { s -> MonotonicInstant? in
            guard !s.streaming, !s.stopped else { return nil }
            s.streaming = true
            s.exposure = settings.exposure
            s.lines = lines(for: settings.frameDurationLimits.lowerBound)
            s.frameStart = clock.monotonicNow()
            return s.frameStart + s.exposure
        }
        guard let first else { return }
        try timer.arm(at: first) { [self] firing in frameEnded(firing) }
    }

    public func queue(_ request: CaptureRequest, frameDuration: TimeSpan?) throws {
        let asked: Int64? = frameDuration.map { self.lines(for: $0) }
        state.withLock { $0.requests.append((index: request.index, lines: asked)) }
    }

    /// Stops streaming: queued requests complete as cancelled, then ``completions`` finishes.
    public func stop() {
        let cancelled = state.withLock { s -> [Int64]? in
            guard !s.stopped else { return nil }
            s.stopped = true
            defer { s.requests.removeAll() }
            return s.requests.map(\.index)
        }
        guard let cancelled else { return }
        timer.cancel()
        for index in cancelled { continuation.yield(.cancelled(index: index)) }
        continuation.finish()
    }

    /// The frame length a duration programs, as libcamera and the Pi IPA turn it into lines.
    private func lines(for duration: TimeSpan) -> Int64 { timing.linesProgrammed(for: duration) }

    /// A frame's readout began: deliver it (if a request waited for it) and arm the next.
    private func frameEnded(_ firing: TimerFiring) {
        let done = state.withLock { s -> (request: (index: Int64, lines: Int64?)?, sequence: Int64, start: MonotonicInstant, next: MonotonicInstant, exposure: TimeSpan)? in
            guard s.streaming, !s.stopped else { return nil }
            let request = s.requests.isEmpty ? nil : s.requests.removeFirst()
            if let lines = request?.lines { s.lines = lines }
            let sequence = s.sequence, start = s.frameStart
            s.sequence += 1
            s.frameStart = start + TimeSpan(nanoseconds: Int64((Double(s.lines) * lineTimePs / 1000).rounded()))
            return (request, sequence, start, s.frameStart + s.exposure, s.exposure)
        }
        guard let done else { return }
        if let request = done.request {
            continuation.yield(.frame(frame(index: request.index, sequence: done.sequence, exposureStart: done.start, exposure: done.exposure)))
        }
        do {
            try timer.arm(at: done.next) { [self] firing in frameEnded(firing) }
        } catch {
            // The timer is gone (shut down): the sensor stops, as a wedged pipeline would.
            stop()
        }
    }

    private func frame(index: Int64, sequence: Int64, exposureStart: MonotonicInstant, exposure: TimeSpan) -> CameraFrame {
        let realtime = clock.sample().realtime(at: exposureStart)
        let image = TestPattern.render(index: sequence, scheduledNs: realtime.nanosecondsSinceEpoch, width: width, height: height, layout: layout)
        return .rendered(image, index: index, sequence: sequence, sensorTimestamp: exposureStart + exposure, wallClock: nil)
    }
}
