import GenlockCore
import GenlockHAL
import Synchronization

/// A streaming camera in virtual time, modelling what the phase lock depends on:
/// - frames follow each other with no gap, each `lines × line time` long by the sensor's own
///   crystal (a fast crystal makes frames shorter in true time);
/// - requests are filled in order by the next frames to start; a frame starting with no request
///   queued is lost (its sequence number is skipped);
/// - a request's frame duration is turned into lines as libcamera and the Raspberry Pi IPA do
///   (rounded to whole microseconds, floor-divided by the line time, clamped to the mode's limits)
///   and, as libcamera's DelayedControls intends, reaches the frame that fills the request when it
///   was queued at least `controlDelayFrames` before that frame; a request queued later gets it as
///   soon as the sensor allows (`controlDelayFrames` after the frame in progress). It holds until changed;
/// - each frame completes at its sensor timestamp, the start of readout of row 0 (Pi 5 meaning:
///   exposure start + exposure) plus deterministic jitter; the virtual clock moves to that instant.
///
/// It runs in lockstep with its consumer: the next frame is delivered once the previous one is
/// released (the first by ``beginDelivering()``), so a run is deterministic.
final class ScriptedSensorCamera: FrameDurationCamera {
    struct Script {
        var timing: SensorTiming
        /// The sensor crystal's error, parts per billion.
        var crystalPpb: Int64 = 0
        var exposureNs: Int64 = 2_000_000
        var jitterNs: Int64 = 2_000
        /// True (monotonic) time at which frame 0 starts exposing.
        var firstStartNs: Int64
        /// The frame length before any request changes it.
        var initialLines: Int64
        /// Sensor frames after which the camera stops delivering (the stream ends).
        var maxFrames: Int64 = 2_000
        /// The sequence from which the camera delivers nothing more but keeps its stream open (a
        /// wedged pipeline).
        var stallAt: Int64?
        /// Realtime steps (ns) applied just before the frame with that sequence completes.
        var realtimeSteps: [Int64: Int64] = [:]
        /// Sequences whose request completes as failed.
        var failing: Set<Int64> = []
        /// Request numbers the camera refuses when they are queued (no free buffer).
        var refusing: Set<Int64> = []
    }

    /// What really happened to one sensor frame.
    struct Truth {
        var sequence: Int64
        /// The exposure start of row 0 on the realtime timeline (the offset in force when it completed).
        var exposureStart: RealtimeInstant
        var lines: Int64
    }

    private struct State {
        var nextSequence: Int64 = 0
        var nextStartNs: Int64
        var lines: Int64
        var pending: [Int64: Int64] = [:]
        var requests: [Int64] = []
        var outstanding = false
        var stopped = false
        var truths: [Truth] = []
        var programmed: [Int64] = []
        var delivered = 0
        var released = 0
        var cancelled = 0
        var rng: UInt64 = 0x9E37_79B9_7F4A_7C15
    }

    let name = "scripted"
    let completions: AsyncStream<CameraCompletion>
    private let continuation: AsyncStream<CameraCompletion>.Continuation
    private let script: Script
    private let clock: VirtualClock
    private let state: Mutex<State>

    init(_ script: Script, clock: VirtualClock) {
        self.script = script
        self.clock = clock
        state = Mutex(State(nextStartNs: script.firstStartNs, lines: script.initialLines))
        (completions, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    func queue(_ request: CaptureRequest) throws { try queue(request, frameDuration: nil) }

    func queue(_ request: CaptureRequest, frameDuration: TimeSpan?) throws {
        let t = script.timing
        if script.refusing.contains(request.index) { throw ScriptedRefusal() }
        state.withLock { s in
            guard !s.stopped else { return }
            // The frame this request will fill (the requests ahead of it take the frames before it),
            // and the first frame a change written now can reach (the last one started is in progress).
            let fills = s.nextSequence + Int64(s.requests.count)
            let earliest = max(s.nextSequence - 1 + Int64(t.controlDelayFrames), s.nextSequence)
            s.requests.append(request.index)
            guard let frameDuration else { return }
            let lines = min(max(frameDuration.microsecondsRounded * 1_000_000 / t.lineTimePs, t.minFrameLengthLines), t.maxFrameLengthLines)
            s.programmed.append(lines)
            s.pending[max(fills, earliest)] = lines
        }
    }

    func stop() {
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
    func beginDelivering() { deliverNext() }

    var truths: [Truth] { state.withLock { $0.truths } }
    /// Frame lengths programmed by requests, in the order queued.
    var programmedLines: [Int64] { state.withLock { $0.programmed } }
    var counts: (delivered: Int, released: Int, cancelled: Int, queued: Int) {
        state.withLock { ($0.delivered, $0.released, $0.cancelled, $0.programmed.count) }
    }
    var isStopped: Bool { state.withLock { $0.stopped } }

    private func deliverNext() {
        enum Next { case frame(CameraFrame), failed(Int64), end, none }
        let next: Next = state.withLock { s in
            guard !s.stopped, !s.outstanding else { return .none }
            if let stall = script.stallAt, s.nextSequence >= stall { return .none }
            while s.nextSequence < script.maxFrames {
                let sequence = s.nextSequence
                let startNs = s.nextStartNs
                if let lines = s.pending.removeValue(forKey: sequence) { s.lines = lines }
                s.nextStartNs += durationTrueNs(lines: s.lines)
                s.nextSequence += 1
                guard !s.requests.isEmpty else { continue }  // no buffer queued: the frame is lost
                let request = s.requests.removeFirst()
                let stampNs = startNs + script.exposureNs + noise(&s.rng)
                clock.advance(toNs: stampNs)
                if let step = script.realtimeSteps[sequence] { clock.step(byNs: step) }
                if script.failing.contains(sequence) { return .failed(request) }
                s.truths.append(Truth(
                    sequence: sequence, exposureStart: RealtimeInstant(nanosecondsSinceEpoch: startNs + clock.realtimeOffsetNs), lines: s.lines))
                s.outstanding = true
                s.delivered += 1
                return .frame(CameraFrame(
                    index: request, sequence: sequence, sensorTimestamp: MonotonicInstant(nanoseconds: stampNs), planes: []
                ) { [weak self] in self?.released() })
            }
            return .end
        }
        switch next {
        case .frame(let frame): continuation.yield(.frame(frame))
        case .failed(let index):
            continuation.yield(.failed(index: index, reason: "scripted failure"))
            deliverNext()
        case .end: continuation.finish()
        case .none: break
        }
    }

    private func released() {
        state.withLock { s in
            s.outstanding = false
            s.released += 1
        }
        deliverNext()
    }

    private func durationTrueNs(lines: Int64) -> Int64 {
        Int64(Int128(lines) * Int128(script.timing.lineTimePs) * 1_000_000_000 / (1_000_000_000 + Int128(script.crystalPpb)) / 1000)
    }

    /// xorshift64*: deterministic timestamp jitter in [−jitter, +jitter].
    private func noise(_ rng: inout UInt64) -> Int64 {
        guard script.jitterNs > 0 else { return 0 }
        rng ^= rng >> 12; rng ^= rng << 25; rng ^= rng >> 27
        return Int64((rng &* 2_685_821_657_736_338_717) % UInt64(2 * script.jitterNs + 1)) - script.jitterNs
    }
}

/// The scripted camera's refusal of a request.
struct ScriptedRefusal: Error {}
