import GenlockCore
import Yams

/// A configuration error, naming the field (and the line when the YAML parser gives one).
public struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var field: String
    public var line: Int?
    public var reason: String
    public var description: String {
        "\(field)\(line.map { " (line \($0))" } ?? ""): \(reason)"
    }
}

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

    static let keys: Set<String> = ["cameras", "fps", "resolution", "lead", "stopMargin", "key", "listen", "ptp"]

    /// Parses `text`; `directory` resolves a relative key path.
    public init(yaml text: String, directory: String) throws(ConfigurationError) {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ConfigurationError(field: "(file)", line: nil, reason: "is empty")
            }
            root = node
        } catch let error as ConfigurationError {
            throw error
        } catch let error as YamlError {
            throw ConfigurationError(field: "(file)", line: nil, reason: "not valid YAML: \(error)")
        } catch {
            throw ConfigurationError(field: "(file)", line: nil, reason: "\(error)")
        }
        guard let map = root.mapping else { throw ConfigurationError(field: "(file)", line: root.mark?.line, reason: "expected a mapping of settings") }
        var values: [String: Node] = [:]
        for (k, v) in map {
            guard let key = k.string else { throw ConfigurationError(field: "(file)", line: k.mark?.line, reason: "keys must be text") }
            guard Self.keys.contains(key) else {
                throw ConfigurationError(field: key, line: k.mark?.line, reason: "unknown setting (known: \(Self.keys.sorted().joined(separator: ", ")))")
            }
            values[key] = v
        }
        func scalar(_ key: String) throws(ConfigurationError) -> (String, Int?)? {
            guard let node = values[key] else { return nil }
            guard let s = node.scalar?.string else { throw ConfigurationError(field: key, line: node.mark?.line, reason: "expected a single value") }
            return (s, node.mark?.line)
        }
        func required(_ key: String) throws(ConfigurationError) -> (String, Int?) {
            guard let v = try scalar(key) else { throw ConfigurationError(field: key, line: nil, reason: "is required") }
            return v
        }
        func span(_ key: String, _ text: String, _ line: Int?) throws(ConfigurationError) -> TimeSpan {
            do {
                let s = try TimeSpan(parsing: text)
                guard s >= .zero else { throw ConfigurationError(field: key, line: line, reason: "must not be negative") }
                return s
            } catch let e as ConfigurationError { throw e } catch {
                throw ConfigurationError(field: key, line: line, reason: "\(error)")
            }
        }

        guard let cams = values["cameras"] else { throw ConfigurationError(field: "cameras", line: nil, reason: "is required") }
        guard let seq = cams.sequence else { throw ConfigurationError(field: "cameras", line: cams.mark?.line, reason: "expected a list of camera names") }
        var names: [String] = []
        for (i, n) in seq.enumerated() {
            guard let name = n.string, !name.isEmpty, name.utf8.count <= 64,
                name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." })
            else {
                throw ConfigurationError(field: "cameras[\(i)]", line: n.mark?.line, reason: "a camera name is 1-64 letters, digits, '-', '_' or '.'")
            }
            guard !names.contains(name) else { throw ConfigurationError(field: "cameras[\(i)]", line: n.mark?.line, reason: "'\(name)' is listed twice") }
            names.append(name)
        }
        guard !names.isEmpty else { throw ConfigurationError(field: "cameras", line: cams.mark?.line, reason: "lists no camera") }
        cameras = names

        let (fpsText, fpsLine) = try required("fps")
        do { rate = try FrameRate(parsing: fpsText) } catch { throw ConfigurationError(field: "fps", line: fpsLine, reason: "\(error)") }

        width = 1280
        height = 720
        if let (res, line) = try scalar("resolution") {
            let parts = res.split(separator: "x")
            guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), (16...8192).contains(w), (16...8192).contains(h) else {
                throw ConfigurationError(field: "resolution", line: line, reason: "'\(res)' is not WIDTHxHEIGHT within 16...8192")
            }
            width = w
            height = h
        }
        lead = .seconds(2)
        if let (t, line) = try scalar("lead") { lead = try span("lead", t, line) }
        stopMargin = .milliseconds(500)
        if let (t, line) = try scalar("stopMargin") { stopMargin = try span("stopMargin", t, line) }

        let (key, _) = try required("key")
        keyPath = key.hasPrefix("/") ? key : "\(directory)/\(key)"

        host = "127.0.0.1"
        port = 7400
        if let (listen, line) = try scalar("listen") {
            guard let colon = listen.lastIndex(of: ":"), let p = Int(listen[listen.index(after: colon)...]), (1...65535).contains(p), colon != listen.startIndex else {
                throw ConfigurationError(field: "listen", line: line, reason: "'\(listen)' is not HOST:PORT")
            }
            host = String(listen[..<colon])
            port = p
        }
        maximumPTPOffset = .microseconds(1)
        if let ptp = values["ptp"] {
            guard let m = ptp.mapping else { throw ConfigurationError(field: "ptp", line: ptp.mark?.line, reason: "expected a mapping (maxOffset)") }
            for (k, v) in m {
                guard k.string == "maxOffset", let text = v.string else {
                    throw ConfigurationError(field: "ptp.\(k.string ?? "?")", line: k.mark?.line, reason: "unknown setting (known: maxOffset)")
                }
                maximumPTPOffset = try span("ptp.maxOffset", text, v.mark?.line)
            }
        }
    }
}
