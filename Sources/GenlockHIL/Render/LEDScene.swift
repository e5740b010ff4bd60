/// What a synthetic camera sees: a background lit by ambient light, and an LED behind a
/// diffuser (a bright rectangle or round spot with softened edges) that adds light to the rows
/// exposing while it flashes; optionally what a real rig also has in view (a lamp flickering at
/// twice the mains frequency, a static bright object) and the camera's luma encoding (gamma,
/// limited range).
public struct LEDScene: Hashable, Sendable {
    /// The shape of the LED's lit footprint.
    public enum Shape: Hashable, Sendable {
        /// A uniform diffuser filling the region (edges blurred).
        case rectangle
        /// A round diffused spot inscribed in the region: the rows near its top and bottom see
        /// less of it, so its own outline looks like a band edge.
        case disc
    }

    /// How the camera encodes light into luma levels.
    public struct Encoding: Hashable, Sendable {
        /// Luma ∝ light^(1/gamma); 1 is linear, a Pi's ISP output is closer to 2.2.
        public var gamma: Double
        /// Limited ("TV") range puts black at 16 and the top of the range at 235.
        public var limitedRange: Bool

        public init(gamma: Double = 1, limitedRange: Bool = false) {
            self.gamma = gamma
            self.limitedRange = limitedRange
        }

        public static let linearFull = Encoding()
    }

    /// A lamp on the mains: its light follows |sin| at `frequencyHz` (100 Hz on 50 Hz mains)
    /// with `depth` of modulation, integrated over each row's exposure.
    public struct FlickerLamp: Hashable, Sendable {
        public var region: PixelRegion
        /// Mean light the lamp adds, in linear luma levels.
        public var meanLuma: Double
        /// 0…1: how far the light swings around its mean.
        public var depth: Double
        public var frequencyHz: Double

        public init(region: PixelRegion, meanLuma: Double = 60, depth: Double = 0.5, frequencyHz: Double = 100) {
            self.region = region
            self.meanLuma = meanLuma
            self.depth = depth
            self.frequencyHz = frequencyHz
        }
    }

    public var width: Int
    public var height: Int
    /// The diffuser's footprint. With a rectangle it should span every row where a band can
    /// land (the default does); the analyzer finds the rows it lights evenly and refuses edges
    /// outside them.
    public var led: PixelRegion
    public var shape: Shape
    /// Luma of the background under ambient light (linear levels, 0…255).
    public var ambientLuma: Double
    /// Luma the LED adds to a row that integrates a whole flash (linear levels).
    public var flashLuma: Double
    /// Standard deviation of the sensor noise added to every pixel, in luma levels.
    public var noiseSigmaLuma: Double
    /// Width in pixels over which the diffuser's edges fade (lens blur).
    public var blurPixels: Int
    /// Seeds the noise; every frame's noise derives from it, the camera and the frame index.
    public var seed: UInt64
    public var encoding: Encoding
    /// A flickering lamp in view, if any.
    public var lamp: FlickerLamp?
    /// A static bright object in view (a window, a lit wall), with its linear luma.
    public var brightObject: PixelRegion?
    public var brightObjectLuma: Double

    public init(
        width: Int, height: Int, led: PixelRegion? = nil, shape: Shape = .rectangle, ambientLuma: Double = 40,
        flashLuma: Double = 150, noiseSigmaLuma: Double = 1.5, blurPixels: Int = 2, seed: UInt64 = 1,
        encoding: Encoding = .linearFull, lamp: FlickerLamp? = nil, brightObject: PixelRegion? = nil, brightObjectLuma: Double = 200
    ) {
        self.width = width
        self.height = height
        // Default: a vertical diffuser strip in the middle fifth, reaching past the top and bottom
        // of the frame (so that its blurred ends fall outside and every row sees it fully).
        self.led = led ?? PixelRegion(x: width * 2 / 5, y: -blurPixels - 1, width: max(1, width / 5), height: height + 2 * blurPixels + 2)
        self.shape = shape
        self.ambientLuma = ambientLuma
        self.flashLuma = flashLuma
        self.noiseSigmaLuma = noiseSigmaLuma
        self.blurPixels = blurPixels
        self.seed = seed
        self.encoding = encoding
        self.lamp = lamp
        self.brightObject = brightObject
        self.brightObjectLuma = brightObjectLuma
    }
}
