import GenlockCore

/// Per-frame-index aggregation across cameras, over a sliding window of indices: which nodes
/// captured the frame, and the spread of their request instants and true exposure starts. An
/// index is finalized (skews added to the histograms, coverage checked) once its instant is well
/// in the past, so a 24-hour run needs memory for a few seconds of frames only.
struct FrameTable {
    private struct Slot {
        var index: Int64 = -1
        var mask: UInt64 = 0
        var count = 0
        var requestMin = Int64.max, requestMax = Int64.min
        var exposureMin = Int64.max, exposureMax = Int64.min
    }

    private var slots: [Slot]
    private let mask: Int64
    /// The lowest index not yet finalized.
    private(set) var nextFinalize: Int64 = 0
    private(set) var requestSkew = LogHistogram()
    private(set) var exposureSkew = LogHistogram()
    /// Frames recorded (before the stop index).
    private(set) var frames: Int64 = 0
    /// Indices captured by at least two cameras (skew samples).
    private(set) var sharedIndices: Int64 = 0
    /// Records that arrived after their index was finalized (a strategy capturing very stale frames).
    private(set) var lateRecords: Int64 = 0
    var limitIndex: Int64 = .max

    init(nodes: Int, periodNs: Int64) {
        let wanted = max(64, 16_000_000_000 / max(periodNs, 1))
        var capacity: Int64 = 64
        while capacity < wanted { capacity <<= 1 }
        slots = Array(repeating: Slot(), count: Int(capacity))
        mask = capacity - 1
    }

    /// True when `index` needs older indices finalized first to have a slot
    /// (call ``finalizeNext(_:)`` until it is false, then ``add(_:)``).
    func needsRoom(for index: Int64) -> Bool { index - nextFinalize > mask }

    mutating func finalizeNext(_ finalize: (Int64, UInt64) -> Void) { finalizeIndex(nextFinalize, finalize) }

    mutating func add(_ t: FrameTruth) {
        frames += 1
        if t.index < nextFinalize {
            lateRecords += 1
            return
        }
        precondition(!needsRoom(for: t.index))
        let k = Int(t.index & mask)
        if slots[k].index != t.index { slots[k] = Slot(index: t.index) }
        slots[k].mask |= 1 << UInt64(t.node)
        slots[k].count += 1
        slots[k].requestMin = min(slots[k].requestMin, t.requestTrueNs)
        slots[k].requestMax = max(slots[k].requestMax, t.requestTrueNs)
        slots[k].exposureMin = min(slots[k].exposureMin, t.exposureStartTrueNs)
        slots[k].exposureMax = max(slots[k].exposureMax, t.exposureStartTrueNs)
    }

    /// Finalizes every index whose deadline (as true time) is before `limitNs`, up to the limit index.
    mutating func finalize(before limitNs: Int64, schedule: FrameSchedule, epochNs: Int64, finalize: (Int64, UInt64) -> Void) {
        while nextFinalize < limitIndex {
            guard let tn = try? schedule.deadline(of: nextFinalize), tn.nanosecondsSinceEpoch - epochNs < limitNs else { return }
            finalizeIndex(nextFinalize, finalize)
        }
    }

    private mutating func finalizeIndex(_ index: Int64, _ finalize: (Int64, UInt64) -> Void) {
        let k = Int(index & mask)
        var m: UInt64 = 0
        if slots[k].index == index {
            let s = slots[k]
            m = s.mask
            if s.count >= 2 {
                sharedIndices += 1
                requestSkew.add(s.requestMax - s.requestMin)
                exposureSkew.add(s.exposureMax - s.exposureMin)
            }
            slots[k] = Slot()
        }
        nextFinalize = index + 1
        finalize(index, m)
    }
}
