/// `HOST:PORT`, as rig files, node files and the command line write a coordinator's address.
/// The last colon separates the two, so a host may be a name or an IPv4 address.
public struct HostPort: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    /// Parses `text`; nil when it is not `HOST:PORT` with a port in 1...65535 (or 0...65535 when
    /// `allowingPortZero`, for a listener that takes any free port) and a non-empty host.
    public init?(parsing text: String, allowingPortZero: Bool = false) {
        guard let colon = text.lastIndex(of: ":"), colon != text.startIndex, let port = Int(text[text.index(after: colon)...]),
            ((allowingPortZero ? 0 : 1)...65535).contains(port)
        else { return nil }
        self.host = String(text[..<colon])
        self.port = port
    }

    public var description: String { "\(host):\(port)" }
}
