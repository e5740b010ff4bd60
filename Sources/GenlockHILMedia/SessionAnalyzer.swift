import GenlockCore
import GenlockHIL
import GenlockMedia

/// Reads a session folder (real or synthetic) and analyzes it: decodes each camera's video once,
/// keeps per frame only per-row sums and maxima over a few column bins (``ColumnBinning``),
/// proposes the regions where the LED may be (or uses the camera's given region), and hands
/// their row profiles to the pure ``SessionAnalysis``, which keeps the region whose changes follow
/// the flash log.
public struct SessionAnalyzer: Sendable {
    public let directory: String
    /// The LED's region for every camera without its own, when the user gives it; nil: found.
    public let region: PixelRegion?
    /// Per camera, the LED's region (`--roi cam1=x,y,w,h`).
    public let cameraRegions: [String: PixelRegion]
    /// The thread budget: 0 one per core (the default), 1 the calling thread only. Several
    /// cameras are decoded side by side with the budget shared out (``AnalysisThreads``).
    public let decoderThreads: Int
    /// Column bins across the frame when looking for the LED.
    public static let searchBins = 32

    public init(directory: String, region: PixelRegion? = nil, cameraRegions: [String: PixelRegion] = [:], decoderThreads: Int = 0) {
        self.directory = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        self.region = region
        self.cameraRegions = cameraRegions
        self.decoderThreads = decoderThreads
    }

    /// What one camera's recording reduced to.
    public struct CameraReading: Sendable {
        public var input: CameraInput
        /// Frames decoded.
        public var decoded: Int
        /// Decoded frames whose timestamp matched no sidecar row (left out of the analysis).
        public var unjoined: Int = 0
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
        do {
            if let text = SessionExport.sidecarlessText(try SessionExport.filesWithoutSidecar(in: directory, cameras: cameras)) {
                throw HILError("\(directory): \(text) of the analysis (restore the sidecar, or move the camera's files out of the session)")
            }
        } catch let error as HILError { throw error } catch { throw HILError("\(error)") }
        for name in cameraRegions.keys where !cameras.contains(name) {
            throw HILError("--roi names camera '\(name)', but the session's cameras are \(cameras.joined(separator: ", "))")
        }
        let flashPath = directory + "/" + FlashList.fileName
        guard FileSystem.exists(flashPath) else {
            throw HILError("'\(directory)' has no \(FlashList.fileName): the analyzer needs the flash instants (flash_index,planned_on_ns,actual_on_ns,actual_off_ns)")
        }
        let flashes = try FlashList(csv: try read(flashPath), path: flashPath)
        let sensorPath = directory + "/" + SensorList.fileName
        let sensors = FileSystem.exists(sensorPath) ? try SensorList(csv: try read(sensorPath), path: sensorPath) : SensorList([:])
        let plan = AnalysisThreads(threads: decoderThreads, cameras: cameras.count, cores: RecordingReader.coreCount)
        // Each camera is read and analyzed on its own (the analysis of one camera depends on its
        // files and the flash log only); the pairs are formed afterwards, in camera order.
        let job = { @Sendable [self] (i: Int) -> Swift.Result<(CameraReading, CameraAnalysis), HILError> in
            Swift.Result { () throws(HILError) in
                let reading = try readCamera(cameras[i], sensor: sensors.entries[cameras[i]], decoderThreads: plan.decoderThreads)
                return (reading, CameraAnalyzer.analyze(reading.input, flashes: flashes))
            }
        }
        var done: [(CameraReading, CameraAnalysis)] = []
        if plan.concurrentCameras == 1 {
            for i in cameras.indices { done.append(try job(i).get()) }
        } else {
            done = try ConcurrentWork.map(cameras.count, width: plan.concurrentCameras, job)
        }
        try Self.checkSchedules(done.map(\.0.input), directory: directory)
        var analyzed = done.map(\.1)
        for (i, (reading, _)) in done.enumerated() where reading.unjoined > 0 {
            analyzed[i].diagnostics.append(Diagnostic(
                kind: .unjoinedFrames, camera: reading.input.name, indices: [], count: 0,
                message: "\(reading.unjoined) of the video's frames match no row of the sidecar by timestamp: left out (a sidecar cut short, or not this video's)"))
        }
        var analysis = SessionAnalysis(analyzed: analyzed)
        // A camera sensors.csv names but the session holds nothing of (its files lost, or moved
        // out): the rig is not wholly measured, whatever its other pairs say.
        for name in sensors.entries.keys.sorted() where !cameras.contains(name) {
            analysis.diagnostics.append(Diagnostic(
                kind: .missingCamera, camera: name, indices: [], count: 0,
                message: "\(SensorList.fileName) names this camera, but the session holds no sidecar or video of it: not in the analysis, which is not complete"))
        }
        return Result(analysis: analysis, readings: done.map(\.0))
    }

    /// Frame `n` is the same instant `Tn` on every camera of a session, so every sidecar row of
    /// index `n` must say the same `Tn`. A sidecar whose `Tn` was shifted (by hand, or from
    /// another session) would pair exposures measured against different instants: a skew off by
    /// the shift, stated with a sub-µs uncertainty. Refused instead, naming both rows: the rule
    /// every reader of a session keeps (``SessionSchedule``).
    static func checkSchedules(_ inputs: [CameraInput], directory: String) throws(HILError) {
        let rows = inputs.map { $0.frames.map { FrameRecord(index: $0.index, scheduled: $0.scheduled) } }
        if let conflict = SessionSchedule.conflict(cameras: inputs.map(\.name), rows: rows) {
            throw HILError("\(directory): \(conflict) (sidecars edited, or mixed from two sessions)")
        }
    }

    /// A text file (its parser reads LF and CR LF line ends alike: `TextLines`).
    private func read(_ path: String) throws(HILError) -> String {
        do { return try FileSystem.read(path) } catch { throw HILError("\(error)") }
    }

    /// Decodes every video file of `camera` and reduces its frames to the candidate regions' row profiles.
    func readCamera(_ camera: String, sensor: SensorList.Entry?, decoderThreads: Int) throws(HILError) -> CameraReading {
        let files = CameraFiles(directory: directory, camera: camera)
        let given = cameraRegions[camera] ?? region
        var binning: ColumnBinning?
        var reductions: [Int64: ColumnBinning.Reduction] = [:]
        var records: [FrameRecord] = []
        var decoded = 0, fullRange = true, unjoined = 0
        do {
            let videos = try files.videos()
            records = try SidecarFormat.parse(try read(files.sidecar), path: files.sidecar)
            let recorded = records.count(where: \.isRecorded)
            if videos.isEmpty, recorded > 0 {
                throw HILError("\(files.video(segment: nil)): missing, while \(files.sidecar) lists \(recorded) recorded frames")
            }
            for video in videos {
                let reader = try RecordingReader(path: video, records: records, decoderThreads: decoderThreads)
                guard reader.epoch != nil else {
                    throw HILError("\(video): no \(RecordingTags.epoch) tag, so its frames cannot be joined to \(files.sidecar) "
                        + "(a file re-muxed or converted by another tool loses it): analyze the files genlock recorded")
                }
                fullRange = fullRange && reader.isFullRange
                var joined = 0, inFile = 0
                // Each joined frame's luma is reduced where the decoder left it, without a copy.
                while let outcome = try reader.nextLuma({ luma, record -> Swift.Result<Void, HILError> in
                    inFile += 1
                    guard let index = record?.index else { return .success(()) }
                    joined += 1
                    if binning == nil {
                        if let given {
                            do throws(HILError) { try given.check(inside: luma.width, luma.height, source: video) } catch { return .failure(error) }
                        }
                        binning = ColumnBinning(region: given ?? PixelRegion(x: 0, y: 0, width: luma.width, height: luma.height),
                                                bins: given == nil ? Self.searchBins : 1)
                    }
                    guard let binning, binning.region.x + binning.region.width <= luma.width,
                          binning.region.y + binning.region.height <= luma.height else {
                        return .failure(HILError("\(video): frame \(index) is \(luma.width)x\(luma.height), unlike the frames before it"))
                    }
                    reductions[index] = binning.reduce(luma: luma.bytes, stride: luma.stride)
                    return .success(())
                }) {
                    decoded += 1
                    if case .failure(let error) = outcome { throw error }
                }
                unjoined += inFile - joined
                if inFile > 0, joined == 0 {
                    throw HILError("\(video): none of its \(inFile) frames' timestamps matches a row of \(files.sidecar): "
                        + "the file was re-timed or re-encoded, or the sidecar belongs to another recording")
                }
            }
        } catch let error as HILError {
            throw error
        } catch {
            throw HILError("\(camera): \(error)")
        }
        var candidates: [RegionProfiles] = []
        if let binning {
            let frames = records.compactMap { reductions[$0.index]?.sums }
            var runs = given == nil ? LEDRegionFinder.candidates(frames, binning: binning) : [0...(binning.bins - 1)]
            // Nothing changes: every bin, so that the analysis says what it saw (never visible, saturated).
            if runs.isEmpty { runs = [0...(binning.bins - 1)] }
            for bins in runs {
                var profiles: [Int64: [Float]] = [:], maxima: [Int64: [UInt8]] = [:]
                for (index, r) in reductions {
                    profiles[index] = binning.rowMeans(r.sums, bins: bins)
                    maxima[index] = binning.rowMaxima(r.maxima, bins: bins)
                }
                candidates.append(RegionProfiles(region: binning.columns(ofBins: bins), profiles: profiles, rowMaxima: maxima))
            }
        }
        let meta = records.map { r in
            FrameMeta(index: r.index, scheduled: r.scheduled,
                      sensorStart: both(r.sensorRealtime, r.exposure).map { $0 - $1 },
                      exposure: r.exposure, recorded: r.isRecorded)
        }
        let input = CameraInput(name: camera, shutter: sensor?.shutter ?? .rolling, lineTimePs: sensor?.lineTimePs,
                                frames: meta, candidates: candidates, decodedFrames: decoded,
                                clipLuma: fullRange && decoded > 0 ? LitBands.fullRangeTop : LitBands.limitedRangeTop)
        return CameraReading(input: input, decoded: decoded, unjoined: unjoined)
    }
}

/// Both values, or nil.
private func both<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
