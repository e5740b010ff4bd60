import GenlockControl

/// A simulated control connection: the real ``ControlConnection`` at each end (framing, HMAC,
/// sequence checks run exactly as over TCP), and a ``SimStream`` per direction.
struct SimConnection: Sendable {
    let node: Int
    var coordinatorEnd: ControlConnection
    var nodeEnd: ControlConnection
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

/// The camera node's process as far as control goes: the real ``NodeControl`` state machine
/// (which outlives connections, as in `NodeClient`) and its current connection.
struct SimNodeHost: Sendable {
    var control = NodeControl()
    var connection: ConnectionID?
    /// Reconnect delays, as `NodeClient`'s.
    var backoff = ReconnectBackoff()
    /// A connect attempt is scheduled.
    var connecting = false
    /// This process told the coordinator its run finished (STATUS with `finished`).
    var reportedFinished = false
}

/// A line the coordinator logged, at the true time it did.
public struct CoordinatorLogLine: Hashable, Sendable, Codable {
    public var trueNs: Int64
    public var text: String
}
