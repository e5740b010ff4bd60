/// What a synthetic camera sees: a background lit by ambient light, and an LED behind a
/// diffuser (a bright rectangle with softened edges) that adds light to the rows exposing
/// while it flashes.
public struct LEDScene: Hashable, Sendable {
    public var width: Int
    public var height: Int
    /// The diffuser's footprint. It should span every row where a band can land: the analyzer
    /// cannot tell the diffuser's own top or bottom from a band edge.
    public var led: PixelRegion
    /// Luma of the background under ambient light (0…255).
    public var ambientLuma: Double
    /// Luma the LED adds to a row that integrates a whole flash.
    public var flashLuma: Double
    /// Standard deviation of the sensor noise added to every pixel, in luma levels.
    public var noiseSigmaLuma: Double
    /// Width in pixels over which the diffuser's edges fade (lens blur).
    public var blurPixels: Int
    /// Seeds the noise; every frame's noise derives from it, the camera and the frame index.
    public var seed: UInt64

    public init(
        width: Int, height: Int, led: PixelRegion? = nil, ambientLuma: Double = 40, flashLuma: Double = 150,
        noiseSigmaLuma: Double = 1.5, blurPixels: Int = 2, seed: UInt64 = 1
    ) {
        self.width = width
        self.height = height
        // Default: a vertical diffuser strip in the middle fifth, reaching past the top and bottom
        // of the frame (so that its blurred ends fall outside and every row sees it fully).
        self.led = led ?? PixelRegion(x: width * 2 / 5, y: -blurPixels - 1, width: max(1, width / 5), height: height + 2 * blurPixels + 2)
        self.ambientLuma = ambientLuma
        self.flashLuma = flashLuma
        self.noiseSigmaLuma = noiseSigmaLuma
        self.blurPixels = blurPixels
        self.seed = seed
    }
}
