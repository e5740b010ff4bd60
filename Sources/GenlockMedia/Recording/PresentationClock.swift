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
        let delta = (instant - epoch).nanoseconds + Self.nanosecondsPerTick / 2
        return Self.floorDivide(delta, Self.nanosecondsPerTick)
    }

    /// The instant a PTS stands for (exact to the tick).
    public func instant(ofPTS pts: Int64) -> RealtimeInstant {
        epoch + .nanoseconds(pts * Self.nanosecondsPerTick)
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
