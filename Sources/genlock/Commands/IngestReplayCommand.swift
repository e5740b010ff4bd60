import ArgumentParser
import Foundation
import GenlockControl
import GenlockControlNIO
import GenlockCore
import GenlockMedia
import GenlockPOSIX
import Synchronization

/// `genlock ingest-replay` (hidden, for Benchmarks/ingest.sh): N cameras streaming the packets of
/// one pre-encoded file to an ingest at the file's rate, through the production `StreamClient`,
/// so the ingest is measured without encoders. Optionally the first cameras' links are "cut" for
/// a while (their live rows dropped, as a full queue or a dead link drops them) and back-filled
/// from memory when the ingest asks.
struct IngestReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest-replay", abstract: "Replay a pre-encoded file as N camera streams into an ingest (benchmarks).",
        shouldDisplay: false)

    @Option var to: String
    @Option var key: String
    @Option var source: String
    @Option var cameras = 8
    @Option(transform: Parse.timeSpan) var duration: TimeSpan = .seconds(20)
    @Option var fps = 30
    @Option var session = "replay"
    @Option(name: .customLong("cut-after"), transform: Parse.timeSpan) var cutAfter: TimeSpan?
    @Option(name: .customLong("cut-for"), transform: Parse.timeSpan) var cutFor: TimeSpan = .seconds(10)
    @Option(name: .customLong("cut-cameras")) var cutCameras = 1

    func run() throws {
        guard let address = HostPort(parsing: to) else { throw ValidationError("--to: '\(to)' is not HOST:PORT") }
        let rigKey = try RigKeyFile.read(key, option: "--key")
        let reader = try PacketReader(path: source)
        let packets = reader.all()
        guard !packets.isEmpty else { throw ValidationError("--source: \(source) holds no packets") }
        let clock = PosixClockPair()
        let period = 1_000_000_000 / Int64(fps)
        let epoch = RealtimeInstant(nanosecondsSinceEpoch: clock.sample().realtime.nanosecondsSinceEpoch / 1_000_000_000 * 1_000_000_000)
        let frames = Int64(duration.nanoseconds / period)
        // The file's own stream header (avcC) and length-prefixed packets: the ingest's muxer stores them as they are.
        let codec = StreamCodecParameters(codec: "x264", width: reader.width, height: reader.height, layout: "yuv420p",
                                          rateNumerator: Int64(fps), rateDenominator: 1, epochNs: epoch.nanosecondsSinceEpoch,
                                          keyframeInterval: 30, extradata: reader.extradata)
        @Sendable func row(_ i: Int64, live: Bool) -> StreamPacket {
            let p = packets[Int(i) % packets.count]
            let pts = i * 1000 / Int64(fps)
            return StreamPacket(index: i, previous: i == 0 ? nil : i - 1, scheduledNs: epoch.nanosecondsSinceEpoch + i * period,
                                live: live, payload: .init(pts: pts, dts: pts, isKeyframe: p.isKeyframe, data: p.data))
        }
        let produced = Mutex<Int64>(-1)
        let clients = (0..<cameras).map { c in
            let name = "cam\(c + 1)"
            return StreamClient(
                host: address.host, port: address.port, key: rigKey, configuration: .init(queueBytes: 8 * 1024 * 1024),
                hello: { nonce in StreamHello(camera: name, session: session, nonce: nonce, codec: codec) },
                backfill: { ranges in
                    let last = produced.withLock { $0 }
                    return ranges.flatMap { r in (max(0, r.lowerBound)...max(0, min(r.upperBound, last))).map { row($0, live: false) } }
                        .filter { $0.index <= last }
                },
                log: { _ in })
        }
        for client in clients { client.start() }
        usleep(500_000)
        let start = clock.monotonicNow()
        let cutFrom = cutAfter.map { $0.nanoseconds / period } ?? Int64.max
        let cutTo = cutFrom == Int64.max ? Int64.max : cutFrom + cutFor.nanoseconds / period
        for i in 0..<frames {
            let due = start + TimeSpan(nanoseconds: i * period)
            let wait = due - clock.monotonicNow()
            if wait > .zero { usleep(useconds_t(wait.nanoseconds / 1000)) }
            produced.withLock { $0 = i }
            for (c, client) in clients.enumerated() {
                if c < cutCameras, (cutFrom..<cutTo).contains(i) { continue }
                client.send(row(i, live: true))
            }
        }
        for client in clients { client.end(lastIndex: frames - 1, stopIndex: frames) }
        var confirmed = 0
        for client in clients where client.waitUntilComplete(timeout: .seconds(60)) { confirmed += 1 }
        let counters = clients.map(\.counters)
        Console.out("replay: cameras=\(cameras) frames=\(frames) confirmed=\(confirmed) live_sent=\(counters.map(\.liveSent).reduce(0, +)) live_dropped=\(counters.map(\.liveDropped).reduce(0, +)) backfilled=\(counters.map(\.backfilled).reduce(0, +))")
        for client in clients { client.shutdown() }
        if confirmed != cameras { throw ExitCode(1) }
    }
}
