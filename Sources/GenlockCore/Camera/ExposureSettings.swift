/// Why exposure settings were rejected.
public struct ExposureSettingsError: Error, Equatable, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { "invalid exposure settings: \(reason)" }
}

/// A fixed exposure (auto-exposure off) and the limits on the sensor's frame duration.
///
/// Synchronized capture needs both fixed: auto-exposure would lengthen frames in the dark and
/// break the frame period, and the frame duration is what the phase lock steers.
public struct ExposureSettings: Hashable, Sendable {
    /// The exposure time of every frame.
    public let exposure: TimeSpan
    /// The shortest and longest frame duration the sensor may use.
    public let frameDurationLimits: ClosedRange<TimeSpan>

    /// libcamera carries the exposure as a 32-bit count of microseconds.
    public static let longestExposure = TimeSpan.microseconds(Int64(Int32.max))

    public init(exposure: TimeSpan, frameDurationLimits: ClosedRange<TimeSpan>) throws(ExposureSettingsError) {
        guard exposure.microsecondsRounded > 0 else {
            throw ExposureSettingsError(reason: "exposure \(exposure) is shorter than 1 µs")
        }
        guard exposure <= Self.longestExposure else {
            throw ExposureSettingsError(reason: "exposure \(exposure) is longer than \(Self.longestExposure)")
        }
        guard frameDurationLimits.lowerBound.microsecondsRounded > 0 else {
            throw ExposureSettingsError(
                reason: "shortest frame duration \(frameDurationLimits.lowerBound) is shorter than 1 µs")
        }
        guard exposure <= frameDurationLimits.upperBound else {
            throw ExposureSettingsError(
                reason: "exposure \(exposure) is longer than the longest frame duration \(frameDurationLimits.upperBound)")
        }
        self.exposure = exposure
        self.frameDurationLimits = frameDurationLimits
    }
}

extension TimeSpan {
    /// The span in whole microseconds, rounded to the nearest (halves away from zero): the unit
    /// of libcamera's ExposureTime and FrameDurationLimits controls.
    public var microsecondsRounded: Int64 {
        let (quotient, remainder) = nanoseconds.quotientAndRemainder(dividingBy: 1_000)
        if remainder >= 500 { return quotient + 1 }
        if remainder <= -500 { return quotient - 1 }
        return quotient
    }
}
