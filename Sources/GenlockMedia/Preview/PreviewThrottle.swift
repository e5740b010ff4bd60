import GenlockCore

/// At most one preview per interval per camera, on the monotonic clock (a realtime step neither
/// floods nor starves the previews). Pure: the caller passes the time.
public struct PreviewThrottle: Hashable, Sendable {
    public let interval: TimeSpan
    private var last: MonotonicInstant?

    public init(interval: TimeSpan = .seconds(1)) { self.interval = interval }

    /// Whether a preview is due at `now`; when it is, the next one is due an interval later.
    public mutating func due(at now: MonotonicInstant) -> Bool {
        if let last, now - last < interval { return false }
        last = now
        return true
    }
}
