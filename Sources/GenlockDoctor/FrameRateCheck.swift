import GenlockCore

/// The check `frame-rate`: whether the camera's sensor mode can hold the planned rate phase-locked.
///
/// The phase lock steers each frame's start onto `Tn` by lengthening or shortening frames in whole
/// lines. At a mode's fastest rates the shortest frame the sensor allows is barely shorter than the
/// period (IMX708 1536×864 at 120 fps: 8.4 µs shorter, under its 9.2 µs line), so a late frame
/// cannot be pulled in: the lock lengthens onto the next `Tn` instead, which costs one index
/// without a frame whenever it happens after the lock (a clock step, a lost lock). START says the
/// same; this says it before the session, while another rate or mode can still be chosen.
public enum FrameRateCheck {
    /// The check from the sensor `mode` of the camera the node will drive (or why it is not known:
    /// the camera check says more) and the planned `rate`.
    public static func check(mode found: Result<SensorMode, ProbeError>, rate: FrameRate) -> CheckResult {
        let name = "frame-rate"
        let mode: SensorMode
        switch found {
        case .failure(let error):
            return CheckResult(check: name, status: .warn, detail: "\(rate) fps not judged: \(error) (see the camera check)")
        case .success(let value): mode = value
        }
        let timing = mode.timing
        let line = TimeSpan(nanoseconds: timing.durationNs(lines: 1))
        let shortest = TimeSpan(nanoseconds: timing.durationNs(lines: timing.minFrameLengthLines))
        let modeName = "\(mode.model) \(mode.width)×\(mode.height)"
        if timing.isTooFast(rate) {
            return .fail(
                name, "\(rate) fps is faster than \(modeName) can go (its shortest frame is \(shortest))",
                fix: "choose a rate of at most \(maxRateText(timing)) fps for this mode")
        }
        if timing.isTooSlow(rate) {
            let longest = TimeSpan(nanoseconds: timing.durationNs(lines: timing.maxFrameLengthLines))
            return .fail(
                name, "\(rate) fps is slower than \(modeName) can go (its longest frame is \(longest))",
                fix: "choose a faster rate for this mode")
        }
        let headroom = timing.shorteningHeadroom(at: rate)
        if headroom < line {
            return CheckResult(
                check: name, status: .warn,
                detail: "\(rate) fps is at \(modeName)'s maximum rate: its shortest frame is only \(headroom) shorter than the "
                    + "period, under one line (\(line)), so frames can hardly be shortened and a late frame is corrected by "
                    + "lengthening onto the next Tn (one index without a frame); fix: a slower rate keeps a line of headroom "
                    + "(at most \(maxRateText(timing, headroomLines: 1)) fps)")
        }
        return CheckResult(
            check: name, status: .pass,
            detail: "\(rate) fps on \(modeName): frames can be shortened by up to \(headroom) (\(headroom.nanoseconds * 1000 / timing.lineTimePs) lines)")
    }

    /// The fastest whole-number rate (frames per second) at which the mode's shortest frame plus
    /// `headroomLines` lines still fits in a period, as text.
    private static func maxRateText(_ timing: SensorTiming, headroomLines: Int64 = 0) -> String {
        let framePs = Int128(timing.minFrameLengthLines + headroomLines) * Int128(timing.lineTimePs)
        return "\(1_000_000_000_000 / framePs)"
    }
}
