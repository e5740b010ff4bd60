/// Proposes where the LED may be: runs of column bins whose brightness changes from frame to
/// frame. Brightness only proposes; the flash log decides (``CameraAnalyzer`` keeps the first
/// candidate whose lit frames and band positions follow the flashes), so a flickering lamp or a
/// moving object that changes more than a dim LED is tried and rejected, not measured.
public enum LEDRegionFinder {
    /// The least change, in mean luma levels, that counts as a candidate: well above what the
    /// noise of a bin's mean can produce, well below a dim flash.
    public static let minimumContrastLuma: Float = 8
    /// At most this many candidates are tried per camera.
    public static let maximumCandidates = 4

    /// Candidate runs of bins, strongest first: around each remaining peak, the contiguous bins
    /// whose contrast is at least half the peak's are taken, and those within 85 % of it kept. `frames` are each frame's
    /// ``ColumnBinning/Reduction/sums``.
    public static func candidates(_ frames: [[UInt16]], binning: ColumnBinning) -> [ClosedRange<Int>] {
        guard let first = frames.first else { return [] }
        var low = first, high = first
        // Over raw buffers: the loop then vectorizes (it runs over every row and bin of every
        // frame, after the camera's decoding, so it adds to the analysis's wall time).
        low.withUnsafeMutableBufferPointer { low in
            high.withUnsafeMutableBufferPointer { high in
                for frame in frames.dropFirst() {
                    frame.withUnsafeBufferPointer { frame in
                        precondition(frame.count == low.count, "frames reduced with different binnings")
                        for i in 0..<frame.count {
                            low[i] = min(low[i], frame[i])
                            high[i] = max(high[i], frame[i])
                        }
                    }
                }
            }
        }
        // A bin's peak: the largest change of any of its rows, as a mean over the bin's pixels (it
        // decides whether anything changes at all). Its contrast: the change summed over its rows,
        // which ranks the bins and shapes the run (a round spot's middle columns, which see it over
        // the most rows, rather than its sides).
        var peakChange = [Float](repeating: 0, count: binning.bins)
        var contrast = [Float](repeating: 0, count: binning.bins)
        for row in 0..<binning.region.height {
            for bin in 0..<binning.bins {
                let i = row * binning.bins + bin
                let change = Float(high[i] - low[i]) / Float(binning.width(ofBin: bin))
                peakChange[bin] = max(peakChange[bin], change)
                contrast[bin] += change
            }
        }
        var taken = [Bool](repeating: false, count: binning.bins)
        var runs: [ClosedRange<Int>] = []
        while runs.count < maximumCandidates {
            guard let peak = contrast.indices.filter({ !taken[$0] && peakChange[$0] >= minimumContrastLuma })
                .max(by: { contrast[$0] < contrast[$1] }) else { break }
            let threshold = contrast[peak] / 2
            var lo = peak, hi = peak
            while lo > 0, !taken[lo - 1], contrast[lo - 1] >= threshold { lo -= 1 }
            while hi < binning.bins - 1, !taken[hi + 1], contrast[hi + 1] >= threshold { hi += 1 }
            for bin in lo...hi { taken[bin] = true }
            // Keep the bins that see the LED (almost) as fully as the strongest: the ones at the
            // run's ends straddle the diffuser's blurred edge, or a round spot's narrower rows.
            var keptLo = peak, keptHi = peak
            while keptLo > lo, contrast[keptLo - 1] >= 0.85 * contrast[peak] { keptLo -= 1 }
            while keptHi < hi, contrast[keptHi + 1] >= 0.85 * contrast[peak] { keptHi += 1 }
            runs.append(keptLo...keptHi)
        }
        return runs
    }
}
