import GenlockCore
import GenlockDoctor
import GenlockPOSIX
import Glibc

/// Free space and a timed write in the output folder.
public enum DiskProbe {
    /// Bytes an unprivileged user may still write under `directory` (statvfs `f_bavail`).
    public static func freeBytes(_ directory: String) -> Result<UInt64, ProbeError> {
        var info = statvfs()
        guard statvfs(directory, &info) == 0 else { return .failure(ProbeError("statvfs: \(String(cString: strerror(errno)))")) }
        return .success(UInt64(info.f_bavail) * UInt64(info.f_frsize))
    }

    /// Writes `bytes` (rounded up to whole MiB) to a new temporary file in `directory`, fsyncs it,
    /// and times that on the monotonic clock; the file is removed whatever happens. fsync is part
    /// of the time so the page cache cannot make a slow card look fast.
    public static func timeWrite(in directory: String, bytes: UInt64) -> Result<DiskCheck.WriteMeasurement, ProbeError> {
        let chunk = [UInt8](repeating: 0xA5, count: 1 << 20)
        let chunks = max(1, (bytes + UInt64(chunk.count) - 1) / UInt64(chunk.count))
        let path = "\(directory)/.genlock-doctor-\(getpid()).tmp"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return .failure(ProbeError("cannot create \(path): \(String(cString: strerror(errno)))")) }
        defer { unlink(path) }
        let clock = PosixClockPair()
        let start = clock.monotonicNow()
        for _ in 0..<chunks {
            do throws(FileIO.Failure) {
                try FileIO.writeAll(fd, chunk, path: path)
            } catch {
                close(fd)
                return .failure(ProbeError("\(error)"))
            }
        }
        let synced = fsync(fd) == 0
        let why = String(cString: strerror(errno))
        close(fd)
        guard synced else { return .failure(ProbeError("fsync \(path): \(why)")) }
        let elapsed = clock.monotonicNow() - start
        return .success(DiskCheck.WriteMeasurement(bytes: chunks * UInt64(chunk.count), elapsedNanoseconds: elapsed.nanoseconds))
    }
}
