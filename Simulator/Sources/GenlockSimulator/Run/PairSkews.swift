/// The exposure skew split into its causes for each pair of cameras: which two cameras disagree,
/// and whether it is their clocks or their capture paths. Per frame index both recorded: the
/// difference of their true exposure starts, of the true instants their own clocks read `Tn`, and
/// of their residuals (exposure start minus that instant), as magnitudes, split by phase (the worse
/// of the two cameras' phases: a pair whose cameras stay locked stays in `locked` while a third
/// camera restarts). The signed mean of the exposure difference shows a pair's constant lean.
///
/// Opt-in (``Simulation/measurePairs()``): 16 cameras make 120 pairs, three histograms each per
/// phase, filled at every index.
struct PairSkews {
    private struct Histograms {
        var exposure = LogHistogram()
        var clocks = LogHistogram()
        var residual = LogHistogram()
        /// Sum of (first camera − second camera) exposure start differences, ns.
        var exposureDifferenceSum: Int64 = 0
    }

    let nodes: Int
    // Per slot of the frame table and per camera, the last frame recorded there (a camera's entry
    // counts only when the slot's mask has its bit, so slots are never cleared).
    private var exposureNs: [Int64]
    private var residualNs: [Int64]
    private var phaseRank: [Int]
    // Per pair (a < b, in order) and phase.
    private var histograms: [Histograms]

    init(nodes: Int, slots: Int) {
        precondition(nodes <= 64, "a frame table's mask holds 64 cameras")
        self.nodes = nodes
        exposureNs = Array(repeating: 0, count: slots * nodes)
        residualNs = Array(repeating: 0, count: slots * nodes)
        phaseRank = Array(repeating: 0, count: slots * nodes)
        histograms = Array(repeating: Histograms(), count: nodes * (nodes - 1) / 2 * SkewPhase.allCases.count)
    }

    /// Camera `node`'s frame in table slot `slot`.
    mutating func record(slot: Int, node: Int, exposureNs e: Int64, residualNs r: Int64, phase: SkewPhase) {
        let i = slot * nodes + node
        exposureNs[i] = e
        residualNs[i] = r
        phaseRank[i] = phase.rank
    }

    /// Adds every pair among the cameras in `mask` that recorded the index in `slot`.
    mutating func finalize(slot: Int, mask: UInt64) {
        let base = slot * nodes
        var rest = mask
        while rest != 0 {
            let a = rest.trailingZeroBitCount
            rest &= rest - 1
            var others = rest
            while others != 0 {
                let b = others.trailingZeroBitCount
                others &= others - 1
                let de = exposureNs[base + a] - exposureNs[base + b]
                let dr = residualNs[base + a] - residualNs[base + b]
                let h = pairIndex(a, b) * SkewPhase.allCases.count + max(phaseRank[base + a], phaseRank[base + b])
                histograms[h].exposure.add(abs(de))
                histograms[h].clocks.add(abs(de - dr))  // clock instant = exposure start − residual
                histograms[h].residual.add(abs(dr))
                histograms[h].exposureDifferenceSum += de
            }
        }
    }

    /// Pair (a, b), a < b, counted in the order (0,1), (0,2), …, (1,2), …
    private func pairIndex(_ a: Int, _ b: Int) -> Int { a * (2 * nodes - a - 1) / 2 + (b - a - 1) }

    /// Every pair and phase that had frames, pairs in order, phases in ``SkewPhase`` order.
    var summaries: [PairSkew] {
        var out: [PairSkew] = []
        for a in 0..<nodes {
            for b in (a + 1)..<nodes {
                for phase in SkewPhase.allCases {
                    let h = histograms[pairIndex(a, b) * SkewPhase.allCases.count + phase.rank]
                    guard h.exposure.count > 0 else { continue }
                    out.append(PairSkew(
                        cameras: [a, b], phase: phase, frames: h.exposure.count, exposureNs: h.exposure.summary,
                        clocksNs: h.clocks.summary, residualNs: h.residual.summary,
                        meanExposureDifferenceNs: h.exposureDifferenceSum / h.exposure.count))
                }
            }
        }
        return out
    }
}

/// One pair of cameras in one phase (see ``Simulation/measurePairs()``): over the frame indices
/// both recorded, the magnitude of the difference of their true exposure starts, of the instants
/// their clocks read `Tn`, and of their capture paths' residuals; exposure ≤ clocks + residual,
/// frame by frame.
public struct PairSkew: Sendable, Codable, Hashable {
    /// The two cameras (node ids), lower first.
    public var cameras: [Int]
    public var phase: SkewPhase
    /// Frame indices both cameras recorded in this phase.
    public var frames: Int64
    public var exposureNs: Quantiles?
    public var clocksNs: Quantiles?
    public var residualNs: Quantiles?
    /// Mean of (first camera's − second camera's) true exposure start: the pair's constant lean.
    public var meanExposureDifferenceNs: Int64
}
