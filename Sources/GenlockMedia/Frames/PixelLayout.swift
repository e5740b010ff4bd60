import CFFmpeg

/// How a frame's pixels are laid out in memory: the formats cameras hand us.
public enum PixelLayout: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Planar 4:2:0: a full-size Y plane, then U and V at half width and half height.
    case yuv420p
    /// Semi-planar 4:2:0: a full-size Y plane, then one half-height plane of interleaved U,V.
    case nv12
    /// One 8-bit luma plane.
    case gray8

    public var description: String { rawValue }

    /// Accepts `yuv420p` (or `yuv420`, `i420`), `nv12`, `gray8` (or `gray`).
    public init(parsing text: String) throws(MediaError) {
        switch text.lowercased() {
        case "yuv420p", "yuv420", "i420": self = .yuv420p
        case "nv12": self = .nv12
        case "gray8", "gray", "grey": self = .gray8
        default: throw MediaError.unknownPixelLayout(text)
        }
    }

    /// The number of planes a frame of this layout carries.
    public var planeCount: Int {
        switch self {
        case .yuv420p: 3
        case .nv12: 2
        case .gray8: 1
        }
    }

    /// Whether chroma subsampling requires even width and height.
    public var needsEvenSize: Bool { self != .gray8 }

    /// Bytes per row (without padding) and rows of plane `plane` for a `width`×`height` frame.
    public func planeSize(_ plane: Int, width: Int, height: Int) -> (rowBytes: Int, rows: Int) {
        switch (self, plane) {
        case (_, 0): (width, height)
        case (.yuv420p, _): (width / 2, height / 2)
        case (.nv12, _): (width, height / 2)
        case (.gray8, _): (0, 0)
        }
    }

    /// Checks that a `width`×`height` frame can exist in this layout.
    public func validate(width: Int, height: Int) throws(MediaError) {
        guard width > 0, height > 0 else { throw MediaError.invalidFrameSize(width: width, height: height, reason: "width and height must be positive") }
        if needsEvenSize, width % 2 != 0 || height % 2 != 0 {
            throw MediaError.invalidFrameSize(width: width, height: height, reason: "\(rawValue) subsamples chroma 2×2, so width and height must be even")
        }
    }

    var avPixelFormat: AVPixelFormat {
        switch self {
        case .yuv420p: AV_PIX_FMT_YUV420P
        case .nv12: AV_PIX_FMT_NV12
        case .gray8: AV_PIX_FMT_GRAY8
        }
    }

    init?(_ format: AVPixelFormat) {
        switch format {
        case AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUVJ420P: self = .yuv420p
        case AV_PIX_FMT_NV12: self = .nv12
        case AV_PIX_FMT_GRAY8: self = .gray8
        default: return nil
        }
    }
}
