import GenlockCore

/// Why ptp4l's status could not be read. Every case names the socket path, so the message
/// says where the tool looked.
public enum PTPReadError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No daemon at the path (no socket, or a stale one).
    case notRunning(path: String, detail: String)
    /// A daemon is bound there but did not answer in time.
    case noAnswer(path: String, timeoutNanoseconds: Int64)
    /// pmc (or phc_ctl) failed; the text has its error output.
    case toolFailed(String)
    /// The answer could not be read.
    case unreadable(String)

    public var description: String {
        switch self {
        case .notRunning(let path, let detail): "ptp4l not running at \(path) (\(detail))"
        case .noAnswer(let path, let timeout):
            "ptp4l at \(path) did not answer within \(TimeSpanFormat.text(timeout)) (wrong --domain, or the daemon is stuck)"
        case .toolFailed(let text): text
        case .unreadable(let text): text
        }
    }
}
