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

/// The top-level mapping of a YAML settings file, with typed reads that name the field and its
/// line in every error. Shared by the rig file and the node file.
struct ConfigMapping {
    private var values: [String: Node] = [:]

    /// Parses `text`; a key outside `known` is an error that lists the known ones.
    init(yaml text: String, known: Set<String>) throws(ConfigurationError) {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ConfigurationError(field: "(file)", line: nil, reason: "is empty")
            }
            root = node
        } catch let error as ConfigurationError {
            throw error
        } catch let error as YamlError {
            let (line, text) = YAMLDiagnosis.describe(error)
            throw ConfigurationError(field: "(file)", line: line, reason: "not valid YAML: \(text)")
        } catch {
            throw ConfigurationError(field: "(file)", line: nil, reason: "\(error)")
        }
        guard let map = root.mapping else { throw ConfigurationError(field: "(file)", line: root.mark?.line, reason: "expected a mapping of settings") }
        for (k, v) in map {
            guard let key = k.string else { throw ConfigurationError(field: "(file)", line: k.mark?.line, reason: "keys must be text") }
            guard known.contains(key) else {
                throw ConfigurationError(field: key, line: k.mark?.line, reason: "unknown setting (known: \(known.sorted().joined(separator: ", ")))")
            }
            values[key] = v
        }
    }

    /// The raw node of `key`, for structured values.
    func node(_ key: String) -> Node? { values[key] }

    /// A single value, with its line.
    func scalar(_ key: String) throws(ConfigurationError) -> (String, Int?)? {
        guard let node = values[key] else { return nil }
        guard let s = node.scalar?.string else { throw ConfigurationError(field: key, line: node.mark?.line, reason: "expected a single value") }
        return (s, node.mark?.line)
    }

    func required(_ key: String) throws(ConfigurationError) -> (String, Int?) {
        guard let v = try scalar(key) else { throw ConfigurationError(field: key, line: nil, reason: "is required") }
        return v
    }

    /// A non-negative duration (`2s`, `500ms`).
    func span(_ key: String) throws(ConfigurationError) -> TimeSpan? {
        guard let (text, line) = try scalar(key) else { return nil }
        return try Self.span(key, text, line)
    }

    static func span(_ field: String, _ text: String, _ line: Int?) throws(ConfigurationError) -> TimeSpan {
        let s: TimeSpan
        do { s = try TimeSpan(parsing: text) } catch { throw ConfigurationError(field: field, line: line, reason: "\(error)") }
        guard s >= .zero else { throw ConfigurationError(field: field, line: line, reason: "must not be negative") }
        return s
    }

    /// `WIDTHxHEIGHT` within 16...8192.
    func size(_ key: String) throws(ConfigurationError) -> (width: Int, height: Int)? {
        guard let (text, line) = try scalar(key) else { return nil }
        let parts = text.split(separator: "x")
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), (16...8192).contains(w), (16...8192).contains(h) else {
            throw ConfigurationError(field: key, line: line, reason: "'\(text)' is not WIDTHxHEIGHT within 16...8192")
        }
        return (w, h)
    }

    /// `HOST:PORT`.
    func hostPort(_ key: String) throws(ConfigurationError) -> (host: String, port: Int)? {
        guard let (text, line) = try scalar(key) else { return nil }
        guard let parsed = HostPort(parsing: text) else {
            throw ConfigurationError(field: key, line: line, reason: "'\(text)' is not HOST:PORT")
        }
        return (parsed.host, parsed.port)
    }

    /// A path; a relative one is resolved against `directory` (the file's own folder).
    func path(_ key: String, directory: String) throws(ConfigurationError) -> String? {
        guard let (text, line) = try scalar(key) else { return nil }
        guard !text.isEmpty else { throw ConfigurationError(field: key, line: line, reason: "is empty") }
        return text.hasPrefix("/") ? text : "\(directory)/\(text)"
    }

    /// A camera or node name: 1-64 letters, digits, '-', '_' or '.', not starting with '.' (a
    /// name is a file name: `.` and `..` made hidden files such as `..mkv`).
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64 && !name.hasPrefix(".")
            && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }
    }
}
