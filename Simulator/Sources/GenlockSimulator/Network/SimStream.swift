/// One direction of a simulated TCP connection: reliable and in order while the connection
/// lives, as the control protocol's transport is.
///
/// A segment the network loses is sent again after the retransmission timeout, which doubles on
/// each attempt as TCP's does; a segment that has not got through within the connection timeout
/// breaks the connection (what `TCP_USER_TIMEOUT` does on Linux). A segment never overtakes an
/// earlier one (head-of-line blocking). Every attempt draws from the network's random stream, so
/// a partition or loss window in force at an attempt's instant applies to it.
struct SimStream: Sendable {
    /// What became of a segment.
    enum Outcome: Hashable, Sendable {
        case arrives(atNs: Int64)
        /// The connection breaks at this instant (both ends give up on it).
        case breaks(atNs: Int64)
    }

    private var lastArrivalNs: Int64 = 0

    /// Sends a segment at `nowNs` from `from` to `to`.
    mutating func send(from: Endpoint, to: Endpoint, atNs nowNs: Int64, network: inout SimNetwork,
                       retransmitNs: Int64, timeoutNs: Int64) -> Outcome {
        var attemptNs = nowNs
        var rtoNs = retransmitNs
        while true {
            if let arrival = network.transit(from: from, to: to, atNs: attemptNs) {
                lastArrivalNs = max(arrival, lastArrivalNs)
                return .arrives(atNs: lastArrivalNs)
            }
            attemptNs += rtoNs
            // Linux caps the retransmission timeout at 120 s.
            rtoNs = min(rtoNs * 2, 120_000_000_000)
            if attemptNs - nowNs > timeoutNs { return .breaks(atNs: nowNs + timeoutNs) }
        }
    }
}
