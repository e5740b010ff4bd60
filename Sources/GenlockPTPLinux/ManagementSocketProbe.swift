import Glibc

/// Whether a ptp4l management socket path has a live daemon behind it, without asking it
/// anything: tells "not running" apart from "running but silent" before pmc is even started.
public enum ManagementSocketProbe {
    public enum Result: Hashable, Sendable {
        /// Nothing at the path.
        case missing
        /// Something that is not a socket (a wrong path).
        case notASocket
        /// A socket file with nobody bound to it: ptp4l died without removing it.
        case stale
        /// The path could not be used (permission); the text says why.
        case inaccessible(String)
        /// A datagram socket that accepts connections: a daemon is bound there.
        case live
    }

    public static func probe(_ path: String) -> Result {
        var info = stat()
        if stat(path, &info) != 0 {
            return errno == ENOENT || errno == ENOTDIR ? .missing : .inaccessible(String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else { return .notASocket }

        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .inaccessible("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return .inaccessible("path longer than \(capacity - 1) bytes") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if rc == 0 { return .live }
        switch errno {
        case ECONNREFUSED: return .stale
        case EPROTOTYPE: return .notASocket
        default: return .inaccessible(String(cString: strerror(errno)))
        }
    }
}
