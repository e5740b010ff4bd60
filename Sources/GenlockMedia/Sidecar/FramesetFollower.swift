import GenlockCore

/// Follows a session folder while a recording writes it: the cameras' sidecars are read as they
/// grow (``SidecarTail``) and their rows fed to the core's ``FramesetAssembler``, so each
/// frameset comes out as soon as it is complete, or as partial once it has waited the
/// assembler's bounded wait for a silent camera (on the monotonic clock the caller passes).
///
/// The cameras are the sidecars present when the first rows arrive (a camera whose sidecar
/// appears later is reported in ``lateCameras`` and left out of the live framesets; the
/// session's `framesets.csv`, written at the end, has it). The first frameset is the lowest first
/// index once every camera has a row, or once the wait has passed since the first row.
///
/// The session's end is known when `summary.csv` exists and is newer than every sidecar (the
/// recorder writes it after its cameras finished; a restarted node appending to an old session
/// makes its sidecar newer again). Then every sidecar is read whole once more, and the last
/// framesets are settled by the same rule as ``FramesetExport/table(cameras:rows:)``: rows
/// flagged `after-stop` are not in the session, and the framesets end at the last index any
/// camera has a row for.
public final class FramesetFollower {
    public let sessionDirectory: String
    public let wait: TimeSpan
    /// The cameras of the live framesets, in name order (empty until the first rows arrive).
    public private(set) var cameras: [String] = []
    /// Sidecars that appeared after the cameras were fixed.
    public private(set) var lateCameras: [String] = []
    /// `Tn` of each index seen.
    public private(set) var scheduled: [Int64: RealtimeInstant] = [:]
    /// Whether the session's end is known and every frameset has been emitted.
    public private(set) var isFinished = false

    private var tails: [String: SidecarTail] = [:]
    private var buffered: [String: [FrameRecord]] = [:]
    private var firstRowAt: MonotonicInstant?
    private var assembler: FramesetAssembler?
    private var fed: [Int64?] = []

    public init(sessionDirectory: String, wait: TimeSpan = .milliseconds(500)) {
        self.sessionDirectory = sessionDirectory
        self.wait = wait
    }

    /// Reads what the sidecars gained and returns the framesets that settles, in index order.
    public func poll(now: MonotonicInstant) throws(MediaError) -> [FramesetAssembler.Frameset] {
        guard !isFinished else { return [] }
        // Decide "ended" before reading, so the final read sees every row written before it.
        let ended = sessionEnded()
        let names = try SessionExport.cameras(in: sessionDirectory)
        for name in names where tails[name] == nil {
            if assembler != nil {
                if !lateCameras.contains(name) { lateCameras.append(name) }
                continue
            }
            tails[name] = SidecarTail(path: CameraFiles(directory: sessionDirectory, camera: name).sidecar)
        }
        for name in tails.keys.sorted() {
            let rows = try tails[name]!.read()
            for row in rows { scheduled[row.index] = row.scheduled }
            buffered[name, default: []] += rows
        }
        if firstRowAt == nil, buffered.values.contains(where: { !$0.isEmpty }) { firstRowAt = now }
        if assembler == nil {
            let everyCamera = !tails.isEmpty && tails.keys.allSatisfy { !(buffered[$0] ?? []).isEmpty }
            let waited = firstRowAt.map { now - $0 >= wait } ?? false
            guard everyCamera || waited || (ended && firstRowAt != nil) else { return [] }
            start()
        }
        var out = feed(now: now)
        if ended { out += try finish() }
        return out
    }

    private func start() {
        cameras = tails.keys.sorted()
        let first = cameras.compactMap { buffered[$0]?.first(where: { !$0.flags.contains(.afterStop) })?.index }.min() ?? 0
        assembler = FramesetAssembler(configuration: .init(cameras: cameras.count, firstIndex: first, wait: wait))
        fed = Array(repeating: nil, count: cameras.count)
    }

    private func feed(now: MonotonicInstant) -> [FramesetAssembler.Frameset] {
        guard var assembler else { return [] }
        var out = assembler.handle(.tick(now))
        for (c, name) in cameras.enumerated() {
            for row in buffered[name] ?? [] where !row.flags.contains(.afterStop) && row.index > (fed[c] ?? .min) {
                fed[c] = row.index
                out += assembler.handle(.row(camera: c, index: row.index, FramesetExport.part(row)))
            }
            buffered[name] = []
        }
        self.assembler = assembler
        return out
    }

    /// The end: every sidecar whole, every camera ended, the stop after the last row.
    /// Rows flagged `after-stop` by then are left out of the stop; a frameset already printed for
    /// such an index (the STOP reached the recorder late) cannot be taken back.
    private func finish() throws(MediaError) -> [FramesetAssembler.Frameset] {
        var out: [FramesetAssembler.Frameset] = []
        if var assembler {
            var last: Int64?
            for name in cameras {
                let path = CameraFiles(directory: sessionDirectory, camera: name).sidecar
                let rows = try SidecarFormat.parse(try FileSystem.read(path), path: path)
                if let index = rows.last(where: { !$0.flags.contains(.afterStop) })?.index { last = max(last ?? index, index) }
            }
            for c in cameras.indices { out += assembler.handle(.cameraEnded(camera: c)) }
            out += assembler.handle(.stop(last.map { $0 + 1 } ?? assembler.next))
            self.assembler = assembler
        }
        isFinished = true
        return out
    }

    /// `summary.csv` is there and no sidecar was written after it.
    private func sessionEnded() -> Bool {
        guard let summary = SidecarTail.modified(sessionDirectory + "/summary.csv") else { return false }
        let names = (try? SessionExport.cameras(in: sessionDirectory)) ?? []
        return names.allSatisfy { name in
            (SidecarTail.modified(CameraFiles(directory: sessionDirectory, camera: name).sidecar) ?? .min) <= summary
        }
    }
}
