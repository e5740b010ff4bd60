/// `HOST:PORT`, as rig files, node files and the command line write a coordinator's address.
/// The last colon separates the two, so a host may be a name, an IPv4 address or an IPv6 one
/// (bare, `::1:7400`, or in brackets, `[::1]:7400`).
public struct HostPort: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    /// Parses `text`; nil when it is not `HOST:PORT` with a port in 1...65535 (or 0...65535 when
    /// `allowingPortZero`, for a listener that takes any free port) and a non-empty host.
    public init?(parsing text: String, allowingPortZero: Bool = false) {
        guard let colon = text.lastIndex(of: ":"), colon != text.startIndex, let port = Int(text[text.index(after: colon)...]),
            ((allowingPortZero ? 0 : 1)...65535).contains(port)
        else { return nil }
        var host = text[..<colon]
        // `[::1]:7400`, as URLs write an IPv6 address: the brackets are not part of the host.
        if host.hasPrefix("["), host.hasSuffix("]"), host.count > 2 { host = host.dropFirst().dropLast() }
        self.host = String(host)
        self.port = port
    }

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// The address to dial for a listener that named itself `self` to a peer who reached its
    /// host at `reachedHost`: a listener on every address (`0.0.0.0`, `::`) cannot be dialled
    /// there, so the host the peer already reached is used with the listener's port.
    public func dialable(reachedHost: String) -> HostPort {
        ["0.0.0.0", "::", "[::]"].contains(host) ? HostPort(host: reachedHost, port: port) : self
    }

    public var description: String { "\(host):\(port)" }
}
