import HTTPTypes
import HummingbirdWebSocket
import NIOCore
import Synchronization

/// The page's live feed: `/ws` upgrades (with the token when one is set) and then receives the
/// hub's messages. The writer runs on the client's own task; a client that stops reading blocks
/// only that task, its buffer in the hub fills, and the hub closes its connection.
final class WebSocketFeed: Sendable {
    let hub: DashboardHub
    let policy: AccessPolicy
    let maximumClients: Int
    /// Upgrades granted whose client has not subscribed yet: counted against the limit, or a
    /// burst of upgrades all passed the check before the first subscribed (40 of 16 did).
    private let granted = Mutex<Set<ObjectIdentifier>>([])

    init(hub: DashboardHub, policy: AccessPolicy, maximumClients: Int) {
        self.hub = hub
        self.policy = policy
        self.maximumClients = maximumClients
    }

    func shouldUpgrade(_ request: HTTPRequest, channel: any Channel) -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        let path = request.path ?? ""
        guard path == "/ws" || path.hasPrefix("/ws?") else { return .dontUpgrade }
        let query = path.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        let queryToken = query.split(separator: "&").compactMap { pair -> String? in
            let kv = pair.split(separator: "=", maxSplits: 1)
            return kv.count == 2 && kv[0] == "token" ? String(kv[1]) : nil
        }.first
        guard policy.allows(
            queryToken: queryToken, bearer: AccessPolicy.bearerToken(request.headerFields[.authorization]),
            cookie: AccessPolicy.cookieToken(request.headerFields[.cookie]))
        else { return .dontUpgrade }  // the router then answers 401
        let key = ObjectIdentifier(channel)
        let hub = self.hub, maximumClients = self.maximumClients
        let admitted = granted.withLock { set in
            guard hub.clientCount + set.count < maximumClients else { return false }
            set.insert(key)
            return true
        }
        guard admitted else { return .dontUpgrade }  // full: the page retries later
        // A grant whose upgrade never completes (the client gone) is given back when it closes.
        channel.closeFuture.whenComplete { [self] _ in _ = granted.withLock { $0.remove(key) } }
        return .upgrade([:]) { [self] inbound, outbound, _ in
            let (id, messages) = hub.subscribe(drop: { channel.close(promise: nil) })
            _ = granted.withLock { $0.remove(key) }
            defer { hub.unsubscribe(id) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                // The page sends nothing that matters; reading keeps pings and the close answered.
                group.addTask { for try await _ in inbound {} }
                group.addTask { for await text in messages { try await outbound.write(.text(text)) } }
                try await group.next()
                group.cancelAll()
            }
        }
    }
}
