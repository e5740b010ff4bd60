import Glibc

/// Writing generated files and reading log tails, with errors that name the path.
public enum Files {
    public struct Failure: Error, Hashable, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Creates `path` (and missing parents) as a directory.
    public static func makeDirectory(_ path: String) throws(Failure) {
        var partial = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            partial += "/" + component
            if mkdir(partial, 0o755) != 0 && errno != EEXIST {
                throw Failure(description: "cannot create directory \(partial): \(String(cString: strerror(errno)))")
            }
        }
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw Failure(description: "\(path) is not a directory")
        }
    }

    /// Writes `contents` to `path` through a temporary file and rename, so a reader (or a crash)
    /// never sees a half-written file.
    public static func writeAtomically(_ contents: String, to path: String) throws(Failure) {
        let temporary = path + ".tmp.\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(description: "cannot write \(temporary): \(String(cString: strerror(errno)))") }
        let bytes = Array(contents.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                let why = String(cString: strerror(errno))
                close(fd)
                unlink(temporary)
                throw Failure(description: "cannot write \(temporary): \(why)")
            }
            offset += n
        }
        if fsync(fd) != 0 || close(fd) != 0 {
            let why = String(cString: strerror(errno))
            unlink(temporary)
            throw Failure(description: "cannot write \(temporary): \(why)")
        }
        guard rename(temporary, path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(temporary)
            throw Failure(description: "cannot rename \(temporary) to \(path): \(why)")
        }
    }

    /// The last `maxBytes` of a file, starting at a line boundary.
    public static func readTail(_ path: String, maxBytes: Int = 1 << 20) throws(Failure) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(description: "cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let size = lseek(fd, 0, SEEK_END)
        let start = max(0, Int(size) - maxBytes)
        lseek(fd, off_t(start), SEEK_SET)
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            data.append(contentsOf: buffer[0..<n])
        }
        if start > 0, let newline = data.firstIndex(of: UInt8(ascii: "\n")) {
            data.removeSubrange(...newline)
        }
        return String(decoding: data, as: UTF8.self)
    }
}
