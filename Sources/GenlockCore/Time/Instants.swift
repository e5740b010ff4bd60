/// A span of time in integer nanoseconds. Signed: the difference of two instants may be negative.
public struct TimeSpan: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The span in nanoseconds.
    public var nanoseconds: Int64

    /// A span of `nanoseconds`.
    @inlinable public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static let zero = TimeSpan(nanoseconds: 0)
    @inlinable public static func nanoseconds(_ n: Int64) -> TimeSpan { TimeSpan(nanoseconds: n) }
    @inlinable public static func microseconds(_ n: Int64) -> TimeSpan { TimeSpan(nanoseconds: n * 1_000) }
    @inlinable public static func milliseconds(_ n: Int64) -> TimeSpan { TimeSpan(nanoseconds: n * 1_000_000) }
    @inlinable public static func seconds(_ n: Int64) -> TimeSpan { TimeSpan(nanoseconds: n * 1_000_000_000) }

    @inlinable public static func < (a: TimeSpan, b: TimeSpan) -> Bool { a.nanoseconds < b.nanoseconds }
    @inlinable public static func + (a: TimeSpan, b: TimeSpan) -> TimeSpan { TimeSpan(nanoseconds: a.nanoseconds + b.nanoseconds) }
    @inlinable public static func - (a: TimeSpan, b: TimeSpan) -> TimeSpan { TimeSpan(nanoseconds: a.nanoseconds - b.nanoseconds) }
    @inlinable public static prefix func - (a: TimeSpan) -> TimeSpan { TimeSpan(nanoseconds: -a.nanoseconds) }

    public var description: String { TimeSpanFormat.text(nanoseconds) }
}

/// An instant on CLOCK_REALTIME: nanoseconds since the Unix epoch on the PTP-shared timeline.
///
/// Realtime can be stepped and slewed. Schedules are defined on it, but nothing ever waits for it
/// to reach a value; deadlines are converted to ``MonotonicInstant`` through a ``ClockSample``.
public struct RealtimeInstant: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Nanoseconds since 1970-01-01T00:00:00Z on the realtime clock.
    public var nanosecondsSinceEpoch: Int64

    @inlinable public init(nanosecondsSinceEpoch: Int64) { self.nanosecondsSinceEpoch = nanosecondsSinceEpoch }

    @inlinable public static func < (a: Self, b: Self) -> Bool { a.nanosecondsSinceEpoch < b.nanosecondsSinceEpoch }
    @inlinable public static func + (a: Self, b: TimeSpan) -> Self { Self(nanosecondsSinceEpoch: a.nanosecondsSinceEpoch + b.nanoseconds) }
    @inlinable public static func - (a: Self, b: TimeSpan) -> Self { Self(nanosecondsSinceEpoch: a.nanosecondsSinceEpoch - b.nanoseconds) }
    @inlinable public static func - (a: Self, b: Self) -> TimeSpan { TimeSpan(nanoseconds: a.nanosecondsSinceEpoch - b.nanosecondsSinceEpoch) }

    public var description: String { "realtime \(nanosecondsSinceEpoch) ns" }
}

/// An instant on CLOCK_MONOTONIC: nanoseconds since an unspecified point (boot, on Linux).
///
/// Monotonic never steps, so absolute timers armed on it cannot be skipped over by a PTP step.
public struct MonotonicInstant: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Nanoseconds on the monotonic clock.
    public var nanoseconds: Int64

    @inlinable public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    @inlinable public static func < (a: Self, b: Self) -> Bool { a.nanoseconds < b.nanoseconds }
    @inlinable public static func + (a: Self, b: TimeSpan) -> Self { Self(nanoseconds: a.nanoseconds + b.nanoseconds) }
    @inlinable public static func - (a: Self, b: TimeSpan) -> Self { Self(nanoseconds: a.nanoseconds - b.nanoseconds) }
    @inlinable public static func - (a: Self, b: Self) -> TimeSpan { TimeSpan(nanoseconds: a.nanoseconds - b.nanoseconds) }

    public var description: String { "monotonic \(nanoseconds) ns" }
}

/// Human-readable spans for logs and reports ("1.5 ms", "250 µs", "37 ns").
public enum TimeSpanFormat {
    /// Formats `ns` with the largest unit that keeps at least one integer digit, three decimals at most.
    public static func text(_ ns: Int64) -> String {
        let magnitude = ns.magnitude
        let sign = ns < 0 ? "-" : ""
        let (unit, scale): (String, UInt64) =
            magnitude >= 1_000_000_000 ? ("s", 1_000_000_000)
            : magnitude >= 1_000_000 ? ("ms", 1_000_000)
            : magnitude >= 1_000 ? ("µs", 1_000) : ("ns", 1)
        if scale == 1 { return "\(sign)\(magnitude) ns" }
        let whole = magnitude / scale
        let millis = (magnitude % scale) * 1000 / scale
        if millis == 0 { return "\(sign)\(whole) \(unit)" }
        var fraction = String(millis)
        while fraction.count < 3 { fraction = "0" + fraction }
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(sign)\(whole).\(fraction) \(unit)"
    }
}
