import GenlockCore
import GenlockHAL
import Synchronization

/// A node's clocks in virtual time: monotonic is true time; realtime is monotonic plus an offset
/// that a step moves (as ptp4l's servo or an operator would). Samples are exact (no read window).
final class VirtualClock: ClockPair {
    private let state: Mutex<(nowNs: Int64, offsetNs: Int64)>

    init(nowNs: Int64, realtimeOffsetNs: Int64) {
        state = Mutex((nowNs, realtimeOffsetNs))
    }

    func sample() -> ClockSample {
        let (now, offset) = state.withLock { $0 }
        return ClockSample(realtime: RealtimeInstant(nanosecondsSinceEpoch: now + offset), monotonic: MonotonicInstant(nanoseconds: now))
    }

    func monotonicNow() -> MonotonicInstant { MonotonicInstant(nanoseconds: state.withLock { $0.nowNs }) }

    var realtimeOffsetNs: Int64 { state.withLock { $0.offsetNs } }

    /// Time moves on to `ns` (never back).
    func advance(toNs ns: Int64) {
        state.withLock { $0.nowNs = max($0.nowNs, ns) }
    }

    /// Steps realtime by `ns` (monotonic does not move).
    func step(byNs ns: Int64) {
        state.withLock { $0.offsetNs += ns }
    }
}
