/// Bounds the request rate: `ratePerSecond` tokens a second, up to `burst` saved up. Pure: the
/// caller passes monotonic time in nanoseconds.
public struct TokenBucket: Hashable, Sendable {
    public let ratePerSecond: Int
    public let burst: Int
    private var tokensMilli: Int64
    private var lastNs: Int64?

    public init(ratePerSecond: Int, burst: Int) {
        self.ratePerSecond = max(1, ratePerSecond)
        self.burst = max(1, burst)
        tokensMilli = Int64(self.burst) * 1000
    }

    /// Takes one token at `nowNs`; false when none is left (the request is refused).
    public mutating func take(nowNs: Int64) -> Bool {
        if let lastNs, nowNs > lastNs {
            let gained = (nowNs - lastNs) / 1_000_000 * Int64(ratePerSecond)
            if gained > 0 {
                tokensMilli = min(Int64(burst) * 1000, tokensMilli + gained)
                self.lastNs = nowNs - (nowNs - lastNs) % 1_000_000
            }
        } else if lastNs == nil {
            lastNs = nowNs
        }
        guard tokensMilli >= 1000 else { return false }
        tokensMilli -= 1000
        return true
    }
}
