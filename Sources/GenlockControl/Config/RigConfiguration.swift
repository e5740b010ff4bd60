import GenlockCore
import Yams

/// The rig file (YAML): which cameras, at what rate, how START and STOP are timed, where the key is.
///
/// ```yaml
/// cameras: [cam1, cam2, cam3]
/// fps: 30000/1001          # exact rational or decimal
/// resolution: 1280x720
/// lead: 2s                 # T0 = now + lead when START is sent
/// stopMargin: 500ms        # the stop index is the first frame at least this far ahead
/// key: rig.key             # relative to this file
/// listen: 127.0.0.1:7400   # coordinator address
/// ptp: { maxOffset: 1us }
/// ingest: 127.0.0.1:7401   # where nodes stream their packets (optional; `genlock ingest`)
/// sessions: sessions       # the ingest's session folders, relative to this file (optional)
/// ```
public struct RigConfiguration: Hashable, Sendable {
    public var cameras: [String]
    public var rate: FrameRate
    public var width: Int
    public var height: Int
    public var lead: TimeSpan
    public var stopMargin: TimeSpan
    public var keyPath: String
    public var host: String
    public var port: Int
    public var maximumPTPOffset: TimeSpan
    /// The ingest's address (nodes stream to it), when the rig has one.
    public var ingest: (host: String, port: Int)? { ingestHost.map { ($0, ingestPort) } }
    private var ingestHost: String?
    private var ingestPort = 0
    /// Where the ingest writes session folders (default: `sessions` beside the rig file).
    public var sessionsPath: String

    static let keys: Set<String> = ["cameras", "fps", "resolution", "lead", "stopMargin", "key", "listen", "ptp", "ingest", "sessions"]

    /// Parses `text`; `directory` resolves a relative key path.
    public init(yaml text: String, directory: String) throws(ConfigurationError) {
        let values = try ConfigMapping(yaml: text, known: Self.keys)

        guard let cams = values.node("cameras") else { throw ConfigurationError(field: "cameras", line: nil, reason: "is required") }
        guard let seq = cams.sequence else { throw ConfigurationError(field: "cameras", line: cams.mark?.line, reason: "expected a list of camera names") }
        var names: [String] = []
        for (i, n) in seq.enumerated() {
            guard let name = n.string, ConfigMapping.isValidName(name) else {
                throw ConfigurationError(field: "cameras[\(i)]", line: n.mark?.line, reason: "a camera name is 1-64 letters, digits, '-', '_' or '.', not starting with '.'")
            }
            guard !names.contains(name) else { throw ConfigurationError(field: "cameras[\(i)]", line: n.mark?.line, reason: "'\(name)' is listed twice") }
            names.append(name)
        }
        guard !names.isEmpty else { throw ConfigurationError(field: "cameras", line: cams.mark?.line, reason: "lists no camera") }
        cameras = names

        let (fpsText, fpsLine) = try values.required("fps")
        do { rate = try FrameRate(parsing: fpsText) } catch { throw ConfigurationError(field: "fps", line: fpsLine, reason: "\(error)") }

        (width, height) = try values.size("resolution") ?? (1280, 720)
        lead = try values.span("lead") ?? .seconds(2)
        stopMargin = try values.span("stopMargin") ?? .milliseconds(500)
        guard let key = try values.path("key", directory: directory) else { throw ConfigurationError(field: "key", line: nil, reason: "is required") }
        keyPath = key
        (host, port) = try values.hostPort("listen") ?? ("127.0.0.1", 7400)
        maximumPTPOffset = .microseconds(1)
        if let (h, p) = try values.hostPort("ingest") { ingestHost = h; ingestPort = p }
        sessionsPath = try values.path("sessions", directory: directory) ?? (directory.isEmpty ? "sessions" : directory + "/sessions")
        if let ptp = values.node("ptp") {
            guard let m = ptp.mapping else { throw ConfigurationError(field: "ptp", line: ptp.mark?.line, reason: "expected a mapping (maxOffset)") }
            for (k, v) in m {
                guard k.string == "maxOffset", let text = v.string else {
                    throw ConfigurationError(field: "ptp.\(k.string ?? "?")", line: k.mark?.line, reason: "unknown setting (known: maxOffset)")
                }
                maximumPTPOffset = try ConfigMapping.span("ptp.maxOffset", text, v.mark?.line)
            }
        }
    }
}
