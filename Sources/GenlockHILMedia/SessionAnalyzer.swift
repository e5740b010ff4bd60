import GenlockCore
import GenlockHIL
import GenlockMedia

/// Reads a session folder (real or synthetic) and analyzes it: decodes each camera's video once,
/// keeps per frame only per-row sums over a few column bins (``ColumnBinning``), finds the LED's
/// columns from them (or uses the given region), and hands row profiles to the pure
/// ``SessionAnalysis``.
public struct SessionAnalyzer: Sendable {
    public let directory: String
    /// The LED's region, when the user gives it; nil: found from the frames.
    public let region: PixelRegion?
    /// Column bins across the frame when looking for the LED.
    public static let searchBins = 32

    public init(directory: String, region: PixelRegion? = nil) {
        self.directory = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        self.region = region
    }

    /// What one camera's recording reduced to, with where the LED was looked for.
    public struct CameraReading: Sendable {
        public var input: CameraInput
        /// The columns and rows the row profiles cover (nil when the LED was never found).
        public var region: PixelRegion?
        /// Frames decoded.
        public var decoded: Int
    }

    /// The analysis, with each camera's reading.
    public struct Result: Sendable {
        public var analysis: SessionAnalysis
        public var readings: [CameraReading]
    }

    public func run() throws(HILError) -> Result {
        guard FileSystem.exists(directory) else { throw HILError("session folder '\(directory)' does not exist") }
        let cameras: [String]
        do { cameras = try SessionExport.cameras(in: directory) } catch { throw HILError("\(error)") }
        guard !cameras.isEmpty else { throw HILError("'\(directory)' holds no <camera>.frames.csv: not a session folder") }
        let flashPath = directory + "/" + FlashList.fileName
        guard FileSystem.exists(flashPath) else {
            throw HILError("'\(directory)' has no \(FlashList.fileName): the analyzer needs the flash instants (flash_index,planned_on_ns,actual_on_ns,actual_off_ns)")
        }
        let flashes = try FlashList(csv: try read(flashPath), path: flashPath)
        let sensorPath = directory + "/" + SensorList.fileName
        let sensors = FileSystem.exists(sensorPath) ? try SensorList(csv: try read(sensorPath), path: sensorPath) : SensorList([:])
        var readings: [CameraReading] = []
        for camera in cameras {
            readings.append(try readCamera(camera, sensor: sensors.entries[camera]))
        }
        return Result(analysis: SessionAnalysis(cameras: readings.map(\.input), flashes: flashes), readings: readings)
    }

    private func read(_ path: String) throws(HILError) -> String {
        do { return try FileSystem.read(path) } catch { throw HILError("\(error)") }
    }

    /// Decodes every video file of `camera` and reduces its frames to row profiles.
    func readCamera(_ camera: String, sensor: SensorList.Entry?) throws(HILError) -> CameraReading {
        let files = CameraFiles(directory: directory, camera: camera)
        var binning: ColumnBinning?
        var sums: [Int64: [UInt32]] = [:]
        var records: [FrameRecord] = []
        var decoded = 0
        do {
            let videos = try files.videos()
            records = try SidecarFormat.parse(try FileSystem.read(files.sidecar), path: files.sidecar)
            for video in videos {
                let reader = try RecordingReader(path: video, sidecar: files.sidecar)
                while let frame = try reader.next() {
                    decoded += 1
                    guard let index = frame.index else { continue }
                    let luma = frame.frame.planes[0]
                    if binning == nil {
                        let full = PixelRegion(x: 0, y: 0, width: frame.frame.width, height: frame.frame.height)
                        if let region { try region.check(inside: frame.frame.width, frame.frame.height, source: video) }
                        binning = ColumnBinning(region: region ?? full, bins: region == nil ? Self.searchBins : 1)
                    }
                    guard let binning, binning.region.x + binning.region.width <= frame.frame.width,
                          binning.region.y + binning.region.height <= frame.frame.height else {
                        throw HILError("\(video): frame \(index) is \(frame.frame.width)x\(frame.frame.height), unlike the frames before it")
                    }
                    sums[index] = luma.bytes.withUnsafeBufferPointer { binning.sums(luma: $0, stride: luma.stride) }
                }
            }
        } catch let error as HILError {
            throw error
        } catch {
            throw HILError("\(camera): \(error)")
        }
        var profiles: [Int64: [Float]] = [:]
        var found: PixelRegion?
        if let binning {
            let frames = records.compactMap { sums[$0.index] }
            // Without a visible LED every bin stays: the profiles then show no flash, and the
            // analysis says the LED was never visible.
            let bins = LEDRegionFinder.ledBins(frames, binning: binning) ?? 0...(binning.bins - 1)
            found = binning.columns(ofBins: bins)
            for (index, s) in sums { profiles[index] = binning.rowMeans(s, bins: bins) }
        }
        let meta = records.map { r in
            FrameMeta(index: r.index, scheduled: r.scheduled,
                      sensorStart: both(r.sensorRealtime, r.exposure).map { $0 - $1 },
                      exposure: r.exposure, recorded: r.isRecorded)
        }
        let input = CameraInput(name: camera, shutter: sensor?.shutter ?? .rolling, lineTimePs: sensor?.lineTimePs,
                                frames: meta, profiles: profiles, firstRow: binning?.region.y ?? 0)
        return CameraReading(input: input, region: found, decoded: decoded)
    }
}

/// Both values, or nil.
private func both<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
