import GenlockPTPLinux
import Glibc
import Testing

/// The built `genlock` next to the test bundle.
enum GenlockBinary {
    static let path: String? = {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        let exe = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = exe.lastIndex(of: "/") else { return nil }
        let candidate = String(exe[..<slash]) + "/genlock"
        return access(candidate, X_OK) == 0 ? candidate : nil
    }()
}

/// The `genlock ptp` commands as a user runs them (the built binary next to the test bundle).
@Suite("genlock ptp CLI", .enabled(if: GenlockBinary.path != nil, "the genlock binary is not built next to the tests"))
struct PTPCLITests {
    static func run(_ arguments: [String]) throws -> ProcessResult {
        try ProcessRunner.run(GenlockBinary.path!, arguments, timeoutNanoseconds: 30_000_000_000)
    }

    @Test("ptp config writes the five files for a node, with the requested settings")
    func config() throws {
        let dir = TestIO.temporaryDirectory()
        defer { TestIO.removeTree(dir) }
        let out = dir + "/node-conf"
        let result = try Self.run(["ptp", "config", "--role", "node", "--iface", "eth0", "--transport", "l2", "--domain", "3", "--out", out])
        #expect(result.exitStatus == 0, "\(result.standardError)")
        for name in ["ptp4l.conf", "phc2sys.cmdline", "genlock-ptp4l.service", "genlock-phc2sys.service", "genlock-node.service"] {
            #expect(result.standardOutput.contains("wrote \(out)/\(name)"))
            #expect(!TestIO.read(out + "/" + name).isEmpty, "\(name) is empty")
        }
        let conf = TestIO.read(out + "/ptp4l.conf")
        #expect(conf.contains("\nslaveOnly 1\n"))
        #expect(conf.contains("\ndomainNumber 3\n"))
        #expect(conf.contains("\nnetwork_transport L2\n"))
        #expect(conf.contains("\npi_proportional_const 0.8\npi_integral_const 0.06\n"))
        // linuxptp's own gains on request: nothing written, ptp4l derives them.
        let plain = dir + "/plain"
        let linuxptp = try Self.run(["ptp", "config", "--role", "node", "--iface", "eth0", "--servo-tuning", "linuxptp", "--out", plain])
        #expect(linuxptp.exitStatus == 0, "\(linuxptp.standardError)")
        let plainConf = TestIO.read(plain + "/ptp4l.conf")
        #expect(plainConf.contains("\nclock_servo pi\n"))
        #expect(!plainConf.contains("pi_proportional_const"))
    }

    @Test("ptp config refuses a bad interface or role with one line and no files")
    func configRejects() throws {
        let dir = TestIO.temporaryDirectory()
        defer { TestIO.removeTree(dir) }
        let bad = try Self.run(["ptp", "config", "--role", "node", "--iface", "eth 0", "--out", dir + "/x"])
        #expect(bad.exitStatus != 0)
        #expect(bad.standardError == "genlock: error: interface 'eth 0' is not a Linux interface name (1-15 of a-z, 0-9, '.', '_', '-')\n")
        #expect(ManagementSocketProbe.probe(dir + "/x") == .missing)
        let role = try Self.run(["ptp", "config", "--role", "boss", "--iface", "eth0", "--out", dir + "/y"])
        #expect(role.exitStatus != 0)
        #expect(role.standardError.contains("'boss'"))
        let tuning = try Self.run(["ptp", "config", "--role", "node", "--iface", "eth0", "--servo-tuning", "fast", "--out", dir + "/z"])
        #expect(tuning.exitStatus != 0)
        #expect(tuning.standardError.contains("'fast'"))
        #expect(ManagementSocketProbe.probe(dir + "/z") == .missing)
    }

    @Test("ptp status and wait against a missing daemon: a clear reason and exit 1, text and JSON")
    func missingDaemon() throws {
        let status = try Self.run(["ptp", "status", "--uds", "/nonexistent/ptp4l"])
        #expect(status.exitStatus == 1)
        #expect(status.standardOutput.contains("locked: no (ptp4l not running at /nonexistent/ptp4l (no socket there))"))
        let json = try Self.run(["ptp", "status", "--uds", "/nonexistent/ptp4l", "--json"])
        #expect(json.exitStatus == 1)
        #expect(json.standardOutput == #"{"isGrandmaster":false,"locked":false,"reason":"ptp4l not running at \/nonexistent\/ptp4l (no socket there)"}"# + "\n")
        let wait = try Self.run(["ptp", "wait", "--uds", "/nonexistent/ptp4l", "--timeout", "300ms", "--interval", "50ms"])
        #expect(wait.exitStatus == 1)
        #expect(wait.standardError == "genlock: error: not locked after 300 ms: ptp4l not running at /nonexistent/ptp4l (no socket there)\n")
    }

    @Test("ptp status --log reads a node's log")
    func fromLog() throws {
        let dir = TestIO.temporaryDirectory()
        defer { TestIO.removeTree(dir) }
        try Files.writeAtomically("""
            ptp4l[2377.458]: selected best master clock 4e26a5.fffe.a9926c
            ptp4l[2379.000]: port 1: UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED
            ptp4l[2379.125]: master offset -300 s2 freq -12 path delay 2010

            """, to: dir + "/ptp4l.log")
        let result = try Self.run(["ptp", "status", "--log", dir + "/ptp4l.log"])
        #expect(result.exitStatus == 0)
        #expect(result.standardOutput == """
            log \(dir)/ptp4l.log: port SLAVE, grandmaster 4e26a5.fffe.a9926c
            offset from master -300 ns, mean path delay 2.01 µs
            locked: yes

            """)
    }
}
