import GenlockCore

/// A camera node's file (YAML), for `genlock camera --config node.yaml`: who the node is, where
/// its coordinator and key are, and how it records. Every setting is optional here; a flag given
/// on the command line overrides the file.
///
/// ```yaml
/// name: cam2
/// coordinator: 10.0.0.1:7400
/// key: rig.key                 # relative to this file
/// out: /srv/recordings         # record to <out>/<session>/<name>.mkv
/// codec: x264                  # x264, ffv1 or raw
/// size: 1280x720
/// ptpSocket: /var/run/ptp4l
/// ptpMaxOffset: 1us
/// coordinatorTimeout: 30s
/// joinMargin: 5ms
/// ```
public struct NodeConfiguration: Hashable, Sendable {
    /// Whether `name` may name a camera or a session (the rule the rig and node files use): it
    /// becomes a file or folder name.
    public static func isValidName(_ name: String) -> Bool { ConfigMapping.isValidName(name) }

    public var name: String?
    public var coordinatorHost: String?
    public var coordinatorPort: Int?
    public var keyPath: String?
    public var out: String?
    public var session: String?
    /// As written; the codec names belong to the media module, which checks them.
    public var codec: String?
    public var width: Int?
    public var height: Int?
    public var ptpSocket: String?
    public var ptpMaxOffset: TimeSpan?
    public var coordinatorTimeout: TimeSpan?
    public var joinMargin: TimeSpan?

    static let keys: Set<String> = [
        "name", "coordinator", "key", "out", "session", "codec", "size", "ptpSocket", "ptpMaxOffset", "coordinatorTimeout", "joinMargin",
    ]

    /// Parses `text`; `directory` resolves relative paths (key, out, ptpSocket).
    public init(yaml text: String, directory: String) throws(ConfigurationError) {
        let values = try ConfigMapping(yaml: text, known: Self.keys)
        if let (n, line) = try values.scalar("name") {
            guard ConfigMapping.isValidName(n) else {
                throw ConfigurationError(field: "name", line: line, reason: "a camera name is 1-64 letters, digits, '-', '_' or '.', not starting with '.'")
            }
            name = n
        }
        if let (host, port) = try values.hostPort("coordinator") {
            coordinatorHost = host
            coordinatorPort = port
        }
        keyPath = try values.path("key", directory: directory)
        out = try values.path("out", directory: directory)
        if let (s, line) = try values.scalar("session") {
            guard ConfigMapping.isValidName(s) else {
                throw ConfigurationError(field: "session", line: line, reason: "a session name is 1-64 letters, digits, '-', '_' or '.', not starting with '.'")
            }
            session = s
        }
        codec = try values.scalar("codec")?.0
        if let size = try values.size("size") { (width, height) = (size.width, size.height) }
        ptpSocket = try values.path("ptpSocket", directory: directory)
        ptpMaxOffset = try values.span("ptpMaxOffset")
        coordinatorTimeout = try values.span("coordinatorTimeout")
        if let t = coordinatorTimeout, t == .zero {
            throw ConfigurationError(field: "coordinatorTimeout", line: try values.scalar("coordinatorTimeout")?.1, reason: "must be positive")
        }
        joinMargin = try values.span("joinMargin")
    }
}
