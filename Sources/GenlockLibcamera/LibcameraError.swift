import GenlockCore

/// What went wrong with libcamera, in words a person can act on.
public enum LibcameraError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The camera manager did not start (`detail` is libcamera's reason).
    case managerFailed(detail: String)
    /// No camera matched; `libcamera` is the loaded release, so "none found" is never mistaken
    /// for "wrong library".
    case noCamera(CameraSelectionError, libcamera: String)
    /// Another process (or another open camera here) holds the camera.
    case cameraInUse(id: String)
    /// libcamera can deliver only something other than what was asked; nothing was applied.
    case configurationAdjusted(requested: StreamConfiguration, adjusted: StreamConfiguration)
    /// The configuration cannot be used at all (`detail` says why).
    case invalidConfiguration(detail: String)
    /// Every frame buffer is queued or still held by the node.
    case noFreeBuffer(detail: String)
    /// The call does not fit the camera's state (`detail` names both).
    case wrongState(detail: String)
    /// Another libcamera call failed (`detail` names it and why).
    case failed(detail: String)

    public var description: String {
        switch self {
        case .managerFailed(let detail): detail
        case .noCamera(let selection, let libcamera): "\(selection) (libcamera \(libcamera))"
        case .cameraInUse(let id): "camera '\(id)' is in use (another process or an open camera holds it)"
        case .configurationAdjusted(let requested, let adjusted):
            "libcamera adjusted the configuration: asked \(requested), it can deliver \(adjusted) ("
                + requested.changes(to: adjusted).joined(separator: "; ") + ")"
        case .invalidConfiguration(let detail): "invalid camera configuration: \(detail)"
        case .noFreeBuffer(let detail): detail
        case .wrongState(let detail): detail
        case .failed(let detail): detail
        }
    }
}
