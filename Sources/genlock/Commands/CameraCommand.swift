import ArgumentParser
import Dispatch
import Foundation
import GenlockControl
import GenlockCore
import GenlockHAL
import GenlockMedia
import GenlockPOSIX
import Glibc
import Logging
import Synchronization

/// `genlock camera`: one camera node running the real POSIX capture path.
struct CameraCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "camera",
        abstract: "Run a camera node: capture frame n at T0 + n·P on the shared realtime clock."
    )

    @Flag(help: "The synthetic camera (no camera hardware), the same as --camera synthetic.")
    var synthetic = false

    @Option(help: "Camera: synthetic (the default: each capture request is logged), libcamera (the only camera) or libcamera:ID_OR_MODEL.", transform: CameraChoice.parse)
    var camera: CameraChoice?

    @Option(help: "Capture mode: request-timed (the default with the synthetic camera; with libcamera the sensor free-runs at a multiple of the rate and one request is queued per Tn) or phase-locked (the default with libcamera: the sensor streams and its frame length is steered until exposures start on Tn).")
    var capture: CaptureMode?

    @Option(help: "Fixed exposure time with libcamera (default 2ms).", transform: Parse.timeSpan)
    var exposure: TimeSpan = .milliseconds(2)

    @Option(help: "Sensor timing to use instead of the camera's model: imx708 or imx296 (libcamera; the synthetic streaming sensor's timing, imx708 by default).")
    var sensor: String?

    @Option(name: .customLong("crystal-ppm"), help: ArgumentHelp("The synthetic streaming sensor's crystal error in ppm (phase-locked without a camera).", visibility: .hidden))
    var crystalPpm: Double = 20

    @Option(name: .customLong("metrics"), help: "Serve this node's Prometheus /metrics on HOST:PORT (read-only; frames, drops, skips, PTP offset, phase error, a lateness histogram).")
    var metrics: String?

    @Option(help: "Node settings file (YAML: name, coordinator, key, out, session, codec, size, ptpSocket, ptpMaxOffset, coordinatorTimeout, joinMargin); flags override it.")
    var config: String?

    @Option(help: "Camera name used in logs and as the recording's file name (default cam1).")
    var name: String?

    @Option(help: "Frame rate: 30, 120, 30000/1001 or an exact decimal such as 29.97 (standalone runs).", transform: Parse.frameRate)
    var fps: FrameRate?

    @Option(name: .customLong("start-at"), help: "T0 as realtime nanoseconds since the epoch.", transform: Parse.nanoseconds)
    var startAt: Int64?

    @Option(name: .customLong("start-in"), help: "T0 as a delay from now (2s, 500ms).", transform: Parse.timeSpan)
    var startIn: TimeSpan?

    // `.unconditional` so that `--frames -3` reaches the transform and is rejected with a reason
    // instead of being mistaken for an option.
    @Option(parsing: .unconditional, help: "Number of frames to capture from index 0, the stop index (standalone runs).", transform: Parse.frameCount)
    var frames: Int64?

    @Option(help: "Coordinator HOST:PORT: take START/STOP from it instead of --fps/--frames.")
    var coordinator: String?

    @Option(help: "Rig key file (with --coordinator).")
    var key: String?

    @Option(help: "Record to <out>/<session>/<name>.mkv plus sidecars (the session folder is named from T0 unless --session).", transform: Parse.path)
    var out: String?

    @Option(help: "With --out: also stream every encoded packet and sidecar row to the ingest at HOST:PORT (`genlock ingest`; needs --key); the local recording stays the durable copy and back-fills the ingest after a cut.")
    var ingest: String?

    @Option(name: .customLong("keyframe-interval"), help: "x264: frames between keyframes (default 30): bounds how long a live viewer of the stream waits for a picture.")
    var keyframeInterval: Int = 30

    @Option(name: .customLong("x264-preset"), help: "x264 speed preset (default ultrafast; `Benchmarks/x264-live.sh` measures CPU, bitrate and encode latency per setting).")
    var x264Preset = X264Tuning.live.preset

    @Option(name: .customLong("x264-tune"), help: "x264 tune, or 'none' (default zerolatency: a packet leaves the encoder as its frame enters it).")
    var x264Tune = X264Tuning.live.tune ?? "none"

    @Option(help: "Session folder name (default: T0 as YYYYMMDD-HHMMSS UTC, the same on every node).")
    var session: String?

    @Option(help: "Codec when recording: x264 (default), ffv1 or raw.", transform: Parse.codec)
    var codec: VideoCodec?

    @Option(help: "Frame size WIDTHxHEIGHT when recording the synthetic camera (default 640x480; libcamera records at its sensor mode's size).", transform: Parse.frameSize)
    var size: FrameSize?

    @Option(name: .customLong("ptp-uds"), help: "ptp4l's management socket, for the PTP status reported to the coordinator (default /var/run/ptp4l).")
    var ptpSocket: String?

    @Option(name: .customLong("ptp-max-offset"), help: "The PTP offset below which this node reports itself locked (default 1us).", transform: Parse.timeSpan)
    var ptpMaxOffset: TimeSpan?

    @Option(name: .customLong("coordinator-timeout"), help: "With --coordinator: after losing the coordinator this long, stop at the next frame; what was recorded is kept (default 30s).", transform: Parse.timeSpan)
    var coordinatorTimeout: TimeSpan?

    @OptionGroup var timing: TimerOptions

    @Option(name: .customLong("cpu-latency-us"), help: "Hold a /dev/cpu_dma_latency request (µs) while running, keeping idle CPUs out of deep sleep states (what cyclictest does).")
    var cpuLatencyUs: Int32?

    @Option(name: .customLong("join-margin"), help: "A late start begins at the first frame at least this far ahead (default 5ms).", transform: Parse.timeSpan)
    var joinMargin: TimeSpan?

    @Option(name: .customLong("late-tolerance"), help: "With --out: a frame whose realtime lateness (realtime on waking − Tn) exceeds this is flagged 'late' in the sidecar.", transform: Parse.timeSpan)
    var lateTolerance: TimeSpan = .milliseconds(1)

    func validate() throws {
        let s = try settings()
        let choice = try cameraChoice()
        if lateTolerance < .zero { throw ValidationError("--late-tolerance must not be negative, got \(lateTolerance)") }
        if case .libcamera = choice, size != nil {
            throw ValidationError("--size: libcamera records at its sensor mode's size (imx708 1536x864, imx296 1456x1088)")
        }
        if exposure <= .zero { throw ValidationError("--exposure must be positive") }
        if abs(crystalPpm) > 500 { throw ValidationError("--crystal-ppm must be within ±500 (the kernel's frequency adjustment range)") }
        if let sensor, SensorMode.known(model: sensor) == nil {
            throw ValidationError("--sensor: no timing for '\(sensor)'; known: \(SensorMode.known.map(\.model).joined(separator: ", "))")
        }
        if startAt != nil, startIn != nil { throw ValidationError("--start-at and --start-in are exclusive") }
        if let startIn, startIn < .zero { throw ValidationError("--start-in must not be negative") }
        if s.joinMargin < .zero { throw ValidationError("--join-margin must not be negative") }
        do { try PixelLayout.yuv420p.validate(width: s.size.width, height: s.size.height) } catch { throw ValidationError("--size: \(error)") }
        do { try x264Tuning.validate() } catch { throw ValidationError("--x264-preset/--x264-tune: \(error)") }
        if keyframeInterval < 1 { throw ValidationError("--keyframe-interval must be at least 1, got \(keyframeInterval)") }
        if let ingest {
            guard HostPort(parsing: ingest) != nil else { throw ValidationError("--ingest: '\(ingest)' is not HOST:PORT") }
            if s.key == nil { throw ValidationError("--key (or key: in --config) is required with --ingest") }
            if s.out == nil { throw ValidationError("--ingest streams the local recording: give --out too") }
        }
        if s.coordinator != nil {
            if s.key == nil { throw ValidationError("--key (or key: in --config) is required with --coordinator") }
            if let coordinator = s.coordinator, HostPort(parsing: coordinator) == nil {
                throw ValidationError("--coordinator: '\(coordinator)' is not HOST:PORT")
            }
            if fps != nil || frames != nil { throw ValidationError("--fps and --frames come from the coordinator's START; omit them with --coordinator") }
            if s.coordinatorTimeout <= .zero { throw ValidationError("--coordinator-timeout must be positive") }
        } else {
            if fps == nil { throw ValidationError("--fps is required (or --coordinator)") }
            if frames == nil { throw ValidationError("--frames is required (or --coordinator)") }
        }
    }

    func run() throws {
        let s = try settings()
        let choice = try cameraChoice()
        try NodeLaunch.run(NodeOptions(
            name: s.name, camera: choice, capture: capture ?? choice.defaultCapture, sensor: sensor, exposure: exposure,
            coordinator: s.coordinator, key: s.key, coordinatorTimeout: s.coordinatorTimeout, ptpSocket: s.ptpSocket,
            ptpMaxOffset: s.ptpMaxOffset, fps: fps, frames: frames, startAt: startAt, startIn: startIn,
            recording: try s.out.map {
                var recording = NodeRecording(out: $0, session: s.session, codec: s.codec, size: s.size, writesSessionExports: s.coordinator == nil, lateTolerance: lateTolerance)
                recording.keyframeInterval = keyframeInterval
                recording.x264 = x264Tuning
                if let ingest, let address = HostPort(parsing: ingest), let keyPath = s.key {
                    recording.ingest = .init(host: address.host, port: address.port, key: try RigKeyFile.read(keyPath, option: "--key"))
                }
                return recording
            },
            joinMargin: s.joinMargin, timing: timing, cpuLatencyUs: cpuLatencyUs, crystalPpm: crystalPpm, metrics: metrics))
    }
}

extension CameraCommand {
    /// `--x264-preset` and `--x264-tune`.
    var x264Tuning: X264Tuning { X264Tuning(preset: x264Preset, tune: x264Tune == "none" ? nil : x264Tune) }

    /// `--camera`, or `--synthetic`, or the synthetic camera by default.
    func cameraChoice() throws -> CameraChoice {
        if synthetic, let camera, camera != .synthetic { throw ValidationError("--synthetic and --camera libcamera are exclusive") }
        return camera ?? .synthetic
    }

    /// The node's settings: each flag given, else the `--config` file's value, else the default.
    struct Settings {
        var name: String
        var coordinator: String?
        var key: String?
        var out: String?
        var session: String?
        var codec: VideoCodec
        var size: FrameSize
        var ptpSocket: String
        var ptpMaxOffset: TimeSpan
        var coordinatorTimeout: TimeSpan
        var joinMargin: TimeSpan
    }

    func settings() throws -> Settings {
        var file: NodeConfiguration?
        if let config {
            let text: String
            switch TextFile.read(config) {
            case .success(let read): text = read
            case .failure(let error): throw ValidationError("--config: \(error)")
            }
            do {
                file = try NodeConfiguration(yaml: text, directory: URL(fileURLWithPath: config).deletingLastPathComponent().path)
            } catch {
                throw ValidationError("\(config): \(error)")
            }
        }
        var fileCodec: VideoCodec?
        if let text = file?.codec {
            do { fileCodec = try VideoCodec(parsing: text) } catch { throw ValidationError("\(config ?? ""): codec: \(error)") }
        }
        let fileSize = file?.width.flatMap { w in file?.height.map { FrameSize(width: w, height: $0) } }
        let fileCoordinator = file?.coordinatorHost.flatMap { h in file?.coordinatorPort.map { "\(h):\($0)" } }
        // The flags obey the files' rule: a name becomes a file name (`--name ..` wrote `...mkv`).
        try Parse.checkName(name, option: "--name", what: "camera")
        try Parse.checkName(session, option: "--session", what: "session")
        return Settings(
            name: name ?? file?.name ?? "cam1",
            coordinator: coordinator ?? fileCoordinator,
            key: key ?? file?.keyPath,
            out: out ?? file?.out,
            session: session ?? file?.session,
            codec: codec ?? fileCodec ?? .x264,
            size: size ?? fileSize ?? FrameSize(width: 640, height: 480),
            ptpSocket: ptpSocket ?? file?.ptpSocket ?? "/var/run/ptp4l",
            ptpMaxOffset: ptpMaxOffset ?? file?.ptpMaxOffset ?? .microseconds(1),
            coordinatorTimeout: coordinatorTimeout ?? file?.coordinatorTimeout ?? .seconds(30),
            joinMargin: joinMargin ?? file?.joinMargin ?? .milliseconds(5))
    }
}
