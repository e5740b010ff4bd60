/// Why a scenario was rejected: the field (dotted path) and the YAML line where known.
public struct ScenarioError: Error, Hashable, Sendable, CustomStringConvertible {
    public var field: String
    public var line: Int?
    public var reason: String

    public init(field: String, line: Int?, reason: String) {
        self.field = field
        self.line = line
        self.reason = reason
    }

    public var description: String {
        let place = line.map { " (line \($0))" } ?? ""
        return field.isEmpty ? "scenario\(place): \(reason)" : "scenario field '\(field)'\(place): \(reason)"
    }
}
