import GenlockCore
import GenlockPTP

/// Reads ptp4l's state through its management socket with linuxptp's `pmc`.
public struct PMCClient: Sendable {
    /// ptp4l's `uds_address`.
    public var socketPath: String
    /// The PTP domain: ptp4l ignores management requests for another domain.
    public var domain: Int
    /// The bound on one query, pmc included; the call never takes much longer.
    public var timeout: TimeSpan

    public init(socketPath: String = "/var/run/ptp4l", domain: Int = 0, timeout: TimeSpan = .seconds(2)) {
        self.socketPath = socketPath
        self.domain = domain
        self.timeout = timeout
    }

    /// One round of queries (``PTP4LSnapshot/pmcCommands``).
    public func snapshot() throws(PTPReadError) -> PTP4LSnapshot {
        switch ManagementSocketProbe.probe(socketPath) {
        case .missing: throw .notRunning(path: socketPath, detail: "no socket there")
        case .stale: throw .notRunning(path: socketPath, detail: "stale socket: nobody is bound to it")
        case .notASocket: throw .notRunning(path: socketPath, detail: "the path is not a socket")
        case .inaccessible(let why): throw .notRunning(path: socketPath, detail: "cannot use the socket: \(why)")
        case .live: break
        }
        // -u: UNIX domain socket transport; -b 0: this clock only, not its neighbours.
        let arguments = ["-u", "-b", "0", "-d", String(domain), "-s", socketPath] + PTP4LSnapshot.pmcCommands
        let result: ProcessResult
        do {
            result = try ProcessRunner.run("pmc", arguments, timeoutNanoseconds: timeout.nanoseconds)
        } catch {
            throw .toolFailed(error.description)
        }
        if result.timedOut { throw .noAnswer(path: socketPath, timeoutNanoseconds: timeout.nanoseconds) }
        if result.exitStatus != 0 {
            let detail = result.standardError.split(separator: "\n").first.map(String.init) ?? "exit status \(String(describing: result.exitStatus))"
            throw .toolFailed("pmc failed for \(socketPath): \(detail)")
        }
        let snapshot: PTP4LSnapshot
        do {
            snapshot = try PTP4LSnapshot(responses: try PMCOutputParser.parse(result.standardOutput))
        } catch let error as PMCParseError {
            throw .unreadable("\(error)")
        } catch {
            throw .unreadable("\(error)")
        }
        // pmc exits after 100 ms without a reply, so a silent daemon shows as an empty answer.
        if snapshot.isEmpty { throw .noAnswer(path: socketPath, timeoutNanoseconds: min(timeout.nanoseconds, 100_000_000)) }
        return snapshot
    }
}
