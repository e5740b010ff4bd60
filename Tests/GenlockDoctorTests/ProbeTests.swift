import GenlockDoctor
import GenlockDoctorLinux
import Glibc
import Testing

/// The probes on this machine: they gather facts or say why not, and clean up after themselves.
@Suite("doctor: probes on this machine")
struct ProbeTests {
    static func temporaryDirectory() -> String {
        var template = Array("/tmp/genlock-doctor-probe-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    @Test func theTimedWriteRoundsUpToWholeMiBAndRemovesItsFile() throws {
        let dir = Self.temporaryDirectory()
        defer { rmdir(dir) }
        let measured = try DiskProbe.timeWrite(in: dir, bytes: 3 << 20 + 1).get()
        #expect(measured.bytes == 4 << 20)
        #expect(measured.elapsedNanoseconds > 0)
        // rmdir only removes an empty folder: the temporary file is gone.
        #expect(rmdir(dir) == 0)
    }

    @Test func aMissingFolderIsAReasonNotACrash() {
        let free = DiskProbe.freeBytes("/nonexistent/genlock")
        #expect(throws: ProbeError("statvfs: No such file or directory")) { try free.get() }
        let write = DiskProbe.timeWrite(in: "/nonexistent/genlock", bytes: 1 << 20)
        #expect(throws: ProbeError.self) { try write.get() }
    }

    @Test func freeSpaceOfAFolderIsReported() throws {
        #expect(try DiskProbe.freeBytes("/tmp").get() > 0)
    }

    @Test func theLimitsAreReadAndRootIsRecognized() throws {
        let limits = try SystemProbes.realtimeLimits().get()
        #expect(limits.isRoot == (geteuid() == 0))
    }

    @Test func ethtoolOnAnInterfaceThatDoesNotExistFailsWithAReason() {
        let result = SystemProbes.ethtoolTimestamping(interface: "nosuch0", timeoutNanoseconds: 2_000_000_000)
        #expect(throws: ProbeError.self) { try result.get() }
    }

    @Test func theProcessListHasThisProcessWithoutNewlines() {
        let names = SystemProbes.processNames()
        #expect(!names.isEmpty)
        #expect(!names.contains { $0.contains("\n") })
    }
}
