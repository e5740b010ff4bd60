/// What went wrong in recording or reading, naming the file or value involved.
public enum MediaError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownCodec(String)
    case unknownPixelLayout(String)
    case invalidFrameSize(width: Int, height: Int, reason: String)
    case invalidFrame(String)
    /// A frame that does not match the recording's size or layout.
    case frameMismatch(String)
    /// Frame indices must strictly increase within a recording.
    case indexNotIncreasing(index: Int64, previous: Int64)
    /// A file system call failed: what was being done, on which path, and errno's message.
    case io(operation: String, path: String, errno: Int32, message: String)
    /// An FFmpeg call failed.
    case ffmpeg(operation: String, path: String, code: Int32, message: String)
    /// The recorder already failed or finished; nothing more can be written.
    case closed(path: String)
    case malformedSidecar(path: String, line: Int, reason: String)
    /// A file that would be overwritten, or an earlier recording that cannot be continued.
    case refusingToOverwrite(path: String, reason: String)
    /// An export that cannot be made as asked (unknown tool, output folder in use, nothing to export).
    case export(String)
    /// Files closed with rows missing that were received (a camera's files could not be written).
    case incomplete(String)
    /// A folder that holds no session (no camera sidecars), said with its path.
    case notASession(String)

    public var description: String {
        switch self {
        case .unknownCodec(let name): "unknown codec '\(name)' (expected x264, ffv1 or raw)"
        case .unknownPixelLayout(let name): "unknown pixel format '\(name)' (expected yuv420p, nv12 or gray8)"
        case .invalidFrameSize(let w, let h, let reason): "invalid frame size \(w)x\(h): \(reason)"
        case .invalidFrame(let reason): "invalid frame: \(reason)"
        case .frameMismatch(let reason): "frame does not match the recording: \(reason)"
        case .indexNotIncreasing(let index, let previous): "frame index \(index) does not follow \(previous): indices must strictly increase"
        case .io(let operation, let path, _, let message): "\(operation) \(path): \(message)"
        case .ffmpeg(let operation, let path, _, let message): "\(operation) \(path): \(message)"
        case .closed(let path): "recording \(path) is already closed"
        case .malformedSidecar(let path, let line, let reason): "\(path):\(line): \(reason)"
        case .export(let reason): reason
        case .incomplete(let reason): reason
        case .notASession(let reason): reason
        case .refusingToOverwrite(let path, let reason):
            "\(path) \(reason): refusing to overwrite or mix recordings (choose another output folder or session name)"
        }
    }

    /// Whether the error means the disk (or the file size limit) is full.
    public var isNoSpace: Bool {
        switch self {
        case .io(_, _, let e, _): e == 28 || e == 27  // ENOSPC, EFBIG
        case .ffmpeg(_, _, let code, _): code == -28 || code == -27
        default: false
        }
    }
}
