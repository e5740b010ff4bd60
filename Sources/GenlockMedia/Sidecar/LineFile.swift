import GenlockPOSIX
import Glibc

/// An append-only text file whose lines are never torn.
///
/// Each line is written whole (``FileIO/writeAll(_:_:path:)``). A failure mid-line (disk full) is
/// undone with `ftruncate` back to the end of the previous line before the error is reported, so
/// readers — including one reading after a SIGKILL — only ever see whole lines.
public final class LineFile {
    public let path: String
    private var fd: Int32
    private var length: Int64 = 0

    /// Creates `path`, which must not exist (a recorded log is never truncated by a second run),
    /// and writes `header` as its first line, when given.
    public init(creating path: String, header: String?) throws(MediaError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            if errno == EEXIST { throw MediaError.refusingToOverwrite(path: path, reason: "it already exists") }
            throw FileSystem.error("cannot create", path)
        }
        if let header { try append(header + "\n") }
    }

    /// Opens `path` for appending without truncating it (creating it when absent) and writes
    /// `header` first when the file is empty. A restarted recorder continues its files this way:
    /// what an earlier run wrote is never rewritten.
    public init(appendingTo path: String, header: String?) throws(MediaError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileSystem.error("cannot open", path) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileSystem.error("cannot open", path) }
        length = Int64(info.st_size)
        if length == 0, let header { try append(header + "\n") }
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    /// Claims the file for this writer alone while it stays open: two recorders appending to one
    /// sidecar would interleave their rows. Throws when another writer (in any process) holds it.
    public func claimExclusively(_ what: String) throws(MediaError) {
        let claimed: Bool
        do throws(FileIO.Failure) { claimed = try FileIO.tryLockExclusively(fd, path: path) } catch {
            throw FileSystem.error("cannot lock", path, errno: error.errno.rawValue)
        }
        if !claimed { throw MediaError.refusingToOverwrite(path: path, reason: "\(what) is being recorded here by another recorder (this process or another)") }
    }

    /// Writes `line` (which must end in a newline) as one unit.
    public func append(_ line: String) throws(MediaError) {
        guard fd >= 0 else { throw MediaError.closed(path: path) }
        do throws(FileIO.Failure) {
            try FileIO.writeAll(fd, line, path: path)
            length += Int64(line.utf8.count)
        } catch {
            // Take back the partial line so no reader ever sees it.
            _ = ftruncate(fd, off_t(length))
            _ = lseek(fd, off_t(length), SEEK_SET)
            throw FileSystem.error("cannot write", path, errno: error.errno.rawValue)
        }
    }

    /// Forces the lines to stable storage.
    func sync() { if fd >= 0 { _ = fsync(fd) } }

    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }
}

/// The few file operations the media and HIL code share, with errors naming the path.
public enum FileSystem {
    static func error(_ operation: String, _ path: String, errno code: Int32 = errno) -> MediaError {
        MediaError.io(operation: operation, path: path, errno: code, message: String(cString: strerror(code)))
    }

    /// `mkdir -p`: creates `path` and its missing parents, and checks it is writable.
    public static func makeDirectories(_ path: String) throws(MediaError) {
        do throws(FileIO.Failure) {
            try FileIO.makeDirectories(path)
        } catch {
            throw Self.error("cannot create output folder", error.path, errno: error.errno.rawValue)
        }
        // Root can write anywhere permissions say it cannot; a read-only mount still stops it.
        if access(path, W_OK) != 0 { throw error("output folder is not writable:", path) }
    }

    /// The whole file as text.
    public static func read(_ path: String) throws(MediaError) -> String {
        do throws(FileIO.Failure) {
            return String(decoding: try FileIO.readFile(path), as: UTF8.self)
        } catch {
            throw MediaError.io(operation: error.operation, path: error.path, errno: error.errno.rawValue, message: error.reason)
        }
    }

    /// Throws unless `path` is a regular file (or a symlink to one): libavformat would wait
    /// forever on a FIFO, so a video is checked before it is opened.
    public static func requireRegularFile(_ path: String) throws(MediaError) {
        var info = stat()
        guard stat(path, &info) == 0 else { throw error("cannot open", path) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw MediaError.io(operation: "cannot open", path: path, errno: EINVAL, message: "not a regular file")
        }
    }

    /// Whether `path` exists.
    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Names of the entries of `directory`, sorted.
    public static func list(_ directory: String) throws(MediaError) -> [String] {
        guard let dir = opendir(directory) else { throw error("cannot list", directory) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// `path` made absolute, its existing part with symlinks, `.` and `..` resolved (libc
    /// `realpath` on the nearest existing ancestor; the missing rest is appended as written).
    public static func resolved(_ path: String) -> String {
        var head = path.isEmpty ? "." : path
        var tail: [Substring] = []
        while true {
            if let real = realpath(head, nil) {
                defer { free(real) }
                let base = String(cString: real)
                let rest = tail.reversed().joined(separator: "/")
                return rest.isEmpty ? base : (base == "/" ? "" : base) + "/" + rest
            }
            if head == "." || head == "/" { return path }
            guard let slash = head.lastIndex(of: "/") else {
                tail.append(Substring(head))
                head = "."
                continue
            }
            tail.append(head[head.index(after: slash)...])
            head = slash == head.startIndex ? "/" : String(head[..<slash])
        }
    }

    /// Whether `path` is `folder` or lies inside it, once both are resolved (symlinks, `.` and
    /// `..`), so no spelling of a path into a session escapes the check.
    public static func isInside(_ path: String, _ folder: String) -> Bool {
        let p = resolved(path), f = resolved(folder)
        return p == f || p.hasPrefix(f == "/" ? "/" : f + "/")
    }

    /// Creates `path` with `text`, whole or not at all, never replacing a file already there
    /// (``FileIO/placeNew(_:at:mode:)``: atomic, no check-then-rename window).
    public static func writeNew(_ text: String, to path: String) throws(MediaError) {
        do throws(FileIO.Failure) {
            try FileIO.placeNew(Array(text.utf8), at: path)
        } catch {
            if error.alreadyExists { throw MediaError.refusingToOverwrite(path: path, reason: "already exists") }
            throw Self.error(error.operation, error.path, errno: error.errno.rawValue)
        }
    }

    /// Writes `text` to `path` through a temporary file and a rename, so the file is whole or absent.
    public static func writeAtomically(_ text: String, to path: String) throws(MediaError) {
        do throws(FileIO.Failure) {
            try FileIO.writeAtomically(text, to: path)
        } catch {
            throw Self.error(error.operation, error.path, errno: error.errno.rawValue)
        }
    }
}
