import Yams

/// What a YAML parse error says, on one line, and the line of the file it points at: one reading
/// for the rig file, the node file and the simulator's scenarios.
public enum YAMLDiagnosis {
    /// The error's first line of text (Yams adds a multi-line excerpt of the file) and its line
    /// (1-based) where Yams gives one; a key written twice names the key and its first line.
    public static func describe(_ error: YamlError) -> (line: Int?, text: String) {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return (mark.line, firstLine(error))
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
            return (context.mark.line, "\(keys) set more than once (first here); each setting once")
        default:
            return (nil, firstLine(error))
        }
    }

    private static func firstLine(_ error: YamlError) -> String {
        String(describing: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
    }
}
