import GenlockCore

/// What the analyzer knows of one frame index from the camera's sidecar.
public struct FrameMeta: Hashable, Sendable {
    public var index: Int64
    /// `Tn`.
    public var scheduled: RealtimeInstant
    /// The sensor's own idea of row 0's exposure start (sensor timestamp − exposure on a Pi 5),
    /// used only to choose which flash lit a band; nil when unknown (then `Tn` is used).
    public var sensorStart: RealtimeInstant?
    /// The frame's exposure time; required for an estimate.
    public var exposure: TimeSpan?
    /// Whether the frame is in the video (not skipped, not dropped).
    public var recorded: Bool

    public init(index: Int64, scheduled: RealtimeInstant, sensorStart: RealtimeInstant?, exposure: TimeSpan?, recorded: Bool) {
        self.index = index
        self.scheduled = scheduled
        self.sensorStart = sensorStart
        self.exposure = exposure
        self.recorded = recorded
    }
}

/// One candidate region of a camera's frames, reduced: per decoded frame, the mean luma of each
/// row over the region's columns and each row's brightest pixel.
public struct RegionProfiles: Sendable {
    /// The pixels covered (its first row is the profiles' first row).
    public var region: PixelRegion
    /// Row profiles by frame index (decoded frames only).
    public var profiles: [Int64: [Float]]
    /// The brightest pixel of each row, by frame index (empty: not known).
    public var rowMaxima: [Int64: [UInt8]]

    public init(region: PixelRegion, profiles: [Int64: [Float]], rowMaxima: [Int64: [UInt8]] = [:]) {
        self.region = region
        self.profiles = profiles
        self.rowMaxima = rowMaxima
    }
}

/// One camera's recording reduced to what estimation needs: the sidecar's rows and the
/// candidate regions where the LED may be (strongest change first; a given ROI is the only one).
public struct CameraInput: Sendable {
    public var name: String
    public var shutter: Shutter
    /// Line time in ps from `sensors.csv`; nil: fitted from the bands only.
    public var lineTimePs: Int64?
    /// Sidecar rows, in index order.
    public var frames: [FrameMeta]
    /// Where the LED may be, tried in order.
    public var candidates: [RegionProfiles]
    /// Frames decoded (whether or not the LED was found).
    public var decodedFrames: Int
    /// A pixel at or above this luma is clipped (the stream's range: 255 full, 235 limited or unknown).
    public var clipLuma: UInt8

    public init(name: String, shutter: Shutter, lineTimePs: Int64?, frames: [FrameMeta], candidates: [RegionProfiles],
                decodedFrames: Int, clipLuma: UInt8 = LitBands.limitedRangeTop) {
        self.name = name
        self.shutter = shutter
        self.lineTimePs = lineTimePs
        self.frames = frames
        self.candidates = candidates
        self.decodedFrames = decodedFrames
        self.clipLuma = clipLuma
    }
}

/// The exposure start of one frame, estimated from a flash.
public struct FrameEstimate: Hashable, Sendable, Codable {
    public var index: Int64
    /// Estimated start of row 0's exposure minus `Tn`, ns.
    public var offsetNs: Double
    /// Standard uncertainty of `offsetNs`, ns.
    public var sigmaNs: Double
    /// Band edges (rolling shutter) or sweep points (global shutter) used.
    public var edges: Int
    /// The flash (``Flash/index``) that lit the frame.
    public var flash: Int
}
