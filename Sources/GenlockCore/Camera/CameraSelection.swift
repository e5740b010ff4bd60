/// A camera as a backend lists it: its unique id and its sensor model.
public struct CameraIdentity: Hashable, Sendable, CustomStringConvertible {
    /// The backend's unique id (on a Pi, a device-tree path ending in the sensor, e.g. `…/imx708@1a`).
    public var id: String
    /// The sensor model (`imx708`), empty when the backend does not know it.
    public var model: String

    public init(id: String, model: String) {
        self.id = id
        self.model = model
    }

    public var description: String { model.isEmpty ? id : "\(id) (\(model))" }
}

/// Why no single camera matched what was asked for.
public enum CameraSelectionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The backend found no cameras at all (`selector` nil: none was named).
    case noCameras(selector: String?)
    /// Cameras exist, but none has this id or model.
    case notFound(selector: String, available: [CameraIdentity])
    /// Several cameras have this model (or none was named and there are several); the id must be given.
    case ambiguous(selector: String?, matches: [CameraIdentity])

    public var description: String {
        switch self {
        case .noCameras(let selector):
            selector.map { "no cameras found (asked for '\($0)')" } ?? "no cameras found"
        case .notFound(let selector, let available):
            "no camera has id or model '\(selector)'; cameras: \(available.map(\.description).joined(separator: ", "))"
        case .ambiguous(let selector, let matches):
            (selector.map { "\(matches.count) cameras are '\($0)'" } ?? "\(matches.count) cameras found")
                + "; choose one by id: \(matches.map(\.id).joined(separator: ", "))"
        }
    }
}

/// Chooses a camera by id or by model.
public enum CameraSelector {
    /// The camera whose id is `selector`, else the only camera whose model is `selector`
    /// (compared without regard to case, as models are printed in either); with no selector, the
    /// only camera there is.
    public static func choose(_ selector: String?, from cameras: [CameraIdentity]) throws(CameraSelectionError)
        -> CameraIdentity
    {
        guard !cameras.isEmpty else { throw .noCameras(selector: selector) }
        guard let selector else {
            guard cameras.count == 1 else { throw .ambiguous(selector: nil, matches: cameras) }
            return cameras[0]
        }
        if let exact = cameras.first(where: { $0.id == selector }) { return exact }
        let wanted = selector.lowercased()
        let byModel = cameras.filter { !$0.model.isEmpty && $0.model.lowercased() == wanted }
        switch byModel.count {
        case 1: return byModel[0]
        case 0: throw .notFound(selector: selector, available: cameras)
        default: throw .ambiguous(selector: selector, matches: byModel)
        }
    }
}
