/// x264's speed preset and tuning. A Pi 5 has no H.264 encoder in hardware, so these decide the
/// CPU a camera's encoding costs and how long a frame waits in the encoder before its packet
/// exists (what a live stream to the ingest adds). `Benchmarks/x264-live.sh` measures both.
public struct X264Tuning: Hashable, Sendable, CustomStringConvertible {
    /// libx264's preset (`ultrafast` … `placebo`).
    public var preset: String
    /// libx264's tune (`zerolatency`: no lookahead, no frame threads, so a packet leaves the
    /// encoder as its frame enters it); nil for none.
    public var tune: String?

    public init(preset: String, tune: String?) {
        self.preset = preset
        self.tune = tune
    }

    /// What recordings and the live stream use: the cheapest preset, and no frame held back.
    /// B-frames are off whatever the preset (the recorder's `max_b_frames = 0`), so DTS = PTS.
    public static let live = X264Tuning(preset: "ultrafast", tune: "zerolatency")

    public var description: String { tune.map { "\(preset)+\($0)" } ?? preset }

    /// libx264's presets, fastest first.
    public static let presets = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo"]
    /// libx264's tunes.
    public static let tunes = ["film", "animation", "grain", "stillimage", "psnr", "ssim", "fastdecode", "zerolatency"]

    /// Refuses a preset or tune libx264 does not know, naming it and what it knows (libx264 would
    /// only fail when the first frame opens the encoder, mid-session).
    public func validate() throws(MediaError) {
        guard Self.presets.contains(preset) else {
            throw MediaError.invalidFrame("x264 preset '\(preset)' is unknown (one of \(Self.presets.joined(separator: ", ")))")
        }
        if let tune, !Self.tunes.contains(tune) {
            throw MediaError.invalidFrame("x264 tune '\(tune)' is unknown (one of \(Self.tunes.joined(separator: ", ")), or none)")
        }
    }
}
