import GenlockCore
import Yams

/// Reads one YAML mapping field by field, remembering which keys were used so that an unknown
/// (misspelt) key is an error naming it rather than a silently ignored setting.
struct YAMLFields {
    let path: String
    let line: Int?
    private var entries: [(key: String, value: Node, line: Int?)] = []
    private var used = Set<String>()

    init(_ node: Node, path: String) throws(ScenarioError) {
        self.path = path
        self.line = node.mark.map { $0.line }
        guard let mapping = node.mapping else {
            throw ScenarioError(field: path, line: line, reason: "expected a mapping of keys to values")
        }
        var seen = Set<String>()
        for (k, v) in mapping {
            guard let key = k.string else {
                throw ScenarioError(field: path, line: k.mark?.line, reason: "keys must be plain text")
            }
            if !seen.insert(key).inserted {
                throw ScenarioError(field: join(key), line: k.mark?.line, reason: "given twice")
            }
            entries.append((key, v, v.mark?.line ?? k.mark?.line))
        }
    }

    func join(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func hasKey(_ key: String) -> Bool { entries.contains { $0.key == key } }

    mutating func node(_ key: String) -> (Node, Int?)? {
        guard let e = entries.first(where: { $0.key == key }) else { return nil }
        used.insert(key)
        return (e.value, e.line)
    }

    mutating func scalar(_ key: String) throws(ScenarioError) -> (String, Int?)? {
        guard let (n, line) = node(key) else { return nil }
        guard let s = n.scalar?.string else {
            throw ScenarioError(field: join(key), line: line, reason: "expected a single value")
        }
        return (s, line)
    }

    mutating func duration(_ key: String, _ value: inout Int64, allowNegative: Bool = false) throws(ScenarioError) {
        guard let (text, line) = try scalar(key) else { return }
        value = try Self.parseDuration(text, field: join(key), line: line, allowNegative: allowNegative)
    }

    static func parseDuration(_ text: String, field: String, line: Int?, allowNegative: Bool) throws(ScenarioError) -> Int64 {
        let ns: Int64
        if text.trimmingCharacters() == "0" {
            ns = 0
        } else {
            do throws(TimeSpanParseError) {
                ns = try TimeSpan(parsing: text).nanoseconds
            } catch {
                throw ScenarioError(field: field, line: line, reason: error.description)
            }
        }
        // Bounded so that sums of instants, steps and durations can never overflow 64-bit nanoseconds.
        if ns.magnitude > UInt64(Scenario.maximumSpanNs) {
            throw ScenarioError(field: field, line: line, reason: "'\(text)' is beyond ±1000h")
        }
        if ns < 0 && !allowNegative {
            throw ScenarioError(field: field, line: line, reason: "must not be negative, got '\(text)'")
        }
        return ns
    }

    mutating func int(_ key: String, _ value: inout Int64, range: ClosedRange<Int64>) throws(ScenarioError) {
        guard let (text, line) = try scalar(key) else { return }
        guard let v = Int64(text.trimmingCharacters()) else {
            throw ScenarioError(field: join(key), line: line, reason: "'\(text)' is not a whole number")
        }
        guard range.contains(v) else {
            throw ScenarioError(field: join(key), line: line, reason: "\(v) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        value = v
    }

    mutating func int(_ key: String, _ value: inout Int, range: ClosedRange<Int64>) throws(ScenarioError) {
        var v = Int64(value)
        try int(key, &v, range: range)
        value = Int(v)
    }

    mutating func double(_ key: String, _ value: inout Double, range: ClosedRange<Double>) throws(ScenarioError) {
        guard let (text, line) = try scalar(key) else { return }
        guard let v = Double(text.trimmingCharacters()), v.isFinite else {
            throw ScenarioError(field: join(key), line: line, reason: "'\(text)' is not a number")
        }
        guard range.contains(v) else {
            throw ScenarioError(field: join(key), line: line, reason: "\(v) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        value = v
    }

    mutating func optionalDouble(_ key: String, _ value: inout Double?, range: ClosedRange<Double>) throws(ScenarioError) {
        guard entries.contains(where: { $0.key == key }) else { return }
        var v = 0.0
        try double(key, &v, range: range)
        value = v
    }

    mutating func bool(_ key: String, _ value: inout Bool) throws(ScenarioError) {
        guard let (text, line) = try scalar(key) else { return }
        switch text.trimmingCharacters().lowercased() {
        case "true", "yes", "on": value = true
        case "false", "no", "off": value = false
        default: throw ScenarioError(field: join(key), line: line, reason: "'\(text)' is not true or false")
        }
    }

    mutating func choice<T: RawRepresentable>(_ key: String, _ value: inout T, _ all: [T]) throws(ScenarioError) where T.RawValue == String {
        guard let (text, line) = try scalar(key) else { return }
        guard let v = T(rawValue: text.trimmingCharacters()) else {
            throw ScenarioError(field: join(key), line: line, reason: "'\(text)' is not one of \(all.map(\.rawValue).joined(separator: ", "))")
        }
        value = v
    }

    mutating func section(_ key: String) throws(ScenarioError) -> YAMLFields? {
        guard let (n, _) = node(key) else { return nil }
        return try YAMLFields(n, path: join(key))
    }

    /// Fails on the first key nobody asked for.
    func finish() throws(ScenarioError) {
        if let e = entries.first(where: { !used.contains($0.key) }) {
            throw ScenarioError(field: join(e.key), line: e.line, reason: "unknown field")
        }
    }
}

extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return String(s)
    }
}
