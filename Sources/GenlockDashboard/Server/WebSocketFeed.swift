import HTTPTypes
import HummingbirdWebSocket
import NIOCore
import Synchronization

/// The page's live feed: `/ws` upgrades (with the token when one is set) and then receives the
/// hub's messages. The writer runs on the client's own task; a client that stops reading blocks
/// only that task, its buffer in the hub fills, and the hub closes its connection.
struct WebSocketFeed: Sendable {
    let hub: DashboardHub
    let policy: AccessPolicy
    let maximumClients: Int

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
            cookie: AccessPolicy.cookieToken(request.headerFields[.cookie])),
            hub.clientCount < maximumClients
        else { return .dontUpgrade }  // the router then answers 401 (or the page retries later)
        let hub = self.hub
        return .upgrade([:]) { inbound, outbound, _ in
            let (id, messages) = hub.subscribe(drop: { channel.close(promise: nil) })
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
