import GenlockCore
import Glibc
/// Draws the luma plane of one frame of an ``LEDScene``: the background, plus the LED's light
/// row by row in proportion to the share of each flash the row integrated (``ExposureTiming``),
/// plus sensor noise, clipped to 0…255 as a sensor clips.
///
/// Pure and deterministic: the same scene, camera, frame and flashes give the same pixels.
public struct SceneRenderer: Sendable {
    public let scene: LEDScene
    /// Per pixel: the background's luma.
    private let background: [Float]
    /// Per pixel: how much of the LED's light reaches it (1 inside the diffuser, fading at its edges).
    private let footprint: [Float]
    /// Per pixel: how much of the flickering lamp's light reaches it.
    private let lampFootprint: [Float]

    public init(scene: LEDScene) {
        self.scene = scene
        let w = scene.width, h = scene.height
        var background = [Float](repeating: 0, count: w * h)
        var footprint = [Float](repeating: 0, count: w * h)
        var lampFootprint = [Float](repeating: 0, count: w * h)
        let blur = Float(max(scene.blurPixels, 0))
        for y in 0..<h {
            for x in 0..<w {
                // A gentle left-to-right gradient and a faint checkerboard: a scene, not a flat field.
                let gradient = Float(scene.ambientLuma) * (0.85 + 0.3 * Float(x) / Float(max(w - 1, 1)))
                let texture: Float = ((x / 16 + y / 16) % 2 == 0) ? 3 : -3
                var still = gradient + texture
                if let object = scene.brightObject {
                    still += Self.coverage(x, y, object, blur: blur) * Float(scene.brightObjectLuma - scene.ambientLuma)
                }
                background[y * w + x] = still
                footprint[y * w + x] = scene.shape == .disc ? Self.discCoverage(x, y, scene.led, blur: blur) : Self.coverage(x, y, scene.led, blur: blur)
                if let lamp = scene.lamp { lampFootprint[y * w + x] = Self.coverage(x, y, lamp.region, blur: blur) }
            }
        }
        self.background = background
        self.footprint = footprint
        self.lampFootprint = lampFootprint
    }

    /// How much of a round spot inscribed in `r` covers pixel (x, y), fading `blur` pixels wide.
    private static func discCoverage(_ x: Int, _ y: Int, _ r: PixelRegion, blur: Float) -> Float {
        let cx = Float(r.x) + Float(r.width) / 2, cy = Float(r.y) + Float(r.height) / 2
        let radius = Float(min(r.width, r.height)) / 2
        let dx = Float(x) + 0.5 - cx, dy = Float(y) + 0.5 - cy
        let inside = radius - (dx * dx + dy * dy).squareRoot()
        if blur == 0 { return inside > 0 ? 1 : 0 }
        return min(max(inside / blur + 0.5, 0), 1)
    }

    /// The lamp's light per row: its mean times 1 + depth·(the mean of cos(2πft) over the row's
    /// exposure window). The phase is taken from the realtime second, which holds whole mains
    /// cycles.
    private func lampLight(timing: ExposureTiming) -> [Float] {
        guard let lamp = scene.lamp else { return [] }
        let omega = 2 * Double.pi * lamp.frequencyHz
        let startS = Double(timing.start.nanosecondsSinceEpoch % 1_000_000_000) / 1e9
        let exposureS = Double(timing.exposure.nanoseconds) / 1e9
        return (0..<scene.height).map { row in
            let a = startS + (timing.shutter == .rolling ? Double(row) * timing.lineTimeNs / 1e9 : 0)
            let mean = exposureS > 0 ? (sin(omega * (a + exposureS)) - sin(omega * a)) / (omega * exposureS) : cos(omega * a)
            return Float(lamp.meanLuma * (1 + lamp.depth * mean))
        }
    }

    /// Linear levels to the stream's luma: the gamma curve on 0…1 of the sensor's range, then
    /// full (0…255) or limited (16…235) range. The sensor clips at the top of its range.
    private static func encode(_ value: Float, _ encoding: LEDScene.Encoding) -> Float {
        if encoding.gamma == 1 && !encoding.limitedRange { return value }
        var v = min(max(value / 255, 0), 1)
        if encoding.gamma != 1 { v = Float(pow(Double(v), 1 / encoding.gamma)) }
        return encoding.limitedRange ? 16 + 219 * v : 255 * v
    }

    /// How much of the diffuser covers pixel (x, y): a linear fade `blur` pixels wide across each edge.
    private static func coverage(_ x: Int, _ y: Int, _ r: PixelRegion, blur: Float) -> Float {
        func axis(_ p: Int, _ lo: Int, _ length: Int) -> Float {
            let centre = Float(p) + 0.5
            let inside = min(centre - Float(lo), Float(lo + length) - centre)
            if blur == 0 { return inside > 0 ? 1 : 0 }
            return min(max(inside / blur + 0.5, 0), 1)
        }
        return axis(x, r.x, r.width) * axis(y, r.y, r.height)
    }

    /// The luma plane (`width × height`, tightly packed) of the frame `index` of `camera` that
    /// exposed as `timing`, with `flashes` (those that may overlap it; others add nothing).
    public func luma(timing: ExposureTiming, flashes: some Sequence<FlashRecord>, camera: Int, index: Int64) -> [UInt8] {
        let w = scene.width, h = scene.height
        var rowLight = [Float](repeating: 0, count: h)
        for flash in flashes {
            for row in 0..<h { rowLight[row] += Float(timing.litFraction(row: row, flash: flash)) }
        }
        let gain = Float(scene.flashLuma)
        var noise = NoiseSource(seed: scene.seed, camera: camera, index: index, sigma: Float(scene.noiseSigmaLuma))
        let lamp = lampLight(timing: timing)
        var out = [UInt8](repeating: 0, count: w * h)
        for y in 0..<h {
            let light = rowLight[y] * gain
            let lampRow = lamp.isEmpty ? 0 : lamp[y]
            for x in 0..<w {
                let i = y * w + x
                let linear = background[i] + footprint[i] * light + lampFootprint[i] * lampRow
                let value = Self.encode(linear, scene.encoding) + noise.next()
                out[i] = UInt8(min(max(value.rounded(), 0), 255))
            }
        }
        return out
    }
}

/// Approximately Gaussian noise, cheaply: the sum of four uniform draws (Irwin–Hall), from a
/// SplitMix64 stream seeded per frame.
struct NoiseSource {
    private var state: UInt64
    private let scale: Float

    init(seed: UInt64, camera: Int, index: Int64, sigma: Float) {
        state = seed &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: camera) &* 0xBF58_476D_1CE4_E5B9
            ^ UInt64(bitPattern: index) &* 0x94D0_49BB_1331_11EB
        // Four uniforms on 0…1 have variance 4/12: scale to the wanted sigma.
        scale = sigma * 1.7320508
    }

    mutating func next() -> Float {
        if scale == 0 { return 0 }
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        // Four 16-bit uniforms from one 64-bit draw.
        let sum = Float(z & 0xFFFF) + Float((z >> 16) & 0xFFFF) + Float((z >> 32) & 0xFFFF) + Float(z >> 48)
        return (sum / 65535 - 2) * scale
    }
}
