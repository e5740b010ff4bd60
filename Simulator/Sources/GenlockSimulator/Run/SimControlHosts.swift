import GenlockControl
import GenlockNode

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

/// The camera node's process as far as control and its life go: the real ``NodeLifecycle`` (when
/// to begin, where to stop, STATUS, the coordinator-loss timeout, when to exit), the real
/// ``NodeEndpoint`` (whose session outlives connections, as in `NodeClient`) and its current
/// connection. A new process (after a crash) starts with fresh ones, as a restarted `genlock camera` does.
struct SimNodeHost: Sendable {
    var lifecycle: NodeLifecycle
    var endpoint: NodeEndpoint
    var connection: ConnectionID?
    /// Reconnect delays, as `NodeClient`'s.
    var backoff = ReconnectBackoff()
    /// A connect attempt is scheduled.
    var connecting = false
    /// The process exited (its lifecycle said so): it neither reconnects nor ticks.
    var exited = false
    /// A silent camera (a `silent-camera` fault): connected, never reporting.
    var silent = false

    init(key: RigKey, lifecycle: NodeLifecycle.Configuration) {
        self.lifecycle = NodeLifecycle(configuration: lifecycle)
        endpoint = NodeEndpoint(key: key)
    }
}

/// A line the coordinator logged, at the true time it did.
public struct CoordinatorLogLine: Hashable, Sendable, Codable {
    public var trueNs: Int64
    public var text: String
}
