import GenlockCore

/// How a frame's instant on the shared timeline becomes its presentation timestamp.
///
/// - Time base: 1/1000 s (milliseconds). Matroska's libavformat muxer stores every timestamp at
///   its fixed TimestampScale of 1,000,000 ns, so a finer time base would be rounded by the muxer
///   anyway; choosing it here makes the rounding ours and documented.
/// - Origin: the session's `epoch`, the schedule's `T0` shared by every camera (it is in the
///   START message). The file stores it as the tag `GENLOCK_EPOCH_REALTIME_NS`, so absolute
///   instants can be recovered, and players start near zero.
/// - Instant: the frame's scheduled instant `Tn`, identical on every camera, so frame `n` has
///   the same PTS in every camera's file. The measured sensor instants are in the sidecar.
/// - Rounding: to the nearest millisecond, halves away from the past (`floor((Δ + 0.5 ms) / 1 ms)`),
///   in integer arithmetic. Below 1000 fps consecutive frames keep strictly increasing PTS.
/// - Range: computed with a 128-bit intermediate, so no pair of 64-bit instants traps (the epoch
///   comes from START, which any key holder can send: `T0 = Int64.min` once crashed a recording
///   node here). Every 64-bit difference in milliseconds fits a 64-bit PTS.
public struct PresentationClock: Hashable, Sendable {
    /// The time base's denominator: ticks per second.
    public static let ticksPerSecond: Int64 = 1_000
    /// Nanoseconds per tick.
    public static let nanosecondsPerTick: Int64 = 1_000_000_000 / ticksPerSecond

    /// The instant PTS 0 stands for.
    public let epoch: RealtimeInstant

    public init(epoch: RealtimeInstant) { self.epoch = epoch }

    /// The PTS (in ticks) of `instant`.
    public func pts(of instant: RealtimeInstant) -> Int64 {
        let delta = Int128(instant.nanosecondsSinceEpoch) - Int128(epoch.nanosecondsSinceEpoch) + Int128(Self.nanosecondsPerTick / 2)
        // |delta| < 2^65, so the quotient is below 2^46 in magnitude.
        return Int64(Self.floorDivide(delta, Int128(Self.nanosecondsPerTick)))
    }

    /// The instant a PTS stands for (exact to the tick; clamped to the 64-bit range for a PTS
    /// no recording of this epoch can hold).
    public func instant(ofPTS pts: Int64) -> RealtimeInstant {
        let ns = Int128(epoch.nanosecondsSinceEpoch) + Int128(pts) * Int128(Self.nanosecondsPerTick)
        return RealtimeInstant(nanosecondsSinceEpoch: Int64(clamping: ns))
    }

    static func floorDivide(_ a: Int128, _ b: Int128) -> Int128 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
