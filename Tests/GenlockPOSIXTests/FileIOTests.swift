import Foundation
import GenlockPOSIX
import Glibc
import Testing

/// `FileIO.readFile` reads regular files, and pipes only where asked; never blocks on a FIFO
/// nobody writes to, and stops at its limit.
@Suite struct FileIOTests {
    private func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-fileio-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func aPipeIsReadOnlyWhenAllowedAndNeverWaitedOn() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fifo = dir + "/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        // Refused without a writer, and without waiting for one.
        #expect(throws: FileIO.Failure.self) { try FileIO.readFile(fifo) }
        do { _ = try FileIO.readFile(fifo) } catch { #expect(error.reason == "not a regular file (a FIFO)") }
        // Allowed: with no writer it reads as empty at once; with one, what it wrote.
        #expect(try FileIO.readFile(fifo, allowingPipes: true).isEmpty)
        let writer = Thread {
            let fd = open(fifo, O_WRONLY)
            if fd >= 0 {
                _ = "0123456789abcdef\n".withCString { write(fd, $0, 17) }
                close(fd)
            }
        }
        writer.start()
        var text = ""
        for _ in 0..<100 where text.isEmpty {
            text = String(decoding: try FileIO.readFile(fifo, allowingPipes: true), as: UTF8.self)
            if text.isEmpty { usleep(20_000) }
        }
        #expect(text == "0123456789abcdef\n")
    }

    @Test func devicesAndDirectoriesAreNamedAndLimitsHold() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do { _ = try FileIO.readFile("/dev/zero", allowingPipes: true) } catch { #expect(error.reason == "not a regular file (a character device)") }
        do { _ = try FileIO.readFile(dir) } catch { #expect(error.reason == "not a regular file (a directory)") }
        let big = dir + "/big"
        try Data(repeating: 7, count: 1000).write(to: URL(fileURLWithPath: big))
        #expect(try FileIO.readFile(big, limit: 1000).count == 1000)
        do { _ = try FileIO.readFile(big, limit: 999) } catch { #expect(error.errno == .fileTooLarge) }
        #expect(throws: FileIO.Failure.self) { try FileIO.readFile(big, limit: 999) }
    }
}
