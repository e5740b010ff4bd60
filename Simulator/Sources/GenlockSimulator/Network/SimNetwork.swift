/// An endpoint: the coordinator or node `n`.
public enum Endpoint: Hashable, Sendable {
    case coordinator
    case node(Int)
}

/// The network under the control connections: each segment independently gets a delay (minimum plus an
/// exponential tail), may be lost, and is always lost while either end is inside a partition or
/// loss window. Pure value type over the run's random stream; the engine schedules deliveries.
public struct SimNetwork: Sendable {
    /// A time window during which messages to or from `nodes` (nil: all) are lost with `lossPpm`.
    public struct LossWindow: Hashable, Sendable {
        public var fromNs: Int64
        public var untilNs: Int64
        public var nodes: Set<Int>?
        public var lossPpm: Int64
        public init(fromNs: Int64, untilNs: Int64, nodes: Set<Int>?, lossPpm: Int64) {
            self.fromNs = fromNs
            self.untilNs = untilNs
            self.nodes = nodes
            self.lossPpm = lossPpm
        }
    }

    public var delayMinNs: Int64
    public var delayMeanNs: Int64
    public var lossPpm: Int64
    public private(set) var windows: [LossWindow] = []
    private var random: SimRandom
    /// Messages sent, and lost.
    public private(set) var sent: Int64 = 0
    public private(set) var lost: Int64 = 0

    public init(delayMinNs: Int64, delayMeanNs: Int64, lossPpm: Int64, random: SimRandom) {
        self.delayMinNs = delayMinNs
        self.delayMeanNs = delayMeanNs
        self.lossPpm = lossPpm
        self.random = random
    }

    /// Loses everything to and from `nodes` between `fromNs` and `untilNs`.
    public mutating func partition(nodes: Set<Int>?, fromNs: Int64, untilNs: Int64) {
        windows.append(LossWindow(fromNs: fromNs, untilNs: untilNs, nodes: nodes, lossPpm: 1_000_000))
    }

    public mutating func addLossWindow(_ window: LossWindow) { windows.append(window) }

    /// The true time at which a message sent at `nowNs` arrives, or nil when it is lost.
    /// Draws the same number of random values whatever the outcome, so one loss does not shift
    /// every later delay.
    public mutating func transit(from: Endpoint, to: Endpoint, atNs nowNs: Int64) -> Int64? {
        sent += 1
        let delay = delayMinNs + random.exponential(mean: delayMeanNs)
        let roll = Int64(random.below(1_000_000))
        var loss = lossPpm
        for w in windows where nowNs >= w.fromNs && nowNs < w.untilNs {
            if let nodes = w.nodes {
                var touches = false
                if case .node(let n) = from, nodes.contains(n) { touches = true }
                if case .node(let n) = to, nodes.contains(n) { touches = true }
                if !touches { continue }
            }
            loss = Swift.max(loss, w.lossPpm)
        }
        if roll < loss {
            lost += 1
            return nil
        }
        return nowNs + delay
    }
}
