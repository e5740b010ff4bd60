import GenlockControl

/// A simulated TCP connection: a ``SimStream`` per direction, carrying the bytes of the real
/// endpoints (framing, HMAC and sequence checks run exactly as over TCP).
struct SimConnection: Sendable {
    let node: Int
    /// Each end's connection nonce, drawn from the run's control stream when the node dials.
    let coordinatorNonce: UInt64
    let nodeNonce: UInt64
    var toCoordinator = SimStream()
    var toNode = SimStream()
    /// Both ends have it open (set when the coordinator accepts; cleared when either end closes).
    var established = false
}

/// A segment in flight on a connection.
struct SimSegment: Sendable {
    enum Payload: Sendable {
        case bytes([UInt8])
        /// The sender closed the connection (a FIN; a crashed process's kernel sends it too).
        case close
    }
    var connection: ConnectionID
    var toCoordinator: Bool
    var payload: Payload
}

/// The camera node's process as far as control goes: the real ``NodeEndpoint`` (whose session
/// outlives connections, as in `NodeClient`) and its current connection.
struct SimNodeHost: Sendable {
    var endpoint: NodeEndpoint
    var connection: ConnectionID?
    /// Reconnect delays, as `NodeClient`'s.
    var backoff = ReconnectBackoff()
    /// A connect attempt is scheduled.
    var connecting = false
    /// This process told the coordinator its run finished (STATUS with `finished`).
    var reportedFinished = false

    init(key: RigKey) {
        endpoint = NodeEndpoint(key: key)
    }
}

/// A line the coordinator logged, at the true time it did.
public struct CoordinatorLogLine: Hashable, Sendable, Codable {
    public var trueNs: Int64
    public var text: String
}
