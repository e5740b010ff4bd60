import GenlockCore

/// Connections accepted and not yet authenticated, oldest first, and the two rules that keep them
/// from taking a port's descriptors: at most ``capacity`` wait (a new one evicts the oldest; a
/// real node retries) and none waits ``timeout`` or longer. Anyone who can reach a port can open
/// such connections, so the control port (``CoordinatorEndpoint``) and the ingest both keep them
/// here: one rule, not two that drift.
///
/// Pure: the caller passes the monotonic time in and closes what it is told to.
public struct PendingHandshakes<ID: Hashable & Sendable>: Sendable {
    /// Connections that may wait at once (at least one).
    public let capacity: Int
    /// From accepting a connection to its authenticated HELLO.
    public let timeout: TimeSpan
    private var entries: [(id: ID, acceptedAt: MonotonicInstant)] = []

    public init(capacity: Int, timeout: TimeSpan) {
        self.capacity = max(capacity, 1)
        self.timeout = timeout
    }

    /// Connections waiting.
    public var count: Int { entries.count }

    /// Whether `id` is waiting (accepted and neither authenticated nor gone).
    public func contains(_ id: ID) -> Bool { entries.contains { $0.id == id } }

    /// Connection `id` was accepted at `now`: it waits, and the returned connections (oldest
    /// first) no longer do, to make room for it; the caller closes them.
    public mutating func admit(_ id: ID, at now: MonotonicInstant) -> [ID] {
        let excess = max(entries.count + 1 - capacity, 0)
        let evicted = entries.prefix(excess).map(\.id)
        entries.removeFirst(excess)
        entries.append((id, now))
        return evicted
    }

    /// Connection `id` authenticated, or is gone: it no longer waits.
    public mutating func remove(_ id: ID) {
        entries.removeAll { $0.id == id }
    }

    /// The connections (oldest first) that have waited `timeout` or longer at `now`; they no
    /// longer wait, and the caller closes them.
    public mutating func expired(at now: MonotonicInstant) -> [ID] {
        let late = entries.filter { now - $0.acceptedAt >= timeout }.map(\.id)
        entries.removeAll { now - $0.acceptedAt >= timeout }
        return late
    }
}
