/// Something the analyzer could not measure, and why: printed, and kept in the JSON.
public struct Diagnostic: Hashable, Sendable, Codable, CustomStringConvertible {
    /// What went wrong, as a stable word for scripts.
    public enum Kind: String, Hashable, Sendable, Codable {
        case noFrames = "no-frames"
        case ledNeverVisible = "led-never-visible"
        case saturated
        case flashLongerThanExposure = "flash-longer-than-exposure"
        case droppedNearFlash = "dropped-near-flash"
        case missingExposure = "missing-exposure"
        case noEdge = "no-edge"
        case unknownLineTime = "unknown-line-time"
        case unmatchedBand = "unmatched-band"
        case noCommonFrames = "no-common-frames"
        case regionRejected = "region-rejected"
        case ledNotFound = "led-not-found"
        case singleEdge = "single-edge"
        case lineTimeMismatch = "line-time-mismatch"
        case noisyBands = "noisy-bands"
        case nonlinearLuma = "nonlinear-luma"
        case lumaUnchecked = "luma-unchecked"
        case shutterMismatch = "shutter-mismatch"
        case unjoinedFrames = "unjoined-frames"
        case ambiguousFlash = "ambiguous-flash"
        case missingCamera = "missing-camera"
    }

    public var kind: Kind
    /// The camera concerned (nil: the session).
    public var camera: String?
    /// The frame indices concerned (the first few when many).
    public var indices: [Int64]
    /// How many frames are concerned in all.
    public var count: Int
    public var message: String

    public init(kind: Kind, camera: String?, indices: [Int64], count: Int, message: String) {
        self.kind = kind
        self.camera = camera
        self.indices = indices
        self.count = count
        self.message = message
    }

    public var description: String {
        var text = (camera.map { "\($0): " } ?? "") + message
        if count > 0 {
            let shown = indices.map(String.init).joined(separator: ", ")
            text += " (\(count) frame\(count == 1 ? "" : "s"): \(shown)\(count > indices.count ? ", …" : ""))"
        }
        return text
    }
}

/// Gathers per-frame problems into one diagnostic per camera and kind (the first message of the
/// kind is kept: a message carrying a number, such as a flash's width, must not make each frame
/// a line of its own), so a long session with a saturated LED says so once, with the first
/// indices, rather than once per frame.
struct DiagnosticLog {
    private(set) var entries: [Diagnostic] = []
    private static let shownIndices = 8

    mutating func add(_ kind: Diagnostic.Kind, camera: String?, index: Int64? = nil, _ message: String) {
        if let i = entries.firstIndex(where: { $0.kind == kind && $0.camera == camera }) {
            if let index {
                entries[i].count += 1
                if entries[i].indices.count < Self.shownIndices { entries[i].indices.append(index) }
            }
            return
        }
        entries.append(Diagnostic(kind: kind, camera: camera, indices: index.map { [$0] } ?? [], count: index == nil ? 0 : 1, message: message))
    }
}
