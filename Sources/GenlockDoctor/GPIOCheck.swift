/// A GPIO line named on the command line as `CHIP:LINE` (`gpiochip0:17`); the chip is a name under
/// /dev or a path.
public struct GPIOLineAddress: Hashable, Sendable, CustomStringConvertible {
    public var chip: String
    public var line: UInt32

    public init(chip: String, line: UInt32) {
        self.chip = chip
        self.line = line
    }

    /// Reads `CHIP:LINE`; the line is the text after the last colon.
    public init(parsing text: String) throws(GPIOAddressError) {
        guard let colon = text.lastIndex(of: ":"), colon != text.startIndex else { throw GPIOAddressError(text: text) }
        guard let line = UInt32(text[text.index(after: colon)...]) else { throw GPIOAddressError(text: text) }
        self.init(chip: String(text[..<colon]), line: line)
    }

    public var description: String { "\(chip):\(line)" }
}

/// Why a text is not a `CHIP:LINE`.
public struct GPIOAddressError: Error, Hashable, Sendable, CustomStringConvertible {
    public var text: String
    public var description: String { "'\(text)' is not a GPIO line: expected CHIP:LINE, like gpiochip0:17" }
}

/// The check `gpio` of the HIL LED line: it could be requested as an output (and was released at once).
public enum GPIOCheck {
    public static func check(_ address: GPIOLineAddress, requested: Result<Void, ProbeError>) -> CheckResult {
        switch requested {
        case .success: return CheckResult(check: "gpio", status: .pass, detail: "\(address) requested as an output and released")
        case .failure(let error):
            return .fail(
                "gpio", "cannot request \(address): \(error)",
                fix: "list chips with gpiodetect and lines with gpioinfo; the user needs the gpio group (or root)")
        }
    }
}
