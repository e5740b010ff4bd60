/// One flash as it happened on the shared realtime timeline: its planned on-instant and the
/// instants at which the line was driven on and off (read right after each change returned on
/// the rig; the plan's own instants in a synthetic session).
///
/// A session's `flashes.csv` holds one record per fired flash (skipped flashes have none). The
/// GPIO flash runner writes it and the analyzer reads it, through ``FlashLogFormat``, so real and
/// synthetic sessions are read the same way.
public struct FlashRecord: Hashable, Sendable {
    /// The flash index `k` of the plan.
    public var index: Int
    public var plannedOn: RealtimeInstant
    /// When the LED actually turned on, and off.
    public var on: RealtimeInstant
    public var off: RealtimeInstant

    public init(index: Int, plannedOn: RealtimeInstant, on: RealtimeInstant, off: RealtimeInstant) {
        self.index = index
        self.plannedOn = plannedOn
        self.on = on
        self.off = off
    }

    /// Flash `k` of `plan`, lit exactly as planned.
    public init(plan: FlashPlan, _ k: Int) {
        self.init(index: k, plannedOn: plan.onInstant(k), on: plan.onInstant(k), off: plan.offInstant(k))
    }

    /// How late the LED went on (negative: early, which the sequencer never allows unless a
    /// realtime step happened between waking and driving the line).
    public var onError: TimeSpan { on - plannedOn }

    /// How long the LED was lit.
    public var width: TimeSpan { off - on }
}

/// The `flashes.csv` format: a header, then `flash_index,planned_on_ns,actual_on_ns,actual_off_ns`
/// with realtime nanoseconds since the epoch. An empty `actual_on_ns` means "on as planned".
public enum FlashLogFormat {
    public static let fileName = "flashes.csv"
    public static let header = "flash_index,planned_on_ns,actual_on_ns,actual_off_ns"

    /// One line, without the newline.
    public static func line(_ r: FlashRecord) -> String {
        "\(r.index),\(r.plannedOn.nanosecondsSinceEpoch),\(r.on.nanosecondsSinceEpoch),\(r.off.nanosecondsSinceEpoch)"
    }

    /// A whole file: the header, then one line per record, each ending in a newline.
    public static func text(_ records: some Sequence<FlashRecord>) -> String {
        var text = header + "\n"
        for r in records { text += line(r) + "\n" }
        return text
    }

    /// Reads a whole file's text; an error names the line number and what is wrong with it.
    /// Blank lines are ignored; a flash must end after it starts.
    public static func parse(_ text: String) throws(FlashLogError) -> [FlashRecord] {
        let lines = TextLines.split(text)
        guard let first = lines.first, first == header else {
            throw FlashLogError("line 1: expected the header '\(header)'")
        }
        var records: [FlashRecord] = []
        let cutShort = !TextLines.endsInLineEnd(text)
        for (offset, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let number = offset + 1
            do throws(FlashLogError) {
                records.append(try record(line, number: number))
            } catch {
                // A last line without its newline that does not parse was cut while being
                // written (or the file truncated), not mistyped: say so.
                guard cutShort, offset == lines.count - 1 else { throw error }
                throw FlashLogError("\(error.description): the last line has no newline, so the file was cut short (truncated, or read while being written)")
            }
        }
        return records
    }

    /// One row of the file (line `number`).
    static func record(_ line: Substring, number: Int) throws(FlashLogError) -> FlashRecord {
        let fields = line.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count == 4 else {
            throw FlashLogError("line \(number): expected 4 fields, got \(fields.count)")
        }
        guard let k = Int(fields[0]), k >= 0 else {
            throw FlashLogError("line \(number): flash_index '\(fields[0])' is not a whole number")
        }
        func instant(_ i: Int, _ name: String) throws(FlashLogError) -> RealtimeInstant? {
            if fields[i].isEmpty { return nil }
            guard let ns = Int64(fields[i]) else { throw FlashLogError("line \(number): \(name) '\(fields[i])' is not a whole number of nanoseconds") }
            return RealtimeInstant(nanosecondsSinceEpoch: ns)
        }
        guard let planned = try instant(1, "planned_on_ns") else { throw FlashLogError("line \(number): planned_on_ns is required") }
        let on = try instant(2, "actual_on_ns") ?? planned
        guard let off = try instant(3, "actual_off_ns") else { throw FlashLogError("line \(number): actual_off_ns is required") }
        guard off > on else {
            throw FlashLogError("line \(number): the flash ends (\(off.nanosecondsSinceEpoch)) before it starts (\(on.nanosecondsSinceEpoch))")
        }
        return FlashRecord(index: k, plannedOn: planned, on: on, off: off)
    }
}

/// Why a `flashes.csv` could not be read.
public struct FlashLogError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
