/// A GPIO output line (an LED for skew measurement, a trigger).
///
/// A line is requested as an output when it is made and stays requested until ``release()``.
public protocol GPIOLine: AnyObject, Sendable {
    /// A description naming the chip and line, for error messages.
    var name: String { get }
    /// Drives the line high (`true`) or low.
    func set(_ high: Bool) throws(GPIOError)
    /// Releases the line (driving it low first is the caller's business). Safe to call twice.
    func release()
}

/// Why a GPIO line could not be requested or driven. Every case names the chip (and the line
/// where one is concerned), so the message alone says what to fix.
public enum GPIOError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No chip at `path` (the chip was given as `chip`).
    case chipMissing(chip: String, path: String)
    /// `path` exists but is not a GPIO character device.
    case notAChip(chip: String, path: String)
    /// The chip exists but this process may not open it.
    case permissionDenied(chip: String, path: String)
    /// The chip has `lineCount` lines, numbered from 0.
    case lineOutOfRange(chip: String, line: UInt32, lineCount: UInt32)
    /// Another user holds the line; `consumer` is its label when the kernel reports one.
    case lineBusy(chip: String, line: UInt32, consumer: String?)
    /// The line was released; nothing can be driven any more.
    case released(chip: String, line: UInt32)
    /// Any other failure of `operation`, with the system's reason.
    case system(operation: String, chip: String, line: UInt32?, detail: String)

    public var description: String {
        switch self {
        case .chipMissing(let chip, let path):
            "no GPIO chip '\(chip)' (\(path) does not exist)"
        case .notAChip(let chip, let path):
            "'\(chip)' is not a GPIO chip (\(path) is not a GPIO character device)"
        case .permissionDenied(let chip, let path):
            "GPIO chip '\(chip)': permission denied opening \(path) (run as root or join the group owning it, 'gpio' on Raspberry Pi OS)"
        case .lineOutOfRange(let chip, let line, let count):
            "GPIO chip '\(chip)' has no line \(line) (it has \(count) lines, 0...\(Int64(count) - 1))"
        case .lineBusy(let chip, let line, let consumer):
            "GPIO line \(line) of chip '\(chip)' is busy" + (consumer.map { " (held by '\($0)')" } ?? " (held by another process)")
        case .released(let chip, let line):
            "GPIO line \(line) of chip '\(chip)' was released"
        case .system(let operation, let chip, let line, let detail):
            "GPIO chip '\(chip)'" + (line.map { " line \($0)" } ?? "") + ": \(operation): \(detail)"
        }
    }
}
