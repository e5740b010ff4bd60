/// One ptp4l or phc2sys log line, read for what it says about synchronization.
///
/// Accepts the forms these daemons print to stdout (`ptp4l[2366.012]: master offset ...`), to
/// syslog/journald (`... ptp4l[812]: [2366.012] master offset ...`), and with linuxptp 4.x's
/// message tags (`[ptp4l.0.config] ...`): everything up to the message itself is skipped.
public enum PTPLogLine: Hashable, Sendable {
    /// ptp4l: `master offset -12 s2 freq +1234 path delay 567`.
    case masterOffset(offsetNanoseconds: Int64, servoState: Int, frequencyPPB: Int64, pathDelayNanoseconds: Int64)
    /// phc2sys: `CLOCK_REALTIME phc offset -12 s2 freq +1234 delay 567` (clock, then source label).
    case clockOffset(clock: String, source: String, offsetNanoseconds: Int64, servoState: Int, frequencyPPB: Int64, delayNanoseconds: Int64?)
    /// A summary (`summary_interval`): `[clock] rms 501 max 975 freq +21 +/- 266 [delay 2182 +/- 86]`.
    case summary(clock: String?, rmsNanoseconds: Int64, maxNanoseconds: Int64, frequencyPPB: Int64, delayNanoseconds: Int64?)
    /// `port 1: LISTENING to UNCALIBRATED on RS_SLAVE` (4.x: `port 1 (eth0): ...`).
    case portStateChange(port: Int, interface: String?, from: PortState, to: PortState, event: String)
    /// `selected best master clock 4e26a5.fffe.a9926c` or `selected local clock X as best master`.
    case bestMaster(ClockIdentity, isLocal: Bool)
    /// The Pi 5 MAC pitfall: raise `tx_timestamp_timeout` (or try one-step) when this repeats.
    case txTimestampTimeout
    /// Any other line (kept for display).
    case other(String)

    /// The servo state numbers linuxptp prints as `s0`/`s1`/`s2`/`s3`.
    public static let servoLocked = 2

    /// Reads one line. Never fails: what it does not recognise is `.other`.
    public init(parsing line: some StringProtocol) {
        let message = PTPLogLine.messageBody(String(line))
        let words = message.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        self = PTPLogLine.classify(message: message, words: words)
    }

    static func classify(message: String, words: [String]) -> PTPLogLine {
        if message.contains("timed out while polling for tx timestamp") { return .txTimestampTimeout }
        if words.starts(with: ["master", "offset"]), words.count >= 9,
            let offset = Int64(words[2]), let servo = servoState(words[3]), words[4] == "freq",
            let freq = signedInt(words[5]), words[6] == "path", words[7] == "delay", let delay = Int64(words[8])
        {
            return .masterOffset(offsetNanoseconds: offset, servoState: servo, frequencyPPB: freq, pathDelayNanoseconds: delay)
        }
        if words.count >= 7, words[2] == "offset", let offset = Int64(words[3]), let servo = servoState(words[4]),
            words[5] == "freq", let freq = signedInt(words[6])
        {
            var delay: Int64?
            if words.count >= 9, words[7] == "delay" { delay = Int64(words[8]) }
            return .clockOffset(clock: words[0], source: words[1], offsetNanoseconds: offset, servoState: servo, frequencyPPB: freq, delayNanoseconds: delay)
        }
        if let rmsIndex = words.firstIndex(of: "rms"), rmsIndex <= 1, words.count >= rmsIndex + 6,
            let rms = Int64(words[rmsIndex + 1]), words[rmsIndex + 2] == "max", let max = Int64(words[rmsIndex + 3]),
            words[rmsIndex + 4] == "freq", let freq = signedInt(words[rmsIndex + 5])
        {
            var delay: Int64?
            if let d = words.firstIndex(of: "delay"), d + 1 < words.count { delay = Int64(words[d + 1]) }
            return .summary(clock: rmsIndex == 1 ? words[0] : nil, rmsNanoseconds: rms, maxNanoseconds: max, frequencyPPB: freq, delayNanoseconds: delay)
        }
        if let change = portStateChange(words) { return change }
        if words.starts(with: ["selected", "best", "master", "clock"]), words.count >= 5,
            let id = ClockIdentity(parsing: words[4])
        {
            return .bestMaster(id, isLocal: false)
        }
        if words.starts(with: ["selected", "local", "clock"]), words.count >= 4, let id = ClockIdentity(parsing: words[3]) {
            return .bestMaster(id, isLocal: true)
        }
        return .other(message)
    }

    /// `port N: A to B on EVENT` or `port N (iface): A to B on EVENT [(reason)]`.
    private static func portStateChange(_ words: [String]) -> PTPLogLine? {
        guard words.first == "port", words.count >= 7 else { return nil }
        var i = 1
        var portText = words[i]
        var interface: String?
        if portText.hasSuffix(":") {
            portText.removeLast()
        } else if words.count >= 8, words[2].hasPrefix("("), words[2].hasSuffix("):") {
            interface = String(words[2].dropFirst().dropLast(2))
            i += 1
        } else {
            return nil
        }
        guard let port = Int(portText), words.count >= i + 6,
            let from = PortState(rawValue: words[i + 1]), words[i + 2] == "to",
            let to = PortState(rawValue: words[i + 3]), words[i + 4] == "on"
        else { return nil }
        return .portStateChange(port: port, interface: interface, from: from, to: to, event: words[i + 5])
    }

    private static func servoState(_ word: String) -> Int? {
        guard word.hasPrefix("s") else { return nil }
        return Int(word.dropFirst())
    }

    /// `+1234` or `-12` (Int64 does not accept a leading `+`).
    private static func signedInt(_ word: String) -> Int64? {
        Int64(word.hasPrefix("+") ? String(word.dropFirst()) : word)
    }

    /// The message after the program prefix and any bracketed time stamp or tag.
    static func messageBody(_ line: String) -> String {
        var body = Substring(line)
        for program in ["ptp4l", "phc2sys", "ts2phc"] {
            if let range = body.firstRange(of: program + "[") {
                let rest = body[range.upperBound...]
                if let close = rest.firstRange(of: "]:") {
                    body = rest[close.upperBound...]
                }
                break
            }
        }
        body = body.drop(while: { $0 == " " })
        // Bracketed time stamps ([2366.012]) and 4.x message tags ([ptp4l.0.config]).
        while body.first == "[", let close = body.firstIndex(of: "]") {
            body = body[body.index(after: close)...].drop(while: { $0 == " " })
        }
        return body.trimmingSpaces()
    }
}
