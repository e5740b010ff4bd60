/// Finds the LED's columns: the run of column bins whose brightness changes most from frame to
/// frame (a flash lights them in some frames and not in others; the background does not change).
public enum LEDRegionFinder {
    /// The least change, in mean luma levels, that counts as the LED: well above what the noise
    /// of a bin's mean can produce, well below a dim flash.
    public static let minimumContrastLuma: Float = 8

    /// The bins (a contiguous run around the strongest) whose contrast is at least half the
    /// strongest's; nil when nothing changes by ``minimumContrastLuma``.
    /// `frames` are ``ColumnBinning/sums(luma:stride:)`` of each frame.
    public static func ledBins(_ frames: [[UInt32]], binning: ColumnBinning) -> ClosedRange<Int>? {
        guard let first = frames.first else { return nil }
        var low = first, high = first
        for frame in frames.dropFirst() {
            for i in frame.indices {
                low[i] = min(low[i], frame[i])
                high[i] = max(high[i], frame[i])
            }
        }
        // A bin's contrast: the largest change of any of its rows, as a mean over the bin's pixels.
        var contrast = [Float](repeating: 0, count: binning.bins)
        for row in 0..<binning.region.height {
            for bin in 0..<binning.bins {
                let i = row * binning.bins + bin
                contrast[bin] = max(contrast[bin], Float(high[i] - low[i]) / Float(binning.width(ofBin: bin)))
            }
        }
        guard let peak = contrast.indices.max(by: { contrast[$0] < contrast[$1] }),
              contrast[peak] >= minimumContrastLuma else { return nil }
        let threshold = contrast[peak] / 2
        var lo = peak, hi = peak
        while lo > 0, contrast[lo - 1] >= threshold { lo -= 1 }
        while hi < binning.bins - 1, contrast[hi + 1] >= threshold { hi += 1 }
        // Bins at the run's ends may straddle the diffuser's blurred edge: drop them when the run
        // is wide enough, so every column kept sees the LED fully.
        if hi - lo >= 2 {
            if contrast[lo] < contrast[peak] * 0.9 { lo += 1 }
            if contrast[hi] < contrast[peak] * 0.9 { hi -= 1 }
        }
        return lo...hi
    }
}
