import GenlockCore
import GenlockHAL
import Synchronization

/// A streaming camera in virtual time, modelling what the phase lock depends on:
/// - frames follow each other with no gap, each `lines × line time` long by the sensor's own
///   crystal (a fast crystal makes frames shorter in true time);
/// - requests are filled in order by the next frames to start; a frame starting with no request
///   queued is lost (its sequence number is skipped);
/// - a request's frame duration is turned into lines as libcamera and the Raspberry Pi IPA do
///   (``SensorTiming/linesProgrammed(for:)``: rounded to whole microseconds, floor-divided by the
///   line time, clamped to the mode's limits) and, as libcamera's DelayedControls intends, reaches the frame that fills the request when it
///   was queued at least `controlDelayFrames` before that frame; a request queued later gets it as
///   soon as the sensor allows (`controlDelayFrames` after the frame in progress). It holds until changed;
/// - each frame completes at its sensor timestamp, the start of readout of row 0 (Pi 5 meaning:
///   exposure start + exposure) plus deterministic jitter; the virtual clock moves to that instant.
///
/// True time is the clock's monotonic time. The camera runs in lockstep with its consumer: the
/// next frame is delivered once the previous one is released (the first by
/// ``beginDelivering()``), so a run is deterministic.
public final class ScriptedSensorCamera: CaptureSource {
    /// What the sensor does, and the faults to inject.
    public struct Script: Sendable {
        /// The sensor mode: line time, frame-length limits, control delay.
        public var timing: SensorTiming
        /// The sensor crystal's error, parts per billion.
        public var crystalPpb: Int64
        /// How long row 0 exposes before its readout starts (the sensor timestamp).
        public var exposure: TimeSpan
        /// Timestamps are off by a deterministic amount in [−jitter, +jitter].
        public var jitter: TimeSpan
        /// When frame 0 starts exposing.
        public var firstStart: MonotonicInstant
        /// The frame length before any request changes it.
        public var initialLines: Int64
        /// Sensor frames after which the camera stops delivering (the stream ends).
        public var maxFrames: Int64 = 2_000
        /// The sequence from which the camera delivers nothing more but keeps its stream open (a
        /// wedged pipeline).
        public var stallAt: Int64?
        /// Realtime steps applied just before the frame with that sequence completes.
        public var realtimeSteps: [Int64: TimeSpan] = [:]
        /// Sequences whose request completes as failed.
        public var failing: Set<Int64> = []
        /// Request numbers the camera refuses when they are queued (no free buffer).
        public var refusing: Set<Int64> = []

        /// A sensor in `timing`'s mode whose frame 0 starts at `firstStart`, `initialLines` long;
        /// no faults until the test sets them.
        public init(
            timing: SensorTiming, crystalPpb: Int64 = 0, exposure: TimeSpan = .milliseconds(2), jitter: TimeSpan = .microseconds(2),
            firstStart: MonotonicInstant, initialLines: Int64
        ) {
            self.timing = timing
            self.crystalPpb = crystalPpb
            self.exposure = exposure
            self.jitter = jitter
            self.firstStart = firstStart
            self.initialLines = initialLines
        }
    }

    /// What really happened to one sensor frame.
    public struct Truth: Hashable, Sendable {
        /// The sensor's frame counter.
        public var sequence: Int64
        /// The exposure start of row 0 on the realtime timeline (the offset in force when it completed).
        public var exposureStart: RealtimeInstant
        /// The frame length the sensor ran at.
        public var lines: Int64
    }

    /// How many requests met which end.
    public struct Counts: Hashable, Sendable {
        /// Frames handed to the consumer.
        public var delivered: Int
        /// Delivered frames the consumer released.
        public var released: Int
        /// Requests cancelled by ``stop()``.
        public var cancelled: Int
        /// Requests queued (refused ones excluded).
        public var queued: Int
    }

    /// The scripted camera's refusal of a request.
    public struct Refusal: Error {}

    private struct State {
        var nextSequence: Int64 = 0
        var nextStart: MonotonicInstant
        var lines: Int64
        var pending: [Int64: Int64] = [:]
        var requests: [Int64] = []
        var outstanding = false
        var stopped = false
        var started: ExposureSettings?
        var truths: [Truth] = []
        var programmed: [Int64] = []
        var delivered = 0
        var released = 0
        var cancelled = 0
        var rng: UInt64 = 0x9E37_79B9_7F4A_7C15
    }

    /// A sensor frame that takes a request, decided under the lock and delivered outside it.
    private struct Completing {
        var sequence: Int64
        var request: Int64
        var start: MonotonicInstant
        var stamp: MonotonicInstant
        var lines: Int64
    }

    public let name = "scripted"
    public let completions: AsyncStream<CameraCompletion>
    private let continuation: AsyncStream<CameraCompletion>.Continuation
    private let script: Script
    private let clock: VirtualClockPair
    private let state: Mutex<State>

    /// A camera following `script` whose frames move `clock` to their timestamps.
    public init(_ script: Script, clock: VirtualClockPair) {
        self.script = script
        self.clock = clock
        state = Mutex(State(nextStart: script.firstStart, lines: script.initialLines))
        (completions, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    /// Records the settings; the script already says when frames start and how long they are, and
    /// the test releases the first one with ``beginDelivering()``.
    public func start(_ settings: ExposureSettings) {
        state.withLock { $0.started = settings }
    }

    /// The settings the camera was started with (nil: never started).
    public var started: ExposureSettings? { state.withLock { $0.started } }

    public func queue(_ request: CaptureRequest, frameDuration: TimeSpan?) throws {
        let t = script.timing
        if script.refusing.contains(request.index) { throw Refusal() }
        state.withLock { s in
            guard !s.stopped else { return }
            // The frame this request will fill (the requests ahead of it take the frames before it),
            // and the first frame a change written now can reach (the last one started is in progress).
            let fills = s.nextSequence + Int64(s.requests.count)
            let earliest = max(s.nextSequence - 1 + Int64(t.controlDelayFrames), s.nextSequence)
            s.requests.append(request.index)
            guard let frameDuration else { return }
            let lines = t.linesProgrammed(for: frameDuration)
            s.programmed.append(lines)
            s.pending[max(fills, earliest)] = lines
        }
    }

    public func stop() {
        let cancelled: [Int64] = state.withLock { s in
            guard !s.stopped else { return [] }
            s.stopped = true
            defer { s.requests.removeAll() }
            s.cancelled += s.requests.count
            return s.requests
        }
        for index in cancelled { continuation.yield(.cancelled(index: index)) }
        continuation.finish()
    }

    /// Delivers the first frame after streaming began.
    public func beginDelivering() { deliverNext() }

    /// Every delivered frame's truth, in sequence order.
    public var truths: [Truth] { state.withLock { $0.truths } }
    /// Frame lengths programmed by requests, in the order queued.
    public var programmedLines: [Int64] { state.withLock { $0.programmed } }
    /// How many requests met which end so far.
    public var counts: Counts {
        state.withLock { Counts(delivered: $0.delivered, released: $0.released, cancelled: $0.cancelled, queued: $0.programmed.count) }
    }
    /// Whether ``stop()`` was called.
    public var isStopped: Bool { state.withLock { $0.stopped } }

    private func deliverNext() {
        while true {
            enum Next { case frame(Completing), end, none }
            let next: Next = state.withLock { s in
                guard !s.stopped, !s.outstanding else { return .none }
                if let stall = script.stallAt, s.nextSequence >= stall { return .none }
                while s.nextSequence < script.maxFrames {
                    let sequence = s.nextSequence
                    let start = s.nextStart
                    if let lines = s.pending.removeValue(forKey: sequence) { s.lines = lines }
                    s.nextStart = start + duration(lines: s.lines)
                    s.nextSequence += 1
                    guard !s.requests.isEmpty else { continue }  // no buffer queued: the frame is lost
                    // Held until this frame is delivered (or failed), so no second delivery overtakes it.
                    s.outstanding = true
                    return .frame(Completing(
                        sequence: sequence, request: s.requests.removeFirst(), start: start,
                        stamp: start + script.exposure + noise(&s.rng), lines: s.lines))
                }
                return .end
            }
            guard case .frame(let c) = next else {
                if case .end = next { continuation.finish() }
                return
            }
            // Outside the lock: moving the clock may fire a timer's handler, which may call back in.
            clock.advance(to: c.stamp)
            if let step = script.realtimeSteps[c.sequence] { clock.stepRealtime(by: step) }
            if script.failing.contains(c.sequence) {
                state.withLock { $0.outstanding = false }
                continuation.yield(.failed(index: c.request, reason: "scripted failure"))
                continue
            }
            let exposureStart = clock.sample().realtime(at: c.start)
            state.withLock { s in
                s.truths.append(Truth(sequence: c.sequence, exposureStart: exposureStart, lines: c.lines))
                s.delivered += 1
            }
            continuation.yield(.frame(CameraFrame(index: c.request, sequence: c.sequence, sensorTimestamp: c.stamp, planes: []) { [weak self] in
                self?.released()
            }))
            return
        }
    }

    private func released() {
        state.withLock { s in
            s.outstanding = false
            s.released += 1
        }
        deliverNext()
    }

    /// A frame of `lines` lines in true time: the line time is the sensor crystal's.
    private func duration(lines: Int64) -> TimeSpan {
        .nanoseconds(Int64(Int128(lines) * Int128(script.timing.lineTimePs) * 1_000_000_000 / (1_000_000_000 + Int128(script.crystalPpb)) / 1000))
    }

    /// xorshift64*: deterministic timestamp jitter in [−jitter, +jitter].
    private func noise(_ rng: inout UInt64) -> TimeSpan {
        let jitterNs = script.jitter.nanoseconds
        guard jitterNs > 0 else { return .zero }
        rng ^= rng >> 12; rng ^= rng << 25; rng ^= rng >> 27
        return .nanoseconds(Int64((rng &* 2_685_821_657_736_338_717) % UInt64(2 * jitterNs + 1)) - jitterNs)
    }
}
