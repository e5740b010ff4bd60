/// The encoders a recording can use.
public enum VideoCodec: String, Sendable, CaseIterable, CustomStringConvertible {
    /// H.264 through libx264, preset `ultrafast`, tune `zerolatency` (a Pi 5 has no H.264
    /// encoder in hardware; zerolatency means no lookahead and no B-frames, so packets leave the
    /// encoder as frames enter it and DTS = PTS).
    case x264
    /// FFV1, lossless intra-only: for analysis where every sample counts.
    case ffv1
    /// Uncompressed frames, stored as they came.
    case raw

    public var description: String { rawValue }

    /// Accepts `x264` (or `h264`, `libx264`), `ffv1`, `raw` (or `rawvideo`).
    public init(parsing text: String) throws(MediaError) {
        switch text.lowercased() {
        case "x264", "h264", "libx264": self = .x264
        case "ffv1": self = .ffv1
        case "raw", "rawvideo": self = .raw
        default: throw MediaError.unknownCodec(text)
        }
    }

    /// FFmpeg's encoder name.
    var encoderName: String {
        switch self {
        case .x264: "libx264"
        case .ffv1: "ffv1"
        case .raw: "rawvideo"
        }
    }

    /// FFmpeg's decoder name for what the encoder wrote.
    var decoderName: String {
        switch self {
        case .x264: "h264"
        case .ffv1: "ffv1"
        case .raw: "rawvideo"
        }
    }

    /// The pixel format the encoder is fed for frames of `layout` (libswscale converts when
    /// they differ: FFV1 has no NV12).
    func encoderLayout(for layout: PixelLayout) -> PixelLayout {
        switch (self, layout) {
        case (.ffv1, .nv12): .yuv420p
        default: layout
        }
    }
}
