import Foundation
import Glibc
import Testing

/// Paths that are not what a command expects (a FIFO, an endless device, an empty string, a file
/// that is not a plain file): each is refused at once with one line that says what it is, and
/// nothing it names is replaced.
@Suite("hostile paths")
struct HostileInputCLITests {
    private func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    private func rig(_ dir: URL, key: String) throws -> String {
        let path = dir.appendingPathComponent("rig.yaml").path
        try "cameras: [cam1]\nfps: 30\nkey: \(key)\nlisten: 127.0.0.1:\(Int.random(in: 20_000...40_000))\n".write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A key path to `/dev/zero` was read to the end (it has none: memory until the runtime
    /// aborted), and a FIFO blocked the coordinator before it printed anything. A key file is
    /// read only when it is a plain file, and never past a few hundred bytes.
    @Test func aKeyPathThatIsNoKeyFileIsRefusedAtOnce() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("fifo.key").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let fullWidth = dir.appendingPathComponent("wide.key").path
        try (String(repeating: "０", count: 64) + "\n").write(toFile: fullWidth, atomically: true, encoding: .utf8)
        let huge = dir.appendingPathComponent("huge.key").path
        try Data(repeating: 0x61, count: 8 << 20).write(to: URL(fileURLWithPath: huge))
        // A pipe is read (a key handed over as <(command)); this one has no writer: empty, no key.
        for (key, says) in [("/dev/zero", "not a regular file (a character device)"), (fifo, "not a rig key"),
                            (dir.path, "not a regular file (a directory)"), (huge, "not a rig key"), (fullWidth, "not a rig key")] {
            for command in [["coordinator", "--http", "off"], ["ingest", "--listen", "127.0.0.1:\(Int.random(in: 20_000...40_000))"]] {
                let r = try GenlockBinary.run(command + ["--config", try rig(dir, key: key)], timeoutSeconds: 20)
                #expect(r.status == 64 || r.status == 1, "\(command) key \(key): status \(r.status)")
                #expect(r.stderr.contains(says), "\(command) key \(key): \(r.stderr)")
                #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            }
        }
    }

    /// `--out ''` joined to a file name wrote into `/`.
    @Test func anEmptyOutputPathIsRefused() throws {
        for command in [["ptp", "config", "--role", "node", "--iface", "eth0", "--out", ""],
                        ["record", "--synthetic", "--fps", "30", "--start-in", "1s", "--frames", "3", "--out", ""],
                        ["hil", "synth", SimCLITests.path("ideal"), "--out", ""],
                        ["rig", "--cameras", "1", "--duration", "1s", "--out", ""]] {
            let r = try GenlockBinary.run(command, timeoutSeconds: 20)
            #expect(r.status == 64, "\(command): status \(r.status) \(r.stdout)")
            #expect(r.stderr.contains("--out") && r.stderr.contains("an empty path"), "\(command): \(r.stderr)")
        }
    }

    /// `record` keeps the camera and session names to the node's rule: `--name x,y` wrote a
    /// summary.csv row of too many cells, which verify then misread.
    @Test func recordRefusesNamesOutsideTheNodesRule() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-recname-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        for (flag, value) in [("--name", "x,y"), ("--name", "q\"uote"), ("--session", "with space"), ("--session", "a\nb")] {
            let r = try GenlockBinary.run(["record", "--synthetic", "--fps", "30", "--start-in", "1s", "--frames", "3", "--out", root, flag, value],
                                          timeoutSeconds: 20)
            #expect(r.status == 64, "\(flag) \(value): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains("\(flag) \(value.debugDescription): ") && r.stderr.contains("name is 1-64 letters"), "\(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: root), "nothing was written")
    }

    /// An atomic replacement renames a new file over the path: over a FIFO or a device it would
    /// swap the thing itself for a plain file (`--json /dev/full` did). Through a symlink it
    /// replaces the link's target.
    @Test func aReportIsNeverRenamedOverSomethingThatIsNotAPlainFile() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("out.fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let target = dir.appendingPathComponent("target.json").path
        try "kept\n".write(toFile: target, atomically: true, encoding: .utf8)
        let link = dir.appendingPathComponent("link.json").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let dangling = dir.appendingPathComponent("dangling.json").path
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: dir.appendingPathComponent("none").path)
        for (path, kind) in [(fifo, "a FIFO"), (dangling, "a symbolic link to nothing")] {
            let r = try GenlockBinary.run(["sim", SimCLITests.path("ideal"), "--duration", "1s", "--json", path], timeoutSeconds: 60)
            #expect(r.status != 0, "\(path): status \(r.status)")
            #expect(r.stderr.contains("refusing to replace") && r.stderr.contains(kind), "\(r.stderr)")
            var info = stat()
            #expect(lstat(path, &info) == 0)
            #expect(info.st_mode & S_IFMT == (path == fifo ? S_IFIFO : S_IFLNK))
        }
        // A link to a regular file: the target is replaced, the link stays a link.
        let linked = try GenlockBinary.run(["sim", SimCLITests.path("ideal"), "--duration", "1s", "--json", link], timeoutSeconds: 60)
        #expect(linked.status == 0, "\(linked.stderr)")
        #expect(try String(contentsOfFile: target, encoding: .utf8).hasPrefix("{"))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target)
        // A plain file is still replaced, as before.
        let plain = dir.appendingPathComponent("plain.json").path
        try "old\n".write(toFile: plain, atomically: true, encoding: .utf8)
        let r = try GenlockBinary.run(["sim", SimCLITests.path("ideal"), "--duration", "1s", "--json", plain], timeoutSeconds: 60)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try String(contentsOfFile: plain, encoding: .utf8).hasPrefix("{"))
    }

    /// A FIFO where a session's video or sidecar belongs blocked the reader (libavformat and
    /// read(2) both wait for a writer that never comes); it is named instead.
    @Test func aFIFOInASessionIsNamedNotWaitedOn() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let record = try GenlockBinary.run(["record", "--synthetic", "--fps", "30", "--start-in", "1s", "--frames", "3", "--size", "320x240",
                                            "--out", dir.path, "--session", "s", "--quiet"], timeoutSeconds: 60)
        #expect(record.status == 0, "\(record.stderr)")
        let session = dir.appendingPathComponent("s").path
        try FileManager.default.removeItem(atPath: session + "/cam1.mkv")
        #expect(mkfifo(session + "/cam1.mkv", 0o600) == 0)
        let verify = try GenlockBinary.run(["session", "verify", session], timeoutSeconds: 20)
        #expect(verify.status == 1, "\(verify.stdout) \(verify.stderr)")
        #expect(verify.stdout.contains("cam1.mkv: cannot open") && verify.stdout.contains("not a regular file"), "\(verify.stdout)")
        try FileManager.default.removeItem(atPath: session + "/cam1.frames.csv")
        #expect(mkfifo(session + "/cam1.frames.csv", 0o600) == 0)
        let framesets = try GenlockBinary.run(["framesets", session], timeoutSeconds: 20)
        #expect(framesets.status != 0 && framesets.status != 9, "status \(framesets.status)")
        #expect(framesets.stderr.contains("not a regular file (a FIFO)"), "\(framesets.stderr)")
    }

    /// Paths a server needs later are checked at start: a session record it cannot keep (found
    /// only mid-session, so a restarted coordinator could not adopt the session), one it cannot
    /// read (it was taken for no record and overwritten), a sessions folder it cannot make (every
    /// node was refused, every 100 ms, at INFO).
    @Test func aServersPathsAreCheckedAtStart() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = dir.appendingPathComponent("rig.key").path
        #expect(try GenlockBinary.run(["keygen", "--out", key]).status == 0)
        let rigFile = try rig(dir, key: key)
        let missing = try GenlockBinary.run(["coordinator", "--config", rigFile, "--http", "off", "--state", dir.path + "/nope/state"], timeoutSeconds: 20)
        #expect(missing.status != 0 && missing.stderr.contains("/nope does not exist"), "\(missing.stderr)")
        let garbage = dir.appendingPathComponent("state").path
        let bytes = Data([0xFF, 0xFE, 0x00, 0x81, 0x10])
        try bytes.write(to: URL(fileURLWithPath: garbage))
        let unreadable = try GenlockBinary.run(["coordinator", "--config", rigFile, "--http", "off", "--state", garbage], timeoutSeconds: 20)
        #expect(unreadable.status != 0 && unreadable.stderr.contains("--state"), "\(unreadable.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: garbage)) == bytes)
        let file = dir.appendingPathComponent("afile").path
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        let sessions = try GenlockBinary.run(["ingest", "--config", rigFile, "--listen", "127.0.0.1:\(Int.random(in: 20_000...40_000))", "--sessions", file + "/sub"], timeoutSeconds: 20)
        #expect(sessions.status != 0 && sessions.stderr.contains("afile"), "\(sessions.stderr)")
        // A pid file it cannot write is said (`coordinator stop` will not find it), not ignored:
        // the coordinator then waits for its camera until it is stopped.
        let coordinator = try CoordinatorProcessTests.Child(
            ["coordinator", "--config", rigFile, "--http", "off", "--pid-file", dir.path + "/nope/pid", "--listen", "127.0.0.1:0"],
            log: dir.appendingPathComponent("coordinator.log"))
        #expect(coordinator.waitFor("cannot write the pid file \(dir.path)/nope/pid", seconds: 30), "\(coordinator.log)")
        kill(coordinator.process.processIdentifier, SIGTERM)
        _ = coordinator.wait(10)
        // Values no run can use are refused before anything starts.
        for (command, says) in [(["coordinator", "--config", rigFile, "--http", "off", "--duration", "0s"], "--duration must be positive"),
                                (["ingest", "--config", rigFile, "--listen", "127.0.0.1:0", "--wait=-1s"], "--wait must be positive"),
                                (["ptp", "wait", "--domain", "200", "--timeout", "1s"], "--domain must be 0-127"),
                                (["ptp", "wait", "--iface", "eth0;reboot", "--timeout", "1s"], "is not a Linux interface name")] {
            let r = try GenlockBinary.run(command, timeoutSeconds: 20)
            #expect(r.status == 64 && r.stderr.contains(says), "\(command): \(r.status) \(r.stderr)")
        }
    }

    /// A scenario or config path that is a directory, or a file that is not text, says so
    /// ("NSCocoaErrorDomain error 256" and "You don't have permission" did), and a name that
    /// would make a hidden file (`--name ..` wrote `...mkv`) is refused.
    @Test func filesThatAreNoTextAndHiddenNamesAreSaid() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let binary = dir.appendingPathComponent("bin.yaml").path
        try Data([0xFF, 0xFE, 0xFD, 0x00]).write(to: URL(fileURLWithPath: binary))
        for (command, says) in [(["sim", dir.path], "not a regular file (a directory)"), (["sim", binary], "not UTF-8 text"),
                                (["coordinator", "--config", dir.path], "not a regular file (a directory)"),
                                (["camera", "--synthetic", "--config", binary], "not UTF-8 text"),
                                (["camera", "--synthetic", "--name", "..", "--fps", "30", "--frames", "1"], "a camera name is"),
                                (["camera", "--synthetic", "--session", ".hidden", "--fps", "30", "--frames", "1", "--out", dir.path], "a session name is")] {
            let r = try GenlockBinary.run(command, timeoutSeconds: 20)
            #expect(r.status != 0 && r.stderr.contains(says), "\(command): \(r.status) \(r.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["bin.yaml"])
    }
}
