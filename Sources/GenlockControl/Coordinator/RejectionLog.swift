import GenlockCore

/// Rate-limits the coordinator's lines about connections it refuses before they authenticate
/// (bad frames, handshake timeouts, evictions): anyone who can reach the port can cause them, so a
/// flood must not become a flood of log. The first rejection of each window is logged in full; the
/// rest are counted by reason and summed up in one line when the window ends.
public struct RejectionLog: Hashable, Sendable {
    /// How long a window lasts.
    public let window: TimeSpan
    private var windowStart: MonotonicInstant?
    private var suppressed: [String: Int] = [:]

    public init(window: TimeSpan = .seconds(10)) {
        self.window = window
    }

    /// A connection was refused at `now` for `reason` (a short category such as "badMAC");
    /// `line` says it in full. Returns the lines to log now.
    public mutating func note(reason: String, line: String, at now: MonotonicInstant) -> [String] {
        var lines = flush(at: now)
        if windowStart == nil {
            windowStart = now
            lines.append(line)
        } else {
            suppressed[reason, default: 0] += 1
        }
        return lines
    }

    /// Time passes: when the window has ended (or `force`, at the end of the session), one line with
    /// what it counted.
    public mutating func flush(at now: MonotonicInstant, force: Bool = false) -> [String] {
        guard let start = windowStart, force || now - start >= window else { return [] }
        windowStart = nil
        guard !suppressed.isEmpty else { return [] }
        let total = suppressed.values.reduce(0, +)
        let reasons = suppressed.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        suppressed = [:]
        return ["rejected \(total) more unauthenticated connection\(total == 1 ? "" : "s") in the last \(now - start) (\(reasons))"]
    }
}
