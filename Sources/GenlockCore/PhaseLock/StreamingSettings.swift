extension PhaseLockScheduler.Configuration {
    /// What a phase-locked camera is started with for `rate`: the fixed exposure, and the frame
    /// duration pinned to the sensor's free-running length for the rate (the lock then steers it
    /// request by request). The one rule for every phase-locked source: a Pi's libcamera sensor,
    /// the synthetic streaming sensor and the simulator's. The duration is
    /// ``SensorTiming/frameDuration(lines:)`` of the nominal length, so the camera programs
    /// exactly that many lines (``SensorTiming/linesProgrammed(for:)``).
    public func streamingSettings(for rate: FrameRate) throws(ExposureSettingsError) -> ExposureSettings {
        let frame = sensor.frameDuration(lines: sensor.nominalLines(for: rate.nominalPeriod))
        return try ExposureSettings(exposure: exposure, frameDurationLimits: frame...frame)
    }
}

extension SensorTiming {
    /// What a request-timed camera is started with for a schedule of `period`: the fixed
    /// `exposure`, and frames of `period / k` (``requestTimedMultiple(for:preferring:)``) so each
    /// request queued at `Tn` is filled by the next sensor frame, at most `period / k` later.
    public func freeRunningSettings(for period: TimeSpan, exposure: TimeSpan) throws(ExposureSettingsError) -> ExposureSettings {
        let multiple = requestTimedMultiple(for: period)
        let frame = frameDuration(lines: nominalLines(for: TimeSpan(nanoseconds: period.nanoseconds / Int64(multiple))))
        return try ExposureSettings(exposure: exposure, frameDurationLimits: frame...frame)
    }
}
