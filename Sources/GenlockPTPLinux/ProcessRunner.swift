import GenlockCore
import GenlockPOSIX
import Glibc

/// What a finished (or killed) helper program produced.
public struct ProcessResult: Sendable, Hashable {
    /// The exit status, or nil when the process was killed by a signal.
    public var exitStatus: Int32?
    public var standardOutput: String
    public var standardError: String
    /// True when the deadline passed and the process was killed.
    public var timedOut: Bool
}

/// Why a helper program could not be run.
public struct ProcessRunError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
}

/// Runs a short-lived helper program (pmc, phc_ctl) with a hard deadline.
///
/// posix_spawn plus poll on the output pipes, synchronous: the CLI and the gate loop are plain
/// threads, and the deadline must hold even when the helper never exits (it is then killed with
/// SIGKILL and reaped, so no zombie and no hang).
public enum ProcessRunner {
    /// Finds `name` in PATH, then in /usr/sbin and /sbin (where Debian puts linuxptp, and which
    /// are not in an ordinary user's PATH).
    public static func locate(_ name: String) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/local/sbin"] {
            let candidate = dir + "/" + name
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// Runs `executable` with `arguments`, returning within `timeoutNanoseconds` (plus the time
    /// to kill and reap). Output beyond `outputLimit` bytes per stream is dropped.
    public static func run(
        _ executable: String, _ arguments: [String], timeoutNanoseconds: Int64, outputLimit: Int = 1 << 20
    ) throws(ProcessRunError) -> ProcessResult {
        guard let path = locate(executable) else {
            throw ProcessRunError(description: "\(executable) not found (is linuxptp installed?)")
        }
        // Socket pairs rather than pipes: created close-on-exec atomically (Glibc's module does
        // not export pipe2), so a helper or daemon spawned by another thread at the same moment
        // cannot inherit our write end and hold the stream open past the child's exit.
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        let kind = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, kind, 0, &outPipe) == 0 else { throw ProcessRunError(description: "socketpair: \(errnoText())") }
        guard socketpair(AF_UNIX, kind, 0, &errPipe) == 0 else {
            close(outPipe[0]); close(outPipe[1])
            throw ProcessRunError(description: "socketpair: \(errnoText())")
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = ProcessRunner.cleanSignalAttributes()
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)

        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for arg in argv { free(arg) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        close(outPipe[1])
        close(errPipe[1])
        guard rc == 0 else {
            close(outPipe[0]); close(errPipe[0])
            throw ProcessRunError(description: "cannot start \(path): \(String(cString: strerror(rc)))")
        }

        let deadline = monotonicNow() + timeoutNanoseconds
        var out: [UInt8] = []
        var err: [UInt8] = []
        var open = [true, true]
        var timedOut = false
        while open[0] || open[1] {
            let remaining = deadline - monotonicNow()
            if remaining <= 0 { timedOut = true; break }
            var fds = [
                pollfd(fd: open[0] ? outPipe[0] : -1, events: Int16(POLLIN), revents: 0),
                pollfd(fd: open[1] ? errPipe[0] : -1, events: Int16(POLLIN), revents: 0),
            ]
            let millis = Int32(min((remaining + 999_999) / 1_000_000, Int64(Int32.max)))
            let n = poll(&fds, 2, millis)
            if n < 0 {
                if errno == EINTR { continue }
                break
            }
            for i in 0..<2 where open[i] && fds[i].revents != 0 {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let got = read(fds[i].fd, &buffer, buffer.count)
                if got > 0 {
                    if i == 0, out.count < outputLimit { out.append(contentsOf: buffer[0..<got]) }
                    if i == 1, err.count < outputLimit { err.append(contentsOf: buffer[0..<got]) }
                } else if got == 0 || (got < 0 && errno != EINTR) {
                    open[i] = false
                }
            }
        }
        close(outPipe[0])
        close(errPipe[0])

        var status: Int32 = 0
        var reaped = false
        // Both pipes closed: the child is exiting. Still bounded by the deadline, since a child
        // may close its output and keep running.
        while !timedOut {
            do {
                if let exited = try FileIO.reap(pid, blocking: false) { status = exited; reaped = true; break }
            } catch {
                break  // cannot be waited for
            }
            if monotonicNow() >= deadline { timedOut = true; break }
            FileIO.sleep(for: .milliseconds(1))
        }
        if !reaped {
            if timedOut || open[0] || open[1] { kill(pid, SIGKILL) }
            if let exited = try? FileIO.reap(pid, blocking: true) { status = exited }
        }
        let exited = (status & 0x7f) == 0
        return ProcessResult(
            exitStatus: exited ? (status >> 8) & 0xff : nil,
            standardOutput: String(decoding: out, as: UTF8.self),
            standardError: String(decoding: err, as: UTF8.self),
            timedOut: timedOut
        )
    }

    /// Spawn attributes that give the child an empty signal mask and default handlers.
    ///
    /// A child inherits the spawning thread's signal mask, and threads of a Swift process
    /// (Dispatch, the test runner, a real-time timer thread) may block signals; a ptp4l started
    /// with SIGTERM blocked never stops on SIGTERM. Call `posix_spawnattr_destroy` when done.
    public static func cleanSignalAttributes() -> posix_spawnattr_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        return attributes
    }

    static func monotonicNow() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
