import Glibc

/// Reads the rows a growing sidecar (`<camera>.frames.csv`) gained since the last read, while a
/// recording is still writing it.
///
/// Only whole lines are taken: bytes after the last newline (a row being written, or torn by
/// a crash) stay for the next read, so no reader ever sees half a row. The recorder writes each
/// row with one `write(2)`, but a reader can still catch a file between two writes of a line
/// written in pieces by another writer, and that must not be misread. When the file is replaced
/// (the recorder rewrites it through a rename to flag frames `after-stop`) the tail starts over
/// on the new file and reports every row again; the caller skips the ones it has.
struct SidecarTail {
    let path: String
    private var inode: ino_t?
    private var offset: Int64 = 0
    private var header: String?
    private var partial: [UInt8] = []

    init(path: String) { self.path = path }

    /// The file's modification time in nanoseconds (nil when it does not exist).
    static func modified(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    }

    /// The whole rows appended since the last call (all rows again after the file was replaced);
    /// empty when the file does not exist yet.
    mutating func read() throws(MediaError) -> [FrameRecord] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return [] }
            throw FileSystem.error("cannot open", path)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileSystem.error("cannot stat", path) }
        if inode != info.st_ino || Int64(info.st_size) < offset {
            inode = info.st_ino
            offset = 0
            header = nil
            partial = []
        }
        var fresh: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileSystem.error("cannot read", path)
            }
            if count == 0 { break }
            fresh += buffer[0..<count]
            offset += Int64(count)
        }
        partial += fresh
        guard let lastNewline = partial.lastIndex(of: UInt8(ascii: "\n")) else { return [] }
        var text = String(decoding: partial[...lastNewline], as: UTF8.self)
        partial.removeSubrange(...lastNewline)
        if header == nil {
            let end = text.firstIndex(of: "\n")!
            header = String(text[..<end])
            text = String(text[text.index(after: end)...])
        }
        // The parser checks the header and every cell; it reads whole files, so give it one.
        return try SidecarFormat.parse(header! + "\n" + text, path: path)
    }
}
