/// The ingest's account of one camera's stream: which rows it has written, which it holds until
/// the rows before them arrive, and which it still lacks. A pure state machine (events in, actions
/// out, like ``CoordinatorCore``); the server does the writing.
///
/// Rows must reach the file in index order (a Matroska stream's timestamps only grow), but after a
/// cut the node's live rows arrive before the back-filled ones. Every row names the node's
/// previous row (``StreamPacket/previous``), so the rows form a chain: a row is written as soon as
/// the row it names is written, and held until then. The indices between a row and its previous do
/// not exist (the node was not running); the previous row itself is lacking until it arrives. So the
/// ledger knows exactly what it lacks, without timeouts or guesses, and asks for it with WANT.
///
/// Memory is bounded: beyond ``Limits/heldBytes`` a live row is not held (it is lacking and will be
/// back-filled from the node's file, which is the durable copy).
///
/// A WANT names only rows not already asked for: a row asked for is outstanding (queued or in
/// flight on the node) until it arrives, and is not asked for again until the node reconnects
/// (``Event/connected``) or the server's monotonic stall timer says nothing arrived for a while
/// (``Event/remind``). So a back-fill sends each missing row once, however many rows arrive while
/// it runs.
///
/// A ledger opened over files an earlier run of the ingest wrote (``init(limits:resumedAfter:)``)
/// starts with those rows written: the node is not asked for them again.
public struct IngestLedger: Sendable {
    public struct Limits: Hashable, Sendable {
        /// Most packet bytes held out of order for this camera.
        public var heldBytes: Int
        public init(heldBytes: Int = 64 * 1024 * 1024) { self.heldBytes = heldBytes }
    }

    public enum Event: Hashable, Sendable {
        /// A row arrived (live or back-filled).
        case row(StreamPacket)
        /// The node says its recording ended with row `lastIndex` (nil: it recorded none).
        case end(lastIndex: Int64?)
        /// A node (re)connected for this camera: tell it what is lacking.
        case connected
        /// The node has recorded rows up to this index (its HELLO says so).
        case newest(Int64)
        /// Nothing arrived for a while although rows are lacking (the node's file had not flushed
        /// them yet when it was asked): ask again.
        case remind
    }

    public enum Action: Hashable, Sendable {
        /// Write this row now (rows come out in index order, each exactly once).
        case write(StreamPacket)
        /// Ask the node for these rows (inclusive ranges, oldest first).
        case want([ClosedRange<Int64>])
        /// Every row up to the node's last is written: close the camera's files.
        case complete
        /// The row was not taken (the reason says why); nothing else changes.
        case ignored(index: Int64, reason: String)
    }

    public let limits: Limits
    /// The last row written (nil: none yet).
    public private(set) var written: Int64?
    /// Whether any row has been written (the chain has started).
    public private(set) var started = false
    /// Rows held until their previous row is written, by the index of that previous row.
    private var heldByPrevious: [Int64: StreamPacket] = [:]
    /// Held rows' indices, each with its previous row's index.
    private var heldPrevious: [Int64: Int64] = [:]
    public private(set) var heldBytes = 0
    /// The node's last row, once it said so.
    public private(set) var lastIndex: Int64??
    /// The newest row the node said it has (it lacks nothing beyond it that it knows of).
    public private(set) var newest: Int64?
    public private(set) var isComplete = false
    /// Rows written that arrived back-filled.
    public private(set) var backfilled = 0
    /// Rows asked for and not yet arrived (not asked for again until a reconnect or a reminder).
    public private(set) var outstanding: [ClosedRange<Int64>] = []
    /// Rows that arrived although already written or held (a back-fill sent twice, or a row
    /// before ``init(limits:resumedAfter:)``'s index).
    public private(set) var duplicates = 0

    /// `resumedAfter`: the last row an earlier run of the ingest wrote to this camera's files (the
    /// recorder's `resumedAfter`); the chain continues from it. Nil for a fresh camera.
    public init(limits: Limits = .init(), resumedAfter: Int64? = nil) {
        self.limits = limits
        written = resumedAfter
        started = resumedAfter != nil
    }

    /// Rows held out of order.
    public var heldCount: Int { heldPrevious.count }

    public mutating func handle(_ event: Event) -> [Action] {
        var out: [Action] = []
        switch event {
        case .row(let row):
            guard !isComplete else { return [.ignored(index: row.index, reason: "the camera's stream is complete")] }
            if let written, row.index <= written {
                duplicates += 1
                return [.ignored(index: row.index, reason: "row \(row.index) is already written")]
            }
            if heldPrevious[row.index] != nil {
                duplicates += 1
                return [.ignored(index: row.index, reason: "row \(row.index) is already held")]
            }
            if continuesChain(row) {
                write(row, &out)
                drain(&out)
            } else {
                let size = row.payload?.data.count ?? 0
                if heldBytes + size > limits.heldBytes {
                    out.append(.ignored(index: row.index, reason: "\(heldBytes) bytes already held out of order; row \(row.index) will be back-filled"))
                } else if let previous = row.previous, heldByPrevious[previous] != nil {
                    out.append(.ignored(index: row.index, reason: "row \(row.index) names previous row \(previous), which another held row names"))
                } else if let previous = row.previous {
                    heldByPrevious[previous] = row
                    heldPrevious[row.index] = previous
                    heldBytes += size
                } else {
                    out.append(.ignored(index: row.index, reason: "row \(row.index) says it is the first, but rows up to \(written.map(String.init) ?? "none") are written"))
                }
            }
        case .end(let last):
            lastIndex = .some(last)
        case .connected, .remind:
            outstanding = []
        case .newest(let index):
            newest = max(newest ?? index, index)
        }
        if !isComplete, let last = lastIndex, (last == nil && !started) || (last.map { l in written.map { $0 >= l } ?? false } ?? false) {
            isComplete = true
            out.append(.complete)
        }
        // Only a change of what is held or known can change what is lacking.
        if !isComplete, changesLacking(event) {
            let lacking = self.lacking
            // What arrived is no longer outstanding; what is lacking and not outstanding is asked for.
            outstanding = IndexRanges.intersecting(outstanding, lacking)
            let fresh = IndexRanges.subtracting(lacking, outstanding)
            if !fresh.isEmpty {
                outstanding = IndexRanges.merged(outstanding + fresh)
                out.append(.want(fresh))
            }
        }
        return out
    }

    /// The rows this camera still lacks, as inclusive index ranges, oldest first: before each held
    /// row whose previous row is missing, and after the last known row up to the node's last.
    /// Rows inside a range that the node never recorded simply do not come (the chain says so).
    public var lacking: [ClosedRange<Int64>] {
        var out: [ClosedRange<Int64>] = []
        var floor = written
        for (index, previous) in heldPrevious.sorted(by: { $0.key < $1.key }) {
            if previous > (floor ?? .min), heldPrevious[previous] == nil {
                out.append((floor.map { $0 + 1 } ?? .min)...previous)
            }
            floor = index
        }
        let tail = [lastIndex ?? nil, newest].compactMap { $0 }.max()
        if let tail, tail > (floor ?? .min) {
            out.append((floor.map { $0 + 1 } ?? .min)...tail)
        }
        return out
    }

    private func changesLacking(_ event: Event) -> Bool {
        switch event {
        case .end, .connected, .remind, .newest: true
        case .row: !heldPrevious.isEmpty || !outstanding.isEmpty
        }
    }

    private func continuesChain(_ row: StreamPacket) -> Bool {
        guard started else { return row.previous == nil }
        guard let previous = row.previous, let written else { return false }
        return previous <= written
    }

    private mutating func write(_ row: StreamPacket, _ out: inout [Action]) {
        written = row.index
        started = true
        if !row.live { backfilled += 1 }
        out.append(.write(row))
    }

    /// Writes every held row whose chain is now complete.
    private mutating func drain(_ out: inout [Action]) {
        while let written, let next = heldByPrevious.removeValue(forKey: written) {
            heldPrevious[next.index] = nil
            heldBytes -= next.payload?.data.count ?? 0
            write(next, &out)
        }
    }
}
