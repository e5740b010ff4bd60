/// The analysis of a whole session: every camera's estimates and every pair's skew.
public struct SessionAnalysis: Sendable {
    public var cameras: [CameraAnalysis]
    public var pairs: [PairSkew]
    /// Session-level and per-camera diagnostics together.
    public var diagnostics: [Diagnostic]

    /// Frames a global-shutter estimate may be paired across (a sweep is rarely longer).
    public static let globalPairWindowFrames: Int64 = 30

    /// Analyzes each camera, then pairs them in the order given.
    public init(cameras inputs: [CameraInput], flashes: FlashList) {
        self.init(analyzed: inputs.map { CameraAnalyzer.analyze($0, flashes: flashes) })
    }

    /// Pairs cameras already analyzed (each by ``CameraAnalyzer/analyze(_:flashes:)``, which
    /// depends on that camera alone, so the cameras may be analyzed on threads of their own), in
    /// the order given.
    public init(analyzed cameras: [CameraAnalysis]) {
        self.cameras = cameras
        var pairs: [PairSkew] = []
        var diagnostics = cameras.flatMap(\.diagnostics)
        for i in cameras.indices {
            for j in cameras.indices where j > i {
                let global = cameras[i].shutter == .global || cameras[j].shutter == .global
                let tolerance = max(cameras[i].lineTimeNs ?? 0, cameras[j].lineTimeNs ?? 0)
                let pair = PairSkew(a: cameras[i], b: cameras[j], window: global ? Self.globalPairWindowFrames : nil, toleranceNs: tolerance)
                if pair.statistics == nil {
                    diagnostics.append(Diagnostic(kind: .noCommonFrames, camera: nil, indices: [], count: 0,
                                                  message: "\(pair.a)–\(pair.b): no skew: no frame index has an estimate in both cameras, and neither camera's offsets from Tn lie on a line around the other's"))
                }
                pairs.append(pair)
            }
        }
        self.pairs = pairs
        self.diagnostics = diagnostics
    }

    /// Whether every pair has at least one skew sample, and no camera of the rig is missing.
    public var complete: Bool {
        !pairs.isEmpty && pairs.allSatisfy { $0.statistics != nil } && !diagnostics.contains { $0.kind == .missingCamera }
    }
}
