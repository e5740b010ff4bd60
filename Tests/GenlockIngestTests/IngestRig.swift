import Foundation
import GenlockControl
import GenlockCore
import GenlockIngest
import GenlockMedia
import Glibc
import Synchronization

let ingestKey = try! RigKey(bytes: Array(repeating: 5, count: 32))

func monotonicNow() -> MonotonicInstant {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return MonotonicInstant(nanoseconds: Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec))
}

func scratch(_ tag: String) -> String {
    var template = Array("/tmp/genlock-ingest-\(tag)-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(made != nil, "mkdtemp failed")
    return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// A synthetic node: the production recorder writing its local files, teed to the ingest.
final class SyntheticStreamingNode {
    let camera: String
    let directory: String
    let recorder: CameraRecorder
    let uplink: IngestUplink
    let configuration: RecordingConfiguration
    private(set) var last: Int64?

    /// `height`: another frame size gives another encoder (other SPS), as a node restarted with a
    /// new sensor mode has.
    init(camera: String, root: String, session: String, port: Int, epoch: RealtimeInstant, height: Int = 240) throws {
        self.camera = camera
        directory = "\(root)/nodes/\(camera)/\(session)"
        configuration = RecordingConfiguration(codec: .x264, width: 320, height: height, frameRate: try FrameRate(numerator: 30),
                                               epoch: epoch, flushInterval: .milliseconds(100), keyframeInterval: 15)
        let uplink = IngestUplink(host: "127.0.0.1", port: port, key: ingestKey, camera: camera, session: session,
                                  directory: directory, configuration: configuration, log: { _ in })
        self.uplink = uplink
        do { recorder = try CameraRecorder(directory: directory, camera: camera, configuration: configuration, tee: uplink) } catch {
            uplink.abandon()
            throw error
        }
    }

    /// `Tn` on the recording's own schedule (a restarted recorder checks earlier rows against it).
    func scheduled(_ index: Int64) -> RealtimeInstant {
        try! FrameSchedule(start: configuration.epoch, rate: configuration.frameRate!).deadline(of: index)
    }

    /// Frame `index`, its pixels carrying the index.
    func frame(_ index: Int64) throws {
        let t = scheduled(index)
        let video = TestPattern.render(index: index, scheduledNs: t.nanosecondsSinceEpoch, width: 320, height: configuration.height, layout: .yuv420p)
        try recorder.append(video, record: FrameRecord(index: index, scheduled: t, sensorRealtime: t + .microseconds(3),
                                                      exposure: .milliseconds(5), wakeError: .microseconds(20)))
        last = index
    }

    func dropped(_ index: Int64) throws {
        try recorder.note(FrameRecord(index: index, scheduled: scheduled(index), flags: .dropped))
        last = index
    }

    func skipped(_ index: Int64) throws {
        try recorder.note(FrameRecord(index: index, scheduled: scheduled(index), flags: .skipped))
        last = index
    }

    /// Closes the local files, tells the ingest, waits for it to confirm.
    func finish(stop: Int64?) throws -> Bool {
        if let stop { try recorder.stop(at: stop) }
        try recorder.finish()
        return uplink.confirmed == true
    }
}

/// Waits (bounded) until `condition` holds.
func eventually(_ seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

func packets(_ path: String) throws -> [EncodedPacket] { try PacketReader(path: path).all() }

/// Log lines, collected from any thread.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    var log: @Sendable (String) -> Void { { [self] line in lines.withLock { $0.append(line) } } }
    var all: [String] { lines.withLock { $0 } }
}
