import GenlockCore
import GenlockPTP
import GenlockPTPLinux
import Glibc
import Testing

/// The "never a hang" paths: no daemon, a stale socket, a daemon that never answers, a helper
/// that never exits. They need no privileges and always run.
@Suite("timeouts and missing daemons")
struct TimeoutTests {
    /// Binds a datagram socket at `path` and never reads it: a "daemon" that is silent.
    static func bindSilentSocket(_ path: String) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        precondition(rc == 0, "bind \(path): \(String(cString: strerror(errno)))")
        return fd
    }

    @Test("a socket where nothing answers gives 'did not answer' within the timeout")
    func silentDaemon() throws {
        let dir = TestIO.temporaryDirectory()
        defer { TestIO.removeTree(dir) }
        let path = dir + "/silent.sock"
        let fd = Self.bindSilentSocket(path)
        defer { close(fd) }
        #expect(ManagementSocketProbe.probe(path) == .live)
        let client = PMCClient(socketPath: path, timeout: .seconds(5))
        let start = TestIO.now()
        do {
            _ = try client.snapshot()
            Issue.record("a silent socket produced a snapshot")
        } catch {
            guard case .noAnswer(let reportedPath, _) = error else {
                Issue.record("expected noAnswer, got \(error)")
                return
            }
            #expect(reportedPath == path)
            #expect(error.description.hasPrefix("ptp4l at \(path) did not answer within"))
        }
        // Bounded by the client's timeout (5 s), not by anything the socket does.
        #expect(TestIO.now() - start < 5_000_000_000 + 2_000_000_000)
    }

    @Test("no socket, a stale socket and a non-socket all say 'ptp4l not running at PATH'")
    func notRunning() throws {
        let dir = TestIO.temporaryDirectory()
        defer { TestIO.removeTree(dir) }
        let missing = dir + "/none.sock"
        let stale = dir + "/stale.sock"
        close(Self.bindSilentSocket(stale))  // bound, then nobody: what a killed ptp4l leaves
        let plain = dir + "/plain"
        try Files.writeAtomically("x", to: plain)

        #expect(ManagementSocketProbe.probe(missing) == .missing)
        #expect(ManagementSocketProbe.probe(stale) == .stale)
        #expect(ManagementSocketProbe.probe(plain) == .notASocket)
        for (path, detail) in [(missing, "no socket there"), (stale, "stale socket"), (plain, "not a socket")] {
            do {
                _ = try PMCClient(socketPath: path).snapshot()
                Issue.record("\(path) produced a snapshot")
            } catch {
                #expect(error.description.hasPrefix("ptp4l not running at \(path) ("))
                #expect(error.description.contains(detail))
            }
        }
        let status = PTPStatusReader(pmc: PMCClient(socketPath: missing)).status(maxOffset: .microseconds(1))
        #expect(!status.locked)
        #expect(status.reason == "ptp4l not running at \(missing) (no socket there)")
    }

    @Test("wait gives up at its deadline with the reason")
    func waitTimesOut() {
        let waiter = LockWaiter(
            reader: PTPStatusReader(pmc: PMCClient(socketPath: "/nonexistent/ptp4l")),
            maxOffset: .microseconds(1), requiredSamples: 3, interval: .milliseconds(50))
        var readings = 0
        let outcome = waiter.wait(timeout: .milliseconds(300)) { _ in readings += 1 }
        guard case .timedOut(let status) = outcome else {
            Issue.record("expected a timeout, got \(outcome)")
            return
        }
        #expect(readings >= 1)
        #expect(status.reason == "ptp4l not running at /nonexistent/ptp4l (no socket there)")
    }

    @Test("a helper that never exits is killed at the deadline and reaped")
    func helperKilled() throws {
        let start = TestIO.now()
        let result = try ProcessRunner.run("sleep", ["30"], timeoutNanoseconds: 200_000_000)
        #expect(result.timedOut)
        #expect(result.exitStatus == nil)  // killed by a signal
        #expect(TestIO.now() - start < 20_000_000_000)  // not the 30 s the child wanted
    }

    @Test("a helper's output, error output and exit status are returned")
    func helperOutput() throws {
        let result = try ProcessRunner.run("sh", ["-c", "echo out; echo err >&2; exit 3"], timeoutNanoseconds: 10_000_000_000)
        #expect(!result.timedOut)
        #expect(result.exitStatus == 3)
        #expect(result.standardOutput == "out\n")
        #expect(result.standardError == "err\n")
        #expect(throws: ProcessRunError.self) { try ProcessRunner.run("no-such-program-genlock", [], timeoutNanoseconds: 1_000_000_000) }
    }

    @Test("the system clock comparison names an interface without a PTP clock")
    func noPHC() {
        do {
            _ = try SystemOffsetReader(interface: "lo").rawOffsetNanoseconds()
            Issue.record("lo has no PTP hardware clock")
        } catch {
            #expect(error.description.hasPrefix("cannot compare CLOCK_REALTIME with the PTP clock of lo: "))
        }
    }
}
