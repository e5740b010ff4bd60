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
        var clockMin = Int64.max, clockMax = Int64.min
        var residualMin = Int64.max, residualMax = Int64.min
        var floorMin = Int64.max, floorMax = Int64.min
        var phase = SkewPhase.locked
    }

    private var slots: [Slot]
    private let mask: Int64
    /// The lowest index not yet finalized.
    private(set) var nextFinalize: Int64 = 0
    private(set) var requestSkew = LogHistogram()
    private(set) var exposureSkew = LogHistogram()
    /// The exposure skew a perfect controller would leave with the same clocks (see ``add(_:residualNs:lineTimeTruePs:phase:)``).
    private(set) var exposureSkewFloor = LogHistogram()
    /// Per ``SkewPhase``: the exposure skew, the clocks' part and the capture path's residual.
    private(set) var splitExposure = Array(repeating: LogHistogram(), count: SkewPhase.allCases.count)
    private(set) var splitClocks = Array(repeating: LogHistogram(), count: SkewPhase.allCases.count)
    private(set) var splitResidual = Array(repeating: LogHistogram(), count: SkewPhase.allCases.count)
    private(set) var splitFloor = Array(repeating: LogHistogram(), count: SkewPhase.allCases.count)
    /// Frames recorded (before the stop index).
    private(set) var frames: Int64 = 0
    /// Indices captured by at least two cameras (skew samples).
    private(set) var sharedIndices: Int64 = 0
    /// Records that arrived after their index was finalized (a strategy capturing very stale frames).
    private(set) var lateRecords: Int64 = 0
    var limitIndex: Int64 = .max
    /// Whether the floor is computed (phase-locked capture: a request-timed sensor free-runs, and
    /// there is no controller to compare; the floor's division and two roundings per frame were
    /// 1.5 % of a request-timed long run).
    var measuresFloor = true
    /// The split per pair of cameras, when asked for (``measurePairs()``).
    private(set) var pairs: PairSkews?
    private let nodes: Int

    init(nodes: Int, periodNs: Int64) {
        let wanted = max(64, 16_000_000_000 / max(periodNs, 1))
        var capacity: Int64 = 64
        while capacity < wanted { capacity <<= 1 }
        slots = Array(repeating: Slot(), count: Int(capacity))
        mask = capacity - 1
        self.nodes = nodes
    }

    /// Also splits the skew per pair of cameras (``PairSkews``); before the first frame (a slot
    /// already holding frames would have cameras in its mask with no pair entries).
    mutating func measurePairs() {
        precondition(frames == 0, "pairs are measured from the first frame: ask before the run")
        if pairs == nil { pairs = PairSkews(nodes: nodes, slots: slots.count) }
    }

    /// True when `index` needs older indices finalized first to have a slot
    /// (call ``finalizeNext(_:)`` until it is false, then ``add(_:)``).
    func needsRoom(for index: Int64) -> Bool { index - nextFinalize > mask }

    mutating func finalizeNext(_ finalize: (Int64, UInt64) -> Void) { finalizeIndex(nextFinalize, finalize) }

    /// Adds a frame; `residualNs` is the camera's true exposure start minus the true instant its own
    /// realtime read `Tn`, `lineTimeTruePs` the camera's true line time, `phase` the camera's state then.
    ///
    /// The floor: a frame's start can only move by whole lines (every frame length is whole lines),
    /// so whatever lengths any controller had chosen, this frame's start would differ from the true
    /// one by a whole number of lines. The best one camera can do, knowing the truth exactly, is
    /// the start of that grid nearest the instant its clock read `Tn`: the residual wrapped into
    /// ±½ line. The spread of those starts is the skew of a perfect per-camera controller with
    /// these clocks and this line grid (exact to the ns per line of the true frame-length rounding).
    mutating func add(_ t: FrameTruth, residualNs: Int64, lineTimeTruePs: Double, phase: SkewPhase) {
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
        let clock = t.exposureStartTrueNs - residualNs
        slots[k].clockMin = min(slots[k].clockMin, clock)
        slots[k].clockMax = max(slots[k].clockMax, clock)
        slots[k].residualMin = min(slots[k].residualMin, residualNs)
        slots[k].residualMax = max(slots[k].residualMax, residualNs)
        if measuresFloor {
            let lines = (Double(residualNs) * 1000 / lineTimeTruePs).rounded()
            let floor = t.exposureStartTrueNs - Int64((lines * lineTimeTruePs / 1000).rounded())
            slots[k].floorMin = min(slots[k].floorMin, floor)
            slots[k].floorMax = max(slots[k].floorMax, floor)
        }
        if phase.rank > slots[k].phase.rank { slots[k].phase = phase }
        pairs?.record(slot: k, node: t.node, exposureNs: t.exposureStartTrueNs, residualNs: residualNs, phase: phase)
    }

    /// Finalizes every index whose deadline (as true time) is before `limitNs`, up to the limit index.
    mutating func finalize(before limitNs: Int64, schedule: FrameSchedule, epochNs: Int64, finalize: (Int64, UInt64) -> Void) {
        while nextFinalize < limitIndex {
            guard let tn = try? schedule.deadline(of: nextFinalize), tn.nanosecondsSinceEpoch - epochNs < limitNs else { return }
            finalizeIndex(nextFinalize, finalize)
        }
    }

    /// The split per phase, for the phases that had indices.
    var skewSplit: [SkewSplit] {
        SkewPhase.allCases.compactMap { p in
            guard splitExposure[p.rank].count > 0 else { return nil }
            return SkewSplit(
                phase: p, exposureNs: splitExposure[p.rank].summary, clocksNs: splitClocks[p.rank].summary,
                residualNs: splitResidual[p.rank].summary, floorNs: splitFloor[p.rank].summary)
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
                let p = s.phase.rank
                splitExposure[p].add(s.exposureMax - s.exposureMin)
                splitClocks[p].add(s.clockMax - s.clockMin)
                splitResidual[p].add(s.residualMax - s.residualMin)
                if measuresFloor {
                    exposureSkewFloor.add(s.floorMax - s.floorMin)
                    splitFloor[p].add(s.floorMax - s.floorMin)
                }
                pairs?.finalize(slot: k, mask: s.mask)
            }
            slots[k] = Slot()
        }
        nextFinalize = index + 1
        finalize(index, m)
    }
}
