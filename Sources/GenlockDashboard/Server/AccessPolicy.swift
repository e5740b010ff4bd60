/// Who may use the dashboard. On loopback, anyone on this machine (like the coordinator's own
/// Ctrl-C); bound to any other address, every request must carry the token printed at start, as a
/// `token` query parameter (the link printed), an `Authorization: Bearer` header, or the cookie
/// the page gets when it is opened with the token. Actions (START, STOP) also need the
/// `X-Genlock-Action` header, which no cross-site form can send, so another web page open in the
/// operator's browser cannot press STOP.
public struct AccessPolicy: Hashable, Sendable {
    /// Nil: open (loopback only).
    public let token: String?

    public static let cookieName = "genlock_token"
    public static let actionHeader = "X-Genlock-Action"

    public init(token: String?) { self.token = token }

    /// Whether `host` is a loopback address (a token is then not needed).
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// A fresh random token: 32 hex digits (128 bits).
    public static func makeToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let v = generator.next() as UInt64
            let hex = String(v, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    /// Whether a request presenting these credentials may proceed.
    public func allows(queryToken: String?, bearer: String?, cookie: String?) -> Bool {
        guard let token else { return true }
        return [queryToken, bearer, cookie].contains { $0.map { Self.constantTimeEqual($0, token) } ?? false }
    }

    /// The token from a `Cookie` header's `genlock_token=…`.
    public static func cookieToken(_ header: String?) -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ";") {
            let pair = part.trimmingCharacters(in: " ").split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0] == cookieName { return String(pair[1]) }
        }
        return nil
    }

    /// The token from `Authorization: Bearer …`.
    public static func bearerToken(_ header: String?) -> String? {
        guard let header, header.hasPrefix("Bearer ") else { return nil }
        return String(header.dropFirst("Bearer ".count))
    }

    /// Compares without stopping at the first difference, so timing tells nothing of the token.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> Substring {
        var s = self
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return s
    }
}
