import GenlockCore
import GenlockPOSIX
import Glibc
import Logging

/// Prints the classic camera-node log line that rig operators already grep:
/// `[2024-11-27 03:36:51.957246] [INFO] [cam1] frame 12 Capture request queued`.
///
/// The timestamp is realtime in local time with microseconds. A message may carry the exact
/// realtime instant it is about as metadata `realtime_ns` (for example the wake-up of a frame);
/// otherwise the realtime clock is read when the line is written.
struct ClassicLogHandler: LogHandler {
    static let realtimeKey = "realtime_ns"

    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String) { self.label = label }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var instant = PosixClockPair.realtimeNow()
        if case .stringConvertible(let value)? = event.metadata?[Self.realtimeKey],
            let ns = Int64(value.description)
        {
            instant = RealtimeInstant(nanosecondsSinceEpoch: ns)
        } else if case .string(let value)? = event.metadata?[Self.realtimeKey], let ns = Int64(value) {
            instant = RealtimeInstant(nanosecondsSinceEpoch: ns)
        }
        let line = "[\(Self.localTimestamp(instant))] [\(event.level.rawValue.uppercased())] [\(label)] \(event.message)"
        if event.level >= .warning { Console.err(line) } else { Console.out(line) }
    }

    /// `YYYY-MM-DD HH:MM:SS.uuuuuu` in the local time zone.
    static func localTimestamp(_ instant: RealtimeInstant) -> String {
        let ns = instant.nanosecondsSinceEpoch
        var seconds = time_t(ns >= 0 ? ns / 1_000_000_000 : (ns - 999_999_999) / 1_000_000_000)
        let micros = Int((ns - Int64(seconds) * 1_000_000_000) / 1_000)
        var parts = tm()
        localtime_r(&seconds, &parts)
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2)) "
            + "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2)).\(pad(micros, 6))"
    }
}
