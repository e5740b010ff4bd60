/// A sensor mode the phase lock knows the timing of, looked up by the camera's model.
///
/// The line time depends on the mode (binning, line length), so each entry names the output size
/// that makes libcamera pick that mode on a Raspberry Pi. The numbers come from the Linux drivers
/// and libcamera's Raspberry Pi camera helpers (cited per entry). The simulator's sensor profiles
/// (`sensor.profile: imx708 | global-shutter`) take their timing from this table, so what the
/// simulator proves about phase lock is proven for the constants a node uses.
public struct SensorMode: Hashable, Sendable, CustomStringConvertible {
    /// The sensor model as libcamera reports it (`imx708`).
    public var model: String
    /// The output width that selects this mode.
    public var width: Int
    /// The output height that selects this mode.
    public var height: Int
    /// Line time, frame-length limits and control delay of the mode.
    public var timing: SensorTiming

    public init(model: String, width: Int, height: Int, timing: SensorTiming) {
        self.model = model
        self.width = width
        self.height = height
        self.timing = timing
    }

    public var description: String {
        let lineNs = Double(timing.lineTimePs) / 1000
        return "\(model) \(width)×\(height) (line \(lineNs) ns, \(timing.minFrameLengthLines)…\(timing.maxFrameLengthLines) lines, "
            + "control delay \(timing.controlDelayFrames) frames)"
    }

    /// Raspberry Pi Camera Module 3, the 1536×864 2×2-binned mode (the one reaching 120 fps):
    /// 5216 pixels per line at 566.4 MHz = 9.20904 µs; 864 rows + 40 minimum vertical blanking;
    /// a 16-bit frame-length register; `cam_helper_imx708` delays frame-length changes 3 frames.
    public static let imx708 = SensorMode(
        model: "imx708", width: 1536, height: 864,
        timing: SensorTiming(lineTimePs: 9_209_040, minFrameLengthLines: 904, maxFrameLengthLines: 65_535, controlDelayFrames: 3))

    /// Raspberry Pi Global Shutter Camera, 1456×1088: 1100 cycles of 74.25 MHz = 14.8148 µs per
    /// line; 1088 rows + 30; the driver's vblank range; `cam_helper_imx296` delays changes 2 frames.
    public static let imx296 = SensorMode(
        model: "imx296", width: 1456, height: 1088,
        timing: SensorTiming(lineTimePs: 14_814_815, minFrameLengthLines: 1_118, maxFrameLengthLines: 1_048_575, controlDelayFrames: 2))

    /// Every mode in the table.
    public static let known: [SensorMode] = [.imx708, .imx296]

    /// The mode for `model` (compared without regard to case), or nil for a sensor not in the table.
    public static func known(model: String) -> SensorMode? {
        known.first { $0.model == model.lowercased() }
    }
}
