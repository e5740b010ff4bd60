/// What one fired flash actually did: its planned on-instant and the realtime instants at which
/// the line was driven on and off (read right after each change returned).
///
/// A session's `flashes.csv` holds one record per fired flash (skipped flashes have none), so
/// the analyzer can judge each flash by how far it landed from the plan.
public struct FlashRecord: Hashable, Sendable {
    /// The flash index `k` of the plan.
    public var flash: Int
    public var plannedOn: RealtimeInstant
    public var actualOn: RealtimeInstant
    public var actualOff: RealtimeInstant

    public init(flash: Int, plannedOn: RealtimeInstant, actualOn: RealtimeInstant, actualOff: RealtimeInstant) {
        self.flash = flash
        self.plannedOn = plannedOn
        self.actualOn = actualOn
        self.actualOff = actualOff
    }

    /// How late the LED went on (negative: early, which the sequencer never allows unless a
    /// realtime step happened between waking and driving the line).
    public var onError: TimeSpan { actualOn - plannedOn }
}

/// The `flashes.csv` format: a header, then `flash,planned_on_ns,actual_on_ns,actual_off_ns`
/// with realtime nanoseconds since the epoch.
public enum FlashLogFormat {
    public static let fileName = "flashes.csv"
    public static let header = "flash,planned_on_ns,actual_on_ns,actual_off_ns"

    /// One line, without the newline.
    public static func line(_ r: FlashRecord) -> String {
        "\(r.flash),\(r.plannedOn.nanosecondsSinceEpoch),\(r.actualOn.nanosecondsSinceEpoch),\(r.actualOff.nanosecondsSinceEpoch)"
    }

    /// Reads a whole file's text; an error names the line number and what is wrong with it.
    public static func parse(_ text: String) throws(FlashLogError) -> [FlashRecord] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        if lines.last == "" { lines.removeLast() }
        guard let first = lines.first, first == header else {
            throw FlashLogError("line 1: expected the header '\(header)'")
        }
        var records: [FlashRecord] = []
        for (offset, line) in lines.enumerated().dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == 4 else {
                throw FlashLogError("line \(offset + 1): expected 4 fields, got \(fields.count)")
            }
            guard let k = Int(fields[0]), k >= 0 else {
                throw FlashLogError("line \(offset + 1): '\(fields[0])' is not a flash index")
            }
            var ns: [Int64] = []
            for field in fields.dropFirst() {
                guard let value = Int64(field) else {
                    throw FlashLogError("line \(offset + 1): '\(field)' is not a whole number of nanoseconds")
                }
                ns.append(value)
            }
            records.append(FlashRecord(
                flash: k, plannedOn: RealtimeInstant(nanosecondsSinceEpoch: ns[0]),
                actualOn: RealtimeInstant(nanosecondsSinceEpoch: ns[1]), actualOff: RealtimeInstant(nanosecondsSinceEpoch: ns[2])))
        }
        return records
    }
}

/// Why a `flashes.csv` could not be read.
public struct FlashLogError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
