import GenlockCore

/// One LED flash as it happened on the shared realtime timeline.
public struct Flash: Hashable, Sendable {
    /// The flash's number in its plan (`k` of ``FlashPlan``).
    public var index: Int
    /// When the plan said the LED should turn on.
    public var plannedOn: RealtimeInstant
    /// When the LED actually turned on and off (the GPIO runner's measurement; the plan's
    /// instants for a synthetic session).
    public var on: RealtimeInstant
    public var off: RealtimeInstant

    public init(index: Int, plannedOn: RealtimeInstant, on: RealtimeInstant, off: RealtimeInstant) {
        self.index = index
        self.plannedOn = plannedOn
        self.on = on
        self.off = off
    }

    /// How long the LED was lit.
    public var width: TimeSpan { off - on }
}

/// The flashes of a session, in time order: `flashes.csv` in the session folder.
///
/// Columns `flash_index,planned_on_ns,actual_on_ns,actual_off_ns` (realtime ns since the Unix
/// epoch), the format the GPIO flash runner writes on the rig, so real and synthetic sessions
/// are read the same way.
public struct FlashList: Hashable, Sendable {
    public static let fileName = "flashes.csv"
    public static let header = "flash_index,planned_on_ns,actual_on_ns,actual_off_ns"

    public let flashes: [Flash]

    /// Flashes in increasing on-instant order (they are sorted here).
    public init(_ flashes: [Flash]) {
        self.flashes = flashes.sorted { $0.on < $1.on }
    }

    /// Every flash of `plan`, lit exactly as planned.
    public init(plan: FlashPlan) {
        self.init((0..<plan.count).map { k in
            Flash(index: k, plannedOn: plan.onInstant(k), on: plan.onInstant(k), off: plan.offInstant(k))
        })
    }

    /// Flashes lit at some moment of `[from, to)`, in order (binary search: sessions hold many).
    public func overlapping(_ from: RealtimeInstant, _ to: RealtimeInstant) -> ArraySlice<Flash> {
        guard from < to else { return [] }
        // Flashes never overlap each other, so their off-instants are sorted too.
        var lo = 0, hi = flashes.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if flashes[mid].off <= from { lo = mid + 1 } else { hi = mid }
        }
        var end = lo
        while end < flashes.count, flashes[end].on < to { end += 1 }
        return flashes[lo..<end]
    }

    /// The file's text, header first, one row per flash, each ending in a newline.
    public var csv: String {
        var text = Self.header + "\n"
        for f in flashes {
            text += "\(f.index),\(f.plannedOn.nanosecondsSinceEpoch),\(f.on.nanosecondsSinceEpoch),\(f.off.nanosecondsSinceEpoch)\n"
        }
        return text
    }

    /// Parses `flashes.csv`; `path` names the file in errors. An empty `actual_on_ns` cell
    /// means the LED turned on as planned; `actual_off_ns` is required (it gives the width).
    public init(csv text: String, path: String) throws(HILError) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, first.trimmingSuffix("\r") == Self.header else {
            throw HILError("\(path):1: expected the header '\(Self.header)'")
        }
        var flashes: [Flash] = []
        for (offset, raw) in lines.enumerated().dropFirst() {
            let line = raw.trimmingSuffix("\r")
            if line.isEmpty { continue }
            let number = offset + 1
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            guard cells.count == 4 else { throw HILError("\(path):\(number): expected 4 cells, got \(cells.count)") }
            guard let index = Int(cells[0]), index >= 0 else {
                throw HILError("\(path):\(number): flash_index '\(cells[0])' is not a whole number")
            }
            func instant(_ i: Int, _ name: String) throws(HILError) -> RealtimeInstant? {
                if cells[i].isEmpty { return nil }
                guard let ns = Int64(cells[i]) else { throw HILError("\(path):\(number): \(name) '\(cells[i])' is not an integer") }
                return RealtimeInstant(nanosecondsSinceEpoch: ns)
            }
            guard let planned = try instant(1, "planned_on_ns") else { throw HILError("\(path):\(number): planned_on_ns is required") }
            let on = try instant(2, "actual_on_ns") ?? planned
            guard let off = try instant(3, "actual_off_ns") else { throw HILError("\(path):\(number): actual_off_ns is required") }
            guard off > on else { throw HILError("\(path):\(number): the flash ends (\(off.nanosecondsSinceEpoch)) before it starts (\(on.nanosecondsSinceEpoch))") }
            flashes.append(Flash(index: index, plannedOn: planned, on: on, off: off))
        }
        guard !flashes.isEmpty else { throw HILError("\(path): no flashes listed") }
        let sorted = flashes.sorted { $0.on < $1.on }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.on < a.off {
            throw HILError("\(path): flashes \(a.index) and \(b.index) overlap")
        }
        self.flashes = sorted
    }
}

extension Substring {
    fileprivate func trimmingSuffix(_ suffix: String) -> Substring {
        hasSuffix(suffix) ? dropLast(suffix.count) : self
    }
}
