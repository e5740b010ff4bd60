/// A named sensor mode for `sensor.profile`: the timing constants of a real camera, so a scenario
/// can say "a Pi Camera Module 3" instead of repeating them. Explicit `sensor` keys override the
/// profile's values.
///
/// Sources for the numbers (read from the Linux drivers and libcamera's Raspberry Pi camera helpers):
/// - **imx708** (Raspberry Pi Camera Module 3), the 1536×864 2×2-binned mode, the one that reaches
///   120 fps: line length 5216 pixels at a 566.4 MHz pixel rate = 9.20904 µs per line; minimum
///   frame length = 864 rows + the driver's minimum vertical blanking of 40 = 904 lines (8.33 ms,
///   120.1 fps); maximum 65535 lines (the 16-bit frame-length register). libcamera's
///   `cam_helper_imx708` gives vblank (frame-length) changes a delay of 3 frames (exposure and gain: 2).
///   Rolling shutter: row r starts r lines after row 0 (864 rows ≈ 8 ms top to bottom).
/// - **global-shutter** (Raspberry Pi Global Shutter Camera, IMX296, 1456×1088): line length fixed
///   at 1100 cycles of the 74.25 MHz input clock = 14.8148 µs; minimum frame 1088 + 30 = 1118 lines
///   (16.6 ms, 60.4 fps); maximum 1,048,575 lines (the driver's vblank range); `cam_helper_imx296`
///   gives frame-length changes a delay of 2 frames. Every row exposes together, so the line time
///   only sets the granularity of the frame length (and of the phase lock's correction).
/// - Timestamp jitter ±2 µs for both: the Pi 5 stamps the frame-start interrupt in its handler, so
///   the stamp varies with interrupt latency (a few µs on an idle real-time kernel).
/// - **custom**: the simulator's generic sensor (10 µs lines, 100…1,000,000 lines, delay 2, ±1 µs),
///   the defaults of every key.
public enum SensorProfile: String, CaseIterable, Hashable, Sendable, Codable {
    case imx708
    case globalShutter = "global-shutter"
    case custom

    /// `model` with this profile's values (the keys a profile does not set are left alone).
    public func applied(to model: Scenario.SensorModel) -> Scenario.SensorModel {
        var m = model
        m.profile = self
        switch self {
        case .imx708:
            m.lineTimePs = 9_209_040  // 5216 px / 566.4 MHz
            m.minFrameLengthLines = 904
            m.maxFrameLengthLines = 65_535
            m.controlDelayFrames = 3
            m.timestampJitterNs = 2_000
            m.shutter = .rolling
        case .globalShutter:
            m.lineTimePs = 14_814_815  // 1100 / 74.25 MHz
            m.minFrameLengthLines = 1_118
            m.maxFrameLengthLines = 1_048_575
            m.controlDelayFrames = 2
            m.timestampJitterNs = 2_000
            m.shutter = .global
        case .custom:
            let defaults = Scenario.SensorModel()
            m.lineTimePs = defaults.lineTimePs
            m.minFrameLengthLines = defaults.minFrameLengthLines
            m.maxFrameLengthLines = defaults.maxFrameLengthLines
            m.controlDelayFrames = defaults.controlDelayFrames
            m.timestampJitterNs = defaults.timestampJitterNs
            m.shutter = defaults.shutter
        }
        return m
    }
}
