import GenlockCore
import Glibc
import Synchronization
import SystemPackage

/// The file and process calls every module shares, each made once, here: whole writes and reads
/// with EINTR retried, `mkdir -p`, atomic replacement, sleeping and reaping a child. Callers map
/// ``Failure`` to their own error types; the retry policy lives in one place.
public enum FileIO {
    /// A failed call: what was being done, on which path, and the errno.
    public struct Failure: Error, Hashable, Sendable, CustomStringConvertible {
        /// "cannot create", "cannot write", …
        public var operation: String
        public var path: String
        public var errno: Errno
        /// Bytes written before the failure (``writeAll(_:_:)``).
        public var written: Int
        /// What went wrong when the errno alone would mislead (a FIFO is "not a regular file").
        public var detail: String?

        public init(_ operation: String, _ path: String, _ errno: Errno, written: Int = 0, detail: String? = nil) {
            self.operation = operation
            self.path = path
            self.errno = errno
            self.written = written
            self.detail = detail
        }

        /// Why, in words: the detail when there is one, otherwise the errno's text.
        public var reason: String { detail ?? String(cString: strerror(errno.rawValue)) }

        public var description: String { "\(operation) \(path): \(reason)" }

        /// The path existed where a new file was to be created.
        public var alreadyExists: Bool { errno == .fileExists }
    }

    /// Writes all of `bytes` to `fd`, retrying EINTR and continuing after short writes. A failure
    /// says how much was written first, so a caller can take a partial record back; a write that
    /// makes no progress without an error is reported as ENOSPC (a full disk does that).
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n > 0 {
                offset += n
            } else if n < 0, Glibc.errno == EINTR {
                continue
            } else {
                throw Failure("cannot write", path, n < 0 ? Errno(rawValue: Glibc.errno) : .noSpace, written: offset)
            }
        }
    }

    /// Takes `fd`'s exclusive advisory lock (`flock`) without waiting, retrying EINTR: false when
    /// another open of the file holds it (in this process or another). The kernel drops the lock
    /// when the holder closes the file or dies, so a killed writer never leaves it behind.
    public static func tryLockExclusively(_ fd: Int32, path: String) throws(Failure) -> Bool {
        while true {
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { return true }
            switch Glibc.errno {
            case EINTR: continue
            case EWOULDBLOCK: return false
            case let e: throw Failure("cannot lock", path, Errno(rawValue: e))
            }
        }
    }

    /// Writes all of `bytes` to `fd` (see ``writeAll(_:_:path:)``).
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(Failure) {
        try bytes.withUnsafeBytes { buffer in Result { () throws(Failure) in try writeAll(fd, buffer, path: path) } }.get()
    }

    /// Writes all of `text`'s UTF-8 to `fd` (see ``writeAll(_:_:path:)``).
    public static func writeAll(_ fd: Int32, _ text: String, path: String) throws(Failure) {
        var text = text
        try text.withUTF8 { buffer in Result { () throws(Failure) in try writeAll(fd, UnsafeRawBufferPointer(buffer), path: path) } }.get()
    }

    /// Reads from `fd` into `buffer` once, retrying EINTR; returns the count (0 at end of file).
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String) throws(Failure) -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if Glibc.errno != EINTR { throw Failure("cannot read", path, Errno(rawValue: Glibc.errno)) }
        }
    }

    /// Reads from `fd` into the start of `buffer` once, retrying EINTR; returns the count.
    public static func read(_ fd: Int32, into buffer: inout [UInt8], path: String) throws(Failure) -> Int {
        try buffer.withUnsafeMutableBytes { b in Result { () throws(Failure) in try read(fd, into: b, path: path) } }.get()
    }

    /// The whole file at `path`, or its last `maxBytes` when given; at most `limit` bytes (more
    /// fails with EFBIG). Only a regular file is read, and a pipe when `allowingPipes` (a log or
    /// a key handed over as `<(command)`): a FIFO nobody writes to blocked the reader forever
    /// and `/dev/zero` never ends, so the others fail at once, naming what the path is.
    public static func readFile(_ path: String, lastBytes maxBytes: Int? = nil, limit: Int? = nil, allowingPipes: Bool = false) throws(Failure) -> [UInt8] {
        // O_NONBLOCK: opening a FIFO must not wait for a writer; a regular file ignores the flag.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw Failure("cannot open", path, Errno(rawValue: Glibc.errno)) }
        defer { Glibc.close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw Failure("cannot read", path, Errno(rawValue: Glibc.errno)) }
        let kind = info.st_mode & S_IFMT
        if allowingPipes && kind == S_IFIFO {
            // Reads block again (a pipe without a writer reads as empty at once).
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        } else if kind != S_IFREG {
            throw Failure("cannot read", path, kind == S_IFDIR ? .isDirectory : .invalidArgument,
                          detail: "not a regular file (\(fileKind(info.st_mode)))")
        }
        if let maxBytes {
            let size = lseek(fd, 0, SEEK_END)
            lseek(fd, off_t(max(0, Int(size) - maxBytes)), SEEK_SET)
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = try read(fd, into: &chunk, path: path)
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<n])
            if let limit, bytes.count > limit {
                throw Failure("cannot read", path, .fileTooLarge, detail: "larger than \(limit) bytes")
            }
        }
    }

    /// What a non-regular file is, in words.
    static func fileKind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        default: "not a plain file"
        }
    }

    /// `mkdir -p`: creates `path` and its missing parents; fails naming the first component that
    /// cannot be created or is not a directory.
    public static func makeDirectories(_ path: String) throws(Failure) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o755) != 0, Glibc.errno != EEXIST {
                throw Failure("cannot create directory", prefix, Errno(rawValue: Glibc.errno))
            }
            var info = stat()
            if stat(prefix, &info) != 0 { throw Failure("cannot create directory", prefix, Errno(rawValue: Glibc.errno)) }
            if (info.st_mode & S_IFMT) != S_IFDIR { throw Failure("cannot create directory", prefix, .notDirectory) }
            prefix += "/"
        }
    }

    /// Distinguishes the temporary files of concurrent atomic writes in one process.
    private static let temporaryCounter = Atomic<Int>(0)

    /// Writes `bytes` to a new temporary file beside `path` and syncs it; returns its path. Nothing
    /// is left behind when that fails.
    private static func writeTemporary(_ bytes: [UInt8], beside path: String, mode: mode_t) throws(Failure) -> String {
        let serial = temporaryCounter.add(1, ordering: .relaxed).newValue
        let temporary = "\(path).tmp.\(getpid()).\(serial)"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Failure("cannot create", temporary, Errno(rawValue: Glibc.errno)) }
        do throws(Failure) {
            try writeAll(fd, bytes, path: temporary)
            if fsync(fd) != 0 { throw Failure("cannot sync", temporary, Errno(rawValue: Glibc.errno)) }
        } catch {
            Glibc.close(fd)
            unlink(temporary)
            throw error
        }
        Glibc.close(fd)
        return temporary
    }

    /// Replaces `path` with `bytes` through a temporary file in the same directory, fsync and
    /// rename, then fsyncs the directory: a reader (or a crash) sees the old file or the new one,
    /// never a torn one. `mode` is the new file's permission bits.
    ///
    /// Only a regular file is replaced: a rename over a device node or a FIFO would swap the
    /// thing itself for a plain file (`--json /dev/full` did), so those are refused. A symbolic
    /// link to a regular file has its target replaced (the link stays, as a shell's `>` leaves
    /// it); one to anything else, or to nothing, is refused.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(Failure) {
        var path = path
        var info = stat()
        if lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFLNK {
            var target = stat()
            guard let real = realpath(path, nil) else {
                throw Failure("refusing to replace", path, .fileExists, detail: "it is a symbolic link to nothing")
            }
            defer { free(real) }
            guard stat(real, &target) == 0, target.st_mode & S_IFMT == S_IFREG else {
                throw Failure("refusing to replace", path, .fileExists, detail: "it is a symbolic link to \(fileKind(target.st_mode)), not to a regular file")
            }
            path = String(cString: real)
        } else if lstat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
            throw Failure("refusing to replace", path, .fileExists, detail: "it is \(fileKind(info.st_mode)), not a regular file")
        }
        let temporary = try writeTemporary(bytes, beside: path, mode: mode)
        guard rename(temporary, path) == 0 else {
            let failure = Failure("cannot rename \(temporary) to", path, Errno(rawValue: Glibc.errno))
            unlink(temporary)
            throw failure
        }
        // The rename is durable once the directory is.
        syncDirectory(of: path)
    }

    /// Places a new file at `path` with `bytes`, whole or not at all, never replacing anything:
    /// written to a temporary file in the same directory and synced, then given its name only if
    /// the name is free (``Syscalls/renameNoReplace(_:_:)``: no check-then-rename window in which
    /// another writer's file could be overwritten), then the directory is synced. A taken name
    /// throws a failure whose ``Failure/alreadyExists`` is true; the temporary file is removed.
    public static func placeNew(_ bytes: [UInt8], at path: String, mode: mode_t = 0o644) throws(Failure) {
        let temporary = try writeTemporary(bytes, beside: path, mode: mode)
        do throws(Errno) { try Syscalls.renameNoReplace(temporary, path) } catch {
            unlink(temporary)
            throw Failure("cannot name \(temporary)", path, error)
        }
        syncDirectory(of: path)
    }

    /// Gives the file or folder `from` the name `to` only if `to` is free (one atomic step:
    /// nothing created at `to` meanwhile is ever replaced), then syncs `to`'s directory. A taken
    /// name throws a failure whose ``Failure/alreadyExists`` is true.
    public static func moveNew(_ from: String, to: String) throws(Failure) {
        do throws(Errno) { try Syscalls.renameNoReplace(from, to) } catch {
            // A file system without RENAME_NOREPLACE (some network ones) cannot link a folder
            // either: a folder is then moved when the name is free, by a plain rename (which
            // still fails over a folder that is not empty).
            var info = stat()
            guard error == .notPermitted || error == .invalidArgument, lstat(from, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
                throw Failure("cannot move \(from) to", to, error)
            }
            guard lstat(to, &info) != 0 else { throw Failure("cannot move \(from) to", to, .fileExists) }
            guard rename(from, to) == 0 else { throw Failure("cannot move \(from) to", to, Errno(rawValue: Glibc.errno)) }
        }
        syncDirectory(of: to)
    }

    /// Makes a rename or creation in `path`'s directory durable.
    private static func syncDirectory(of path: String) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let dirFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            _ = fsync(dirFD)
            Glibc.close(dirFD)
        }
    }

    /// Creates `path`, which must not exist (never replacing anything), with `bytes` and mode
    /// `mode` from creation, and syncs it.
    public static func createNew(_ path: String, _ bytes: [UInt8], mode: mode_t) throws(Failure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Failure("cannot create", path, Errno(rawValue: Glibc.errno)) }
        defer { Glibc.close(fd) }
        try writeAll(fd, bytes, path: path)
        guard fsync(fd) == 0 else { throw Failure("cannot sync", path, Errno(rawValue: Glibc.errno)) }
    }

    /// Replaces `path` with `text` atomically (see ``writeAtomically(_:to:mode:)``).
    public static func writeAtomically(_ text: String, to path: String, mode: mode_t = 0o644) throws(Failure) {
        try writeAtomically(Array(text.utf8), to: path, mode: mode)
    }

    /// Sleeps for `duration` on the monotonic clock, resuming after signals until it has passed.
    public static func sleep(for duration: TimeSpan) {
        guard duration.nanoseconds > 0 else { return }
        var ts = Syscalls.timespecOf(ns: duration.nanoseconds)
        var rest = timespec()
        while nanosleep(&ts, &rest) != 0, Glibc.errno == EINTR { ts = rest }
    }

    /// Reaps child `pid`: waits for it to exit (`blocking`) or checks once. Returns its raw wait
    /// status once it exited, nil while it still runs (non-blocking); throws when it cannot be
    /// waited for (not our child).
    public static func reap(_ pid: pid_t, blocking: Bool) throws(Errno) -> Int32? {
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, blocking ? 0 : WNOHANG)
            if r == pid { return status }
            if r == 0 { return nil }
            if Glibc.errno != EINTR { throw Errno(rawValue: Glibc.errno) }
        }
    }
}
