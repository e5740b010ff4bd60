/// Why a schedule computation has no answer.
public enum ScheduleError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Frame indices start at 0.
    case negativeIndex(Int64)
    /// The deadline of `index` is beyond the range of a 64-bit realtime instant.
    case overflow(index: Int64)
    /// The instant lies beyond the last representable frame index.
    case instantOutOfRange(RealtimeInstant)

    public var description: String {
        switch self {
        case .negativeIndex(let n): "frame index \(n) is negative; indices start at 0"
        case .overflow(let n): "the deadline of frame \(n) does not fit in 64-bit nanoseconds"
        case .instantOutOfRange(let t): "\(t) is beyond the last representable frame index"
        }
    }
}

/// The shared frame schedule: `Tn = T0 + ⌊n · 10⁹ · denominator / numerator⌋` nanoseconds.
///
/// Computed with a 128-bit intermediate and rounded down, so every node derives bit-identical
/// deadlines from the same `T0` and rate with no accumulated rounding, at any index.
public struct FrameSchedule: Hashable, Sendable, CustomStringConvertible {
    /// The deadline of frame 0 on the shared realtime timeline.
    public let start: RealtimeInstant
    /// The exact frame rate.
    public let rate: FrameRate

    /// A schedule whose frame 0 is due at `start`.
    public init(start: RealtimeInstant, rate: FrameRate) {
        self.start = start
        self.rate = rate
    }

    /// Nanoseconds per `numerator` frames: the exact period is `periodNumerator / rate.numerator`.
    @usableFromInline var periodNumerator: Int128 { Int128(rate.denominator) * 1_000_000_000 }

    /// The offset of frame `index` from `start`, before overflow checks against the epoch.
    @inlinable func offsetNs(_ index: Int64) -> Int128 {
        // Within 64 bits (any index of a run shorter than years), Int64 arithmetic gives the same
        // truncated quotient as the 128-bit path, which is a library call per frame.
        let (k, o1) = rate.denominator.multipliedReportingOverflow(by: 1_000_000_000)
        let (p, o2) = index.multipliedReportingOverflow(by: k)
        if !o1 && !o2 { return Int128(p / rate.numerator) }
        return Int128(index) * periodNumerator / Int128(rate.numerator)
    }

    /// The deadline `Tn` of frame `index`.
    public func deadline(of index: Int64) throws(ScheduleError) -> RealtimeInstant {
        guard index >= 0 else { throw .negativeIndex(index) }
        let t = Int128(start.nanosecondsSinceEpoch) + offsetNs(index)
        guard let ns = Int64(exactly: t) else { throw .overflow(index: index) }
        return RealtimeInstant(nanosecondsSinceEpoch: ns)
    }

    /// The smallest index `n >= 0` whose deadline is at or after `instant`.
    ///
    /// `⌊n·K/num⌋ >= d` holds exactly when `n·K >= d·num`, so `n = ⌈d·num / K⌉` (K = 10⁹·den).
    public func firstIndex(atOrAfter instant: RealtimeInstant) throws(ScheduleError) -> Int64 {
        let d = Int128(instant.nanosecondsSinceEpoch) - Int128(start.nanosecondsSinceEpoch)
        guard d > 0 else { return 0 }
        let n = Self.ceilDiv(d * Int128(rate.numerator), periodNumerator)
        guard let index = Int64(exactly: n) else { throw .instantOutOfRange(instant) }
        _ = try deadline(of: index)
        return index
    }

    /// The largest index whose deadline is at or before `instant`, or nil when `instant` is
    /// before frame 0.
    ///
    /// `⌊n·K/num⌋ <= d` holds exactly when `n·K < (d+1)·num`, so `n = ⌈(d+1)·num / K⌉ − 1`.
    public func lastIndex(atOrBefore instant: RealtimeInstant) throws(ScheduleError) -> Int64? {
        // Within 64 bits (every wake-up of a run shorter than years), ⌈a/K⌉ − 1 = ⌊(a − 1)/K⌋ for
        // a > 0 gives the same index as the 128-bit path below without its per-frame library call.
        let (d64, o1) = instant.nanosecondsSinceEpoch.subtractingReportingOverflow(start.nanosecondsSinceEpoch)
        let (a, o2) = (d64 &+ 1).multipliedReportingOverflow(by: rate.numerator)
        let (k, o3) = rate.denominator.multipliedReportingOverflow(by: 1_000_000_000)
        if !o1 && !o2 && !o3 && d64 >= 0 && d64 < .max { return (a - 1) / k }
        let d = Int128(instant.nanosecondsSinceEpoch) - Int128(start.nanosecondsSinceEpoch)
        guard d >= 0 else { return nil }
        let n = Self.ceilDiv((d + 1) * Int128(rate.numerator), periodNumerator) - 1
        guard let index = Int64(exactly: n) else { throw .instantOutOfRange(instant) }
        return index
    }

    /// The index of the first frame whose deadline is at least `margin` after `now`: the first
    /// frame a late joiner can still make, and the stop index a coordinator announces (every
    /// camera captures the frames before it).
    public func firstIndex(after now: RealtimeInstant, margin: TimeSpan) throws(ScheduleError) -> Int64 {
        try firstIndex(atOrAfter: now + margin)
    }

    /// The stop index of a recording of `duration` that starts at `firstIndex`: enough frames to
    /// cover `duration` (rounded up to a whole frame).
    public func stopIndex(firstIndex first: Int64, duration: TimeSpan) throws(ScheduleError) -> Int64 {
        let t = try deadline(of: first)
        return try firstIndex(atOrAfter: t + duration)
    }

    public var description: String { "T0=\(start.nanosecondsSinceEpoch) ns at \(rate) fps" }

    @usableFromInline static func ceilDiv(_ a: Int128, _ b: Int128) -> Int128 {
        precondition(b > 0)
        return a >= 0 ? (a + b - 1) / b : a / b
    }
}
