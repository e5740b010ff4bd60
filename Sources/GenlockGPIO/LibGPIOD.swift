import CGPIOD
import Glibc
import SystemPackage

/// Every libgpiod 1.x call the backend makes, each wrapped once: Swift types in, `Errno` out.
/// libgpiod reports failures through errno, which is read immediately after the call.
enum LibGPIOD {
    /// gpiod_chip_open: opens the GPIO character device at `path`.
    static func openChip(path: String) throws(Errno) -> OpaquePointer {
        guard let chip = gpiod_chip_open(path) else { throw Errno(rawValue: errno) }
        return chip
    }

    static func closeChip(_ chip: OpaquePointer) { gpiod_chip_close(chip) }

    static func lineCount(_ chip: OpaquePointer) -> UInt32 { UInt32(gpiod_chip_num_lines(chip)) }

    /// gpiod_chip_get_line: the line at `offset` (its info is read from the kernel).
    static func line(_ chip: OpaquePointer, offset: UInt32) throws(Errno) -> OpaquePointer {
        guard let line = gpiod_chip_get_line(chip, offset) else { throw Errno(rawValue: errno) }
        return line
    }

    /// gpiod_line_request_output: requests the line as an output at `initialHigh`.
    static func requestOutput(_ line: OpaquePointer, consumer: String, initialHigh: Bool) throws(Errno) {
        guard gpiod_line_request_output(line, consumer, initialHigh ? 1 : 0) == 0 else { throw Errno(rawValue: errno) }
    }

    /// The consumer label the kernel reports for the line now (nil when unused or unlabelled).
    static func currentConsumer(_ line: OpaquePointer) -> String? {
        // Refresh first: the info cached by gpiod_chip_get_line may predate the other user.
        guard gpiod_line_update(line) == 0, let label = gpiod_line_consumer(line) else { return nil }
        let text = String(cString: label)
        return text.isEmpty ? nil : text
    }

    /// gpiod_line_set_value on a requested output line.
    static func setValue(_ line: OpaquePointer, high: Bool) throws(Errno) {
        guard gpiod_line_set_value(line, high ? 1 : 0) == 0 else { throw Errno(rawValue: errno) }
    }

    static func release(_ line: OpaquePointer) { gpiod_line_release(line) }
}
