import ArgumentParser
import GenlockControl
import GenlockCore
import GenlockDashboard
import GenlockIngest
import GenlockPOSIX

/// The ingest hosted by `genlock coordinator` when the rig file names one (`ingest:`, with
/// `sessions:`): the same `IngestServer` as `genlock ingest`, in the coordinator's process, its
/// streams feeding the dashboard's previews. START names it (the rig file's address; an
/// unspecified host means the coordinator's), so a recording node streams there unless its own
/// `--ingest HOST:PORT` (or `ingest:` in its node file) says otherwise.
struct HostedIngest {
    /// How long the coordinator waits, after STOP, for every node's stream to be complete: a node
    /// waits up to 20 s for the ingest to confirm it, so a little longer.
    static let completionWait = TimeSpan.seconds(25)

    let server: IngestServer
    private let log: @Sendable (String) -> Void

    /// Nil when the rig file names no ingest.
    init?(rig: RigConfiguration, key: RigKey, clock: PosixClockPair, log: @escaping @Sendable (String) -> Void, dashboard: DashboardLaunch) throws {
        guard let address = rig.ingest else { return nil }
        server = IngestServer(
            configuration: .init(outputRoot: rig.sessionsPath, cameras: rig.cameras), key: key,
            now: { clock.sample().monotonic }, log: log)
        self.log = log
        let bound: Int
        do { bound = try server.bind(host: address.host, port: address.port) } catch {
            throw ValidationError("cannot start the ingest on \(address.host):\(address.port): \(error)")
        }
        log("ingest listening on \(address.host):\(bound) into \(rig.sessionsPath)")
        IngestPreviews.follow(server, hub: dashboard.hub, metrics: dashboard.metrics, clock: clock, log: log)
    }

    /// Waits (bounded) for every stream to be complete, closes the session's files and exports,
    /// adds what the ingest still lacks to `report`, and returns the session folder.
    func finish(report: inout [String]) -> String? {
        // A session that failed to finish says so below, when it is closed.
        if case .success(nil) = Result(catching: { try server.waitUntilComplete(timeout: Self.completionWait) }) {
            log("ingest: not every stream completed within \(Self.completionWait); closing with what arrived (the nodes' local files have the rest)")
        }
        let lacking = server.lacking.filter { !$0.value.isEmpty }
        let folder = server.sessionDirectory
        do { _ = try server.finish() } catch { log("ingest: \(error)") }
        for (camera, ranges) in lacking.sorted(by: { $0.key < $1.key }) {
            let line = "ingest lacks \(camera) \(IndexRanges.text(ranges)) (in the node's local recording)"
            log(line)
            report.append(line)
        }
        if let folder {
            log("session folder (ingest): \(folder)")
            report.append("session folder (ingest): \(folder)")
        }
        return folder
    }
}
