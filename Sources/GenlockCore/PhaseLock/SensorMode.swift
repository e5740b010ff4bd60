/// A sensor mode the phase lock knows the timing of, looked up by the camera's model.
///
/// The line time depends on the mode (binning, line length), so each entry names the output size
/// that makes libcamera pick that mode on a Raspberry Pi. The numbers come from the Linux drivers
/// and libcamera's sensor database and camera helpers (cited per entry; libcamera paths are in
/// the Raspberry Pi fork v0.7.1+rpt20260429, the vendored tarball).
///
/// The control delay is the sensor's (a VBLANK written during frame N takes effect at frame
/// N + delay). Which frame a *request's* FrameDurationLimits reaches on the Pi pipelines is longer:
/// the pisp pipeline hands a request's controls to the IPA when it pairs the request with a frame
/// already captured, and the IPA writes VBLANK after that frame's statistics, so the change lands
/// about 2 + delay frames after the request's own frame (read from `pisp.cpp:2330-2347`,
/// `ipa_base.cpp:1766`, `delayed_controls.cpp:209-289`; not yet measured on a Pi). The simulator's sensor profiles
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

    /// Raspberry Pi Camera Module 3, the 1536×864 2×2-binned mode (the one reaching 120 fps).
    /// libcamera has no table of these: it reads PIXEL_RATE, HBLANK and VBLANK from the kernel
    /// driver (libcamera 0.7.1+rpt `src/libcamera/sensor/camera_sensor_raw.cpp:1041-1049`), so:
    /// - line: raspberrypi/linux `drivers/media/i2c/imx708.c`, mode 1536×864 `line_length_pix`
    ///   0x1460 (5216) at `pixel_rate` 566 400 000 → 9.2090395 µs;
    /// - minimum frame length: the same mode's `vblank_min` 40 → 864 + 40 lines;
    /// - maximum: libcamera's `cam_helper_imx708.cpp:69` `frameLengthMax = 0xffdc` (65 500); above
    ///   it the IPA switches to the long-exposure shift and lengths are no longer exact lines
    ///   (the kernel's 16-bit `IMX708_FRAME_LENGTH_MAX` is 0xffff);
    /// - control delay: `camera_sensor_properties.cpp:334`, imx708 `vblankDelay` 3 frames.
    public static let imx708 = SensorMode(
        model: "imx708", width: 1536, height: 864,
        timing: SensorTiming(lineTimePs: 9_209_040, minFrameLengthLines: 904, maxFrameLengthLines: 65_500, controlDelayFrames: 3))

    /// Raspberry Pi Global Shutter Camera, 1456×1088:
    /// - line: raspberrypi/linux `drivers/media/i2c/imx296.c` fixes HMAX at 1100 cycles of its
    ///   74.25 MHz INCK (reported as HBLANK 304 at PIXEL_RATE 118.8 MHz) → 14.814815 µs; libcamera's
    ///   `cam_helper_imx296.cpp:30` hard-codes the same (550 / 37.125 MHz);
    /// - frame length: the driver's VBLANK range 30 … 1 048 575 − 1088 (24-bit VMAX) → 1118 …
    ///   1 048 575 lines;
    /// - control delay: `camera_sensor_properties.cpp:250`, imx296 `vblankDelay` 2 frames.
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
