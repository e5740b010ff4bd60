import Glibc
import GenlockGPIO
import GenlockHAL
import Testing

/// The real libgpiod backend up to the hardware boundary. This machine has no GPIO chip, and
/// gpio-sim cannot be loaded here (no modprobe, no kernel modules, no configfs), so these tests
/// check the errors that name what is missing; the driving of a real line is covered on the rig
/// (hil/README.md) and the runner's behaviour through the simulated line.
@Suite("libgpiod backend")
struct GPIOChipLineTests {
    @Test func missingChipIsNamedWithItsDevicePath() throws {
        // Find a chip name that surely does not exist, whatever this machine has.
        var n = 900
        while access("/dev/gpiochip\(n)", F_OK) == 0 { n += 1 }
        let error = #expect(throws: GPIOError.self) { try GPIOChipLine(chip: "gpiochip\(n)", line: 17) }
        #expect(error == .chipMissing(chip: "gpiochip\(n)", path: "/dev/gpiochip\(n)"))
        #expect(error?.description == "no GPIO chip 'gpiochip\(n)' (/dev/gpiochip\(n) does not exist)")
    }

    @Test func missingChipPathIsUsedAsGiven() {
        let error = #expect(throws: GPIOError.self) { try GPIOChipLine(chip: "/nonexistent/gpiochip0", line: 0) }
        #expect(error == .chipMissing(chip: "/nonexistent/gpiochip0", path: "/nonexistent/gpiochip0"))
    }

    @Test(arguments: ["/dev/null", "/tmp"])
    func aFileThatIsNotAChipIsRefusedByLibgpiod(path: String) {
        // libgpiod itself decides (ENOTTY for a non-GPIO device, EISDIR for a directory).
        let error = #expect(throws: GPIOError.self) { try GPIOChipLine(chip: path, line: 0) }
        #expect(error == .notAChip(chip: path, path: path))
        #expect(error?.description.contains("'\(path)' is not a GPIO chip") == true)
    }

    @Test func lineErrorsNameChipLineAndWhatIsWrong() {
        #expect(GPIOError.lineOutOfRange(chip: "gpiochip0", line: 54, lineCount: 54).description
            == "GPIO chip 'gpiochip0' has no line 54 (it has 54 lines, 0...53)")
        #expect(GPIOError.lineBusy(chip: "gpiochip0", line: 17, consumer: "pigpio").description
            == "GPIO line 17 of chip 'gpiochip0' is busy (held by 'pigpio')")
        #expect(GPIOError.lineBusy(chip: "gpiochip0", line: 17, consumer: nil).description.contains("busy"))
    }
}
