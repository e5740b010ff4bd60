import GenlockCore

/// The flashes of a session, in time order: `flashes.csv` in the session folder.
///
/// The file is ``FlashLogFormat`` (core), the format the GPIO flash runner writes on the rig, so
/// real and synthetic sessions are read the same way.
public struct FlashList: Hashable, Sendable {
    public static let fileName = FlashLogFormat.fileName
    public static let header = FlashLogFormat.header

    public let flashes: [FlashRecord]

    /// Flashes in increasing on-instant order (they are sorted here).
    public init(_ flashes: [FlashRecord]) {
        self.flashes = flashes.sorted { $0.on < $1.on }
    }

    /// Every flash of `plan`, lit exactly as planned.
    public init(plan: FlashPlan) {
        self.init((0..<plan.count).map { FlashRecord(plan: plan, $0) })
    }

    /// Flashes lit at some moment of `[from, to)`, in order (binary search: sessions hold many).
    public func overlapping(_ from: RealtimeInstant, _ to: RealtimeInstant) -> ArraySlice<FlashRecord> {
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
    public var csv: String { FlashLogFormat.text(flashes) }

    /// Parses `flashes.csv`; `path` names the file in errors.
    public init(csv text: String, path: String) throws(HILError) {
        let flashes: [FlashRecord]
        do throws(FlashLogError) { flashes = try FlashLogFormat.parse(text) } catch { throw HILError("\(path): \(error)") }
        guard !flashes.isEmpty else { throw HILError("\(path): no flashes listed") }
        let sorted = flashes.sorted { $0.on < $1.on }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.on < a.off {
            throw HILError("\(path): flashes \(a.index) and \(b.index) overlap")
        }
        self.flashes = sorted
    }
}
