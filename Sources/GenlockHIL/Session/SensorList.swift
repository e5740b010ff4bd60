import GenlockCore

/// What the analyzer needs to know of each camera's sensor that the sidecar does not say:
/// `sensors.csv` in the session folder, columns `camera,shutter,line_time_ps`.
///
/// Optional: without it a camera counts as rolling shutter, and its line time is estimated from
/// the bands (the exposure divided by the rows between a band's two edges).
public struct SensorList: Hashable, Sendable {
    public static let fileName = "sensors.csv"
    public static let header = "camera,shutter,line_time_ps"

    public struct Entry: Hashable, Sendable {
        public var shutter: Shutter
        /// Nil when the line time is not known (an empty cell).
        public var lineTimePs: Int64?

        public init(shutter: Shutter, lineTimePs: Int64?) {
            self.shutter = shutter
            self.lineTimePs = lineTimePs
        }
    }

    public var entries: [String: Entry]

    public init(_ entries: [String: Entry]) { self.entries = entries }

    /// The file's text, cameras in name order.
    public var csv: String {
        var text = Self.header + "\n"
        for name in entries.keys.sorted() {
            let e = entries[name]!
            text += "\(name),\(e.shutter),\(e.lineTimePs.map(String.init) ?? "")\n"
        }
        return text
    }

    /// Parses `sensors.csv`; `path` names the file in errors.
    public init(csv text: String, path: String) throws(HILError) {
        let lines = TextLines.split(text, omittingEmpty: true)
        guard lines.first == Substring(Self.header) else { throw HILError("\(path):1: expected the header '\(Self.header)'") }
        var entries: [String: Entry] = [:]
        for (offset, line) in lines.enumerated().dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            guard cells.count == 3, !cells[0].isEmpty else { throw HILError("\(path):\(offset + 1): expected camera,shutter,line_time_ps") }
            guard let shutter = Shutter(rawValue: String(cells[1])) else {
                throw HILError("\(path):\(offset + 1): shutter '\(cells[1])' is not rolling or global")
            }
            var lineTime: Int64?
            if !cells[2].isEmpty {
                guard let v = Int64(cells[2]), v > 0 else { throw HILError("\(path):\(offset + 1): line_time_ps '\(cells[2])' is not a positive integer") }
                lineTime = v
            }
            entries[String(cells[0])] = Entry(shutter: shutter, lineTimePs: lineTime)
        }
        self.entries = entries
    }
}
