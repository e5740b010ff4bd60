import GenlockPTPLinux
import Glibc

/// Small I/O helpers for the tests: temp dirs, long-running daemons, monotonic time.
enum TestIO {
    static func temporaryDirectory() -> String {
        var template = Array("/tmp/genlock-ptp-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed: \(String(cString: strerror(errno)))")
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func removeTree(_ path: String) {
        _ = try? ProcessRunner.run("rm", ["-rf", "--", path], timeoutNanoseconds: 10_000_000_000)
    }

    static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    static func sleep(milliseconds: Int) {
        var ts = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var rest = timespec()
        while nanosleep(&ts, &rest) != 0 && errno == EINTR { ts = rest }
    }

    static func read(_ path: String) -> String { (try? Files.readTail(path)) ?? "" }

    /// Runs a short command; throws its error output when it fails.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> ProcessResult {
        let result = try ProcessRunner.run(executable, arguments, timeoutNanoseconds: 15_000_000_000)
        guard result.exitStatus == 0, !result.timedOut else {
            throw TestFailure("\(executable) \(arguments.joined(separator: " ")) failed: \(result.standardError)\(result.standardOutput)")
        }
        return result
    }

    /// Starts a long-running program with stdout and stderr into `logPath`; returns its pid.
    static func spawnDaemon(_ arguments: [String], logPath: String) throws -> pid_t {
        guard let path = ProcessRunner.locate(arguments[0]) else { throw TestFailure("\(arguments[0]) not found") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = ProcessRunner.cleanSignalAttributes()
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments.dropFirst()).map { strdup($0) } + [nil]
        defer { for arg in argv { free(arg) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        guard rc == 0 else { throw TestFailure("cannot start \(path): \(String(cString: strerror(rc)))") }
        return pid
    }

    /// SIGTERM, up to 5 s for a clean exit, then SIGKILL; always reaps. Returns true on a clean exit.
    @discardableResult
    static func stop(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { return true }
        kill(pid, SIGTERM)
        let deadline = now() + 5_000_000_000
        while now() < deadline {
            if waitpid(pid, &status, WNOHANG) == pid { return true }
            sleep(milliseconds: 20)
        }
        kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return false
    }

    /// True while `pid` is a live (not yet reaped, not zombie) child.
    static func isRunning(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == 0
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
