import GenlockCore

/// How long a node waits before reconnecting to the coordinator: 100 ms after a loss, doubling
/// with each failed attempt up to 2 s, back to 100 ms once a coordinator authenticates. Short enough that a
/// node back from a brief outage rejoins within a few frames, capped so a rig of 100 nodes whose
/// coordinator is down does not flood it. Shared by `NodeClient` and the simulator, so both
/// reconnect on the same schedule.
public struct ReconnectBackoff: Hashable, Sendable {
    public static let first = TimeSpan.milliseconds(100)
    public static let cap = TimeSpan.seconds(2)

    private var next = Self.first

    public init() {}

    /// The delay before the next attempt (and doubles the one after).
    public mutating func nextDelay() -> TimeSpan {
        defer { next = min(TimeSpan(nanoseconds: next.nanoseconds * 2), Self.cap) }
        return next
    }

    /// A coordinator authenticated itself: the next loss starts again from the first delay.
    public mutating func reset() { next = Self.first }
}
