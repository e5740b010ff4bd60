import GenlockCore

/// How one camera's recording is made.
public struct RecordingConfiguration: Sendable {
    public var codec: VideoCodec
    public var width: Int
    public var height: Int
    public var layout: PixelLayout
    /// The schedule's rate, stored in the file as the nominal rate (timestamps are exact anyway).
    public var frameRate: FrameRate?
    /// The session epoch `T0`: PTS 0 (``PresentationClock``). Every camera of a session must use
    /// the same value, so their files line up by PTS.
    public var epoch: RealtimeInstant
    /// Start a new file when a segment spans this much of the timeline (nil: one file).
    public var segmentDuration: TimeSpan?
    /// End the Matroska cluster and flush it to the file this often (timeline time): the most
    /// video a SIGKILL can take.
    public var flushInterval: TimeSpan
    /// Frames between keyframes (x264; FFV1 and raw frames are all keyframes).
    public var keyframeInterval: Int
    /// x264's preset and tune (ultrafast + zerolatency unless told otherwise).
    public var x264 = X264Tuning.live
    /// Encoder threads; 0 lets FFmpeg choose (one per core, as the ffmpeg CLI does). With x264
    /// zerolatency these are slice threads, which add no frame of delay.
    public var encoderThreads: Int
    /// A frame whose realtime lateness (realtime on waking minus `Tn`) exceeds this is flagged
    /// `late` in the sidecar.
    public var lateTolerance: TimeSpan

    public init(
        codec: VideoCodec = .x264, width: Int, height: Int, layout: PixelLayout = .yuv420p,
        frameRate: FrameRate? = nil, epoch: RealtimeInstant, segmentDuration: TimeSpan? = nil,
        flushInterval: TimeSpan = .milliseconds(500), keyframeInterval: Int = 30, encoderThreads: Int = 0,
        lateTolerance: TimeSpan = .milliseconds(1)
    ) {
        self.codec = codec
        self.width = width
        self.height = height
        self.layout = layout
        self.frameRate = frameRate
        self.epoch = epoch
        self.segmentDuration = segmentDuration
        self.flushInterval = flushInterval
        self.keyframeInterval = keyframeInterval
        self.encoderThreads = encoderThreads
        self.lateTolerance = lateTolerance
    }

    /// Rejects sizes the layout cannot hold and non-positive intervals.
    public func validate() throws(MediaError) {
        try layout.validate(width: width, height: height)
        if let segmentDuration, segmentDuration <= .zero {
            throw MediaError.invalidFrame("segment duration must be positive, got \(segmentDuration)")
        }
        if codec == .x264 { try x264.validate() }
        if lateTolerance < .zero { throw MediaError.invalidFrame("late tolerance must not be negative, got \(lateTolerance)") }
        guard flushInterval > .zero, keyframeInterval >= 1, encoderThreads >= 0 else {
            throw MediaError.invalidFrame("flush interval and keyframe interval must be positive, encoder threads not negative")
        }
    }
}

/// Tags every recording carries in its Matroska header, so a file explains its own timestamps.
public enum RecordingTags {
    /// `T0` in realtime ns since the Unix epoch: the instant PTS 0 stands for.
    public static let epoch = "GENLOCK_EPOCH_REALTIME_NS"
    public static let camera = "GENLOCK_CAMERA"
    public static let frameRate = "GENLOCK_FRAME_RATE"
    /// `1/1000`, rounding to the nearest tick: see ``PresentationClock``.
    public static let timeBase = "GENLOCK_TIME_BASE"
}
