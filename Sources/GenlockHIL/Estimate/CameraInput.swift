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

/// One camera's recording reduced to what estimation needs: the sidecar's rows and, per decoded
/// frame, the row profile of the LED's region (mean luma per row).
public struct CameraInput: Sendable {
    public var name: String
    public var shutter: Shutter
    /// Line time in ps; nil: estimated from frames that show both band edges.
    public var lineTimePs: Int64?
    /// Sidecar rows, in index order.
    public var frames: [FrameMeta]
    /// Row profiles by frame index (decoded frames only).
    public var profiles: [Int64: [Float]]
    /// The sensor row of the profiles' first row.
    public var firstRow: Int

    public init(name: String, shutter: Shutter, lineTimePs: Int64?, frames: [FrameMeta], profiles: [Int64: [Float]], firstRow: Int) {
        self.name = name
        self.shutter = shutter
        self.lineTimePs = lineTimePs
        self.frames = frames
        self.profiles = profiles
        self.firstRow = firstRow
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
