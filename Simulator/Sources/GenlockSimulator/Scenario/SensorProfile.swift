import GenlockCore

/// A named sensor mode for `sensor.profile`: the timing constants of a real camera, so a scenario
/// can say "a Pi Camera Module 3" instead of repeating them. Explicit `sensor` keys override the
/// profile's values.
///
/// The timing (line time, frame-length limits, control delay) is the core's ``SensorMode`` table,
/// the same numbers a camera node's phase lock uses on a Pi; its sources are cited there. What the
/// simulator adds:
/// - Timestamp jitter ±2 µs for both: the Pi 5 stamps the frame-start interrupt in its handler, so
///   the stamp varies with interrupt latency (a few µs on an idle real-time kernel).
/// - The shutter: imx708 rolls (row r starts r lines after row 0, 864 rows ≈ 8 ms top to bottom);
///   the IMX296 exposes every row together, so its line time only sets the granularity of the
///   frame length (and of the phase lock's correction).
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
            m.apply(SensorMode.imx708.timing)
            m.timestampJitterNs = 2_000
            m.shutter = .rolling
        case .globalShutter:
            m.apply(SensorMode.imx296.timing)
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

extension Scenario.SensorModel {
    fileprivate mutating func apply(_ timing: SensorTiming) {
        lineTimePs = timing.lineTimePs
        minFrameLengthLines = timing.minFrameLengthLines
        maxFrameLengthLines = timing.maxFrameLengthLines
        controlDelayFrames = Int64(timing.controlDelayFrames)
    }
}
