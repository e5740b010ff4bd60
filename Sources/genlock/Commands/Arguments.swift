import ArgumentParser
import GenlockCore
import GenlockPOSIX

extension DeadlineTimerKind: ExpressibleByArgument {}

/// Option transforms that keep the domain's own error message, so a rejected value says why
/// (ArgumentParser prefixes it with the option's name).
enum Parse {
    static func frameRate(_ text: String) throws -> FrameRate { try FrameRate(parsing: text) }
    static func timeSpan(_ text: String) throws -> TimeSpan { try TimeSpan(parsing: text) }
    static func nanoseconds(_ text: String) throws -> Int64 {
        guard let value = Int64(text) else { throw Invalid("'\(text)' is not a whole number of nanoseconds") }
        return value
    }
    static func frameCount(_ text: String) throws -> Int64 {
        guard let value = Int64(text) else { throw Invalid("'\(text)' is not a whole number") }
        guard value >= 1 else { throw Invalid("must be at least 1, got \(value)") }
        return value
    }
    static func index(_ text: String) throws -> Int64 {
        guard let value = Int64(text) else { throw Invalid("'\(text)' is not a whole number") }
        guard value >= 0 else { throw Invalid("frame indices start at 0, got \(value)") }
        return value
    }
}

/// An error whose description is its message.
struct Invalid: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
