import GenlockCore
import GenlockHIL
import GenlockMedia

/// One frame index of a synthetic camera.
public struct SynthFrame: Hashable, Sendable {
    public var index: Int64
    /// `Tn`.
    public var scheduled: RealtimeInstant
    /// How the frame exposed (ground truth); nil for an index the camera did not capture.
    public var timing: ExposureTiming?
    /// The sidecar's flags: `skipped` or `dropped` for an index without pixels.
    public var flags: FrameRecord.Flags

    public init(index: Int64, scheduled: RealtimeInstant, timing: ExposureTiming?, flags: FrameRecord.Flags = []) {
        self.index = index
        self.scheduled = scheduled
        self.timing = timing
        self.flags = timing == nil && flags.isEmpty ? .skipped : flags
    }
}

/// A synthetic camera: its name and its frames in index order.
public struct SynthCamera: Hashable, Sendable {
    public var name: String
    public var frames: [SynthFrame]

    public init(name: String, frames: [SynthFrame]) {
        self.name = name
        self.frames = frames
    }
}

/// Writes a synthetic HIL session: each camera's frames of an ``LEDScene`` rendered from ground
/// truth and recorded through ``SessionRecorder`` (video, sidecar, timestamp files, session
/// exports), plus `flashes.csv`, `sensors.csv` and `truth.csv` — a folder the analyzer reads
/// exactly as it reads a real one.
public struct SessionSynthesizer: Sendable {
    public var scene: LEDScene
    public var flashes: FlashList
    public var codec: VideoCodec
    public var frameRate: FrameRate?
    /// The Pi 5 stamps a frame at its frame-start interrupt: the end of row 0's exposure plus
    /// this latency. The sidecar's sensor instants follow that convention.
    public var interruptLatency: TimeSpan
    /// Whether `sensors.csv` is written (a rig's session may lack it).
    public var writesSensorTable: Bool
    /// Per camera, a line time written to `sensors.csv` instead of the true one (a wrong sensor
    /// table, for the analyzer's cross-check).
    public var sensorTableLineTimePs: [String: Int64]

    public init(scene: LEDScene, flashes: FlashList, codec: VideoCodec = .ffv1, frameRate: FrameRate? = nil,
                interruptLatency: TimeSpan = .microseconds(20), writesSensorTable: Bool = true,
                sensorTableLineTimePs: [String: Int64] = [:]) {
        self.writesSensorTable = writesSensorTable
        self.sensorTableLineTimePs = sensorTableLineTimePs
        self.scene = scene
        self.flashes = flashes
        self.codec = codec
        self.frameRate = frameRate
        self.interruptLatency = interruptLatency
    }

    /// Writes `<outputRoot>/<session>/` and returns its path. `epoch` is the session's `T0`.
    @discardableResult
    public func write(cameras: [SynthCamera], outputRoot: String, session: String, epoch: RealtimeInstant) throws(MediaError) -> String {
        let recorder = try SessionRecorder(outputRoot: outputRoot, session: session)
        let renderer = SceneRenderer(scene: scene)
        let configuration = RecordingConfiguration(
            codec: codec, width: scene.width, height: scene.height, layout: .yuv420p, frameRate: frameRate, epoch: epoch,
            encoderThreads: 1)
        var sensors: [String: SensorList.Entry] = [:]
        var truth = SynthTruth.header + "\n"
        for (number, camera) in cameras.enumerated() {
            let files = try recorder.camera(camera.name, configuration: configuration)
            let chroma = [UInt8](repeating: 128, count: scene.width / 2 * (scene.height / 2))
            do throws(MediaError) {
                for frame in camera.frames {
                    guard let timing = frame.timing, !frame.flags.contains(.skipped) else {
                        try files.note(FrameRecord(index: frame.index, scheduled: frame.scheduled, flags: frame.flags))
                        continue
                    }
                    sensors[camera.name] = SensorList.Entry(shutter: timing.shutter, lineTimePs: sensorTableLineTimePs[camera.name] ?? timing.lineTimePs)
                    truth += SynthTruth.line(camera: camera.name, index: frame.index, timing: timing)
                    let record = FrameRecord(
                        index: frame.index, scheduled: frame.scheduled,
                        sensorRealtime: timing.start + timing.exposure + interruptLatency, exposure: timing.exposure,
                        wakeError: .zero, flags: frame.flags)
                    if frame.flags.contains(.dropped) {
                        try files.note(record)
                        continue
                    }
                    let reach = flashes.overlapping(timing.start, timing.start + timing.exposure + .nanoseconds(
                        timing.shutter == .rolling ? Int64(Double(scene.height) * timing.lineTimeNs) + 1 : 0))
                    let luma = renderer.luma(timing: timing, flashes: reach, camera: number, index: frame.index)
                    let picture = VideoFrame(width: scene.width, height: scene.height, layout: .yuv420p, planes: [
                        .init(bytes: luma, stride: scene.width),
                        .init(bytes: chroma, stride: scene.width / 2),
                        .init(bytes: chroma, stride: scene.width / 2),
                    ])
                    try files.append(picture, record: record)
                }
                try files.finish()
            } catch {
                _ = try? files.finish()
                throw error
            }
        }
        try recorder.finish()
        try FileSystem.writeAtomically(flashes.csv, to: recorder.directory + "/" + FlashList.fileName)
        if writesSensorTable {
            try FileSystem.writeAtomically(SensorList(sensors).csv, to: recorder.directory + "/" + SensorList.fileName)
        }
        try FileSystem.writeAtomically(truth, to: recorder.directory + "/" + SynthTruth.fileName)
        return recorder.directory
    }
}

/// `truth.csv` of a synthetic session: the ground truth every estimate can be checked against.
public enum SynthTruth {
    public static let fileName = "truth.csv"
    public static let header = "camera,index,exposure_start_ns,exposure_ns,line_time_ps,shutter"

    static func line(camera: String, index: Int64, timing: ExposureTiming) -> String {
        "\(camera),\(index),\(timing.start.nanosecondsSinceEpoch),\(timing.exposure.nanoseconds),\(timing.lineTimePs),\(timing.shutter)\n"
    }
}
