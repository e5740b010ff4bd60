import GenlockCore

/// What happened to one frame index, beyond the pixels: one row of the sidecar.
public struct FrameRecord: Hashable, Sendable {
    /// How a row's frame fared.
    public struct Flags: OptionSet, Hashable, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// The deadline passed before the node could request the frame (late join, overrun):
        /// no capture was attempted.
        public static let skipped = Flags(rawValue: 1 << 0)
        /// The frame was requested (maybe captured) but is not in the video: the camera or the
        /// recorder could not keep up, or writing failed.
        public static let dropped = Flags(rawValue: 1 << 1)
        /// The first frame of a new segment file.
        public static let segmentStart = Flags(rawValue: 1 << 2)
        /// The node woke for the frame later after `Tn` than the recording's tolerance
        /// (``RecordingConfiguration/lateTolerance``): its realtime lateness says by how much.
        public static let late = Flags(rawValue: 1 << 3)

        /// In the video, but at or after the session's stop index: the STOP arrived after the
        /// frame was written. Not part of the session (left out of `summary.csv` and
        /// `timestamps.csv`); the frame stays in the file rather than risk cutting the container.
        public static let afterStop = Flags(rawValue: 1 << 4)

        static let names: [(Flags, String)] = [
            (.skipped, "skipped"), (.dropped, "dropped"), (.segmentStart, "segment-start"), (.late, "late"), (.afterStop, "after-stop"),
        ]

        /// Names joined by `|`; empty for a frame recorded normally.
        public var text: String { Self.names.filter { contains($0.0) }.map(\.1).joined(separator: "|") }

        public init(text: String) throws(MediaError) {
            var flags = Flags()
            for word in text.split(separator: "|") where !word.isEmpty {
                guard let match = Self.names.first(where: { $0.1 == word }) else {
                    throw MediaError.invalidFrame("unknown flag '\(word)'")
                }
                flags.insert(match.0)
            }
            self = flags
        }
    }

    /// The frame index `n`.
    public var index: Int64
    /// `Tn`, the instant frame `n` was scheduled for on the shared realtime timeline.
    public var scheduled: RealtimeInstant
    /// The sensor's timestamp of the frame on CLOCK_MONOTONIC (on a Pi 5: the frame-start
    /// interrupt, ≈ start of readout of the first line). Nil when no frame was captured.
    public var sensorMonotonic: MonotonicInstant?
    /// `sensorMonotonic` mapped to the realtime timeline through the clock pair sampled when
    /// the node woke for this frame. Nil when no frame was captured.
    public var sensorRealtime: RealtimeInstant?
    /// The exposure time the sensor reported. Nil when unknown (the synthetic camera has none).
    public var exposure: TimeSpan?
    /// How late the node's deadline timer woke for this frame (monotonic). Nil for skipped frames.
    public var wakeError: TimeSpan?
    /// Realtime read when the node woke for this frame minus `Tn`: the lateness on the shared
    /// timeline, which a realtime step makes differ from ``wakeError``. Nil when not known
    /// (skipped frames, sidecars written before this column existed).
    public var realtimeLateness: TimeSpan?
    public var flags: Flags

    public init(
        index: Int64, scheduled: RealtimeInstant, sensorMonotonic: MonotonicInstant? = nil,
        sensorRealtime: RealtimeInstant? = nil, exposure: TimeSpan? = nil, wakeError: TimeSpan? = nil,
        realtimeLateness: TimeSpan? = nil, flags: Flags = []
    ) {
        self.index = index
        self.scheduled = scheduled
        self.sensorMonotonic = sensorMonotonic
        self.sensorRealtime = sensorRealtime
        self.exposure = exposure
        self.wakeError = wakeError
        self.realtimeLateness = realtimeLateness
        self.flags = flags
    }

    /// Flags the frame ``Flags/late`` when its realtime lateness exceeds `tolerance`.
    public mutating func flagLateness(beyond tolerance: TimeSpan) {
        if let realtimeLateness, realtimeLateness > tolerance { flags.insert(.late) }
    }

    /// Whether the frame's pixels were handed to the video file.
    public var isRecorded: Bool { flags.isDisjoint(with: [.skipped, .dropped]) }

    /// Whether the frame is a recorded frame of the session: in the video and before the stop index.
    public var isInSession: Bool { isRecorded && !flags.contains(.afterStop) }

    /// The frame's instant on the shared timeline, as `timestamps.csv` and the exports give it:
    /// the sensor's when known, else `Tn`.
    public var frameTime: RealtimeInstant { sensorRealtime ?? scheduled }
}
