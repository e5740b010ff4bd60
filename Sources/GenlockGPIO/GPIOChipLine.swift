import GenlockHAL
import Synchronization
import SystemPackage

/// A GPIO line of a real chip, requested as an output through libgpiod 1.x.
///
/// The chip is given by name (`gpiochip0`, opened as `/dev/gpiochip0`) or by path. On the
/// Raspberry Pi 5 the 40-pin header is `gpiochip4` on older kernels and `gpiochip0` from
/// 6.6.y on; `gpiodetect` lists them (the header's chip is labelled `pinctrl-rp1`).
/// The line is held, low, from ``init(chip:line:consumer:)`` until ``release()`` (or deinit),
/// under the consumer label, so `gpioinfo` shows who holds it.
public final class GPIOChipLine: GPIOLine {
    public let name: String
    /// The chip as given.
    public let chip: String
    public let line: UInt32
    /// libgpiod's chip and line objects: plain C pointers, only ever used under `handles`'
    /// lock, which is what makes handing them between threads safe.
    private struct Handles: @unchecked Sendable {
        let chip: OpaquePointer
        let line: OpaquePointer
    }
    /// Nil once released.
    private let handles = Mutex<Handles?>(nil)

    /// Opens `chip` and requests `line` as an output driven low, labelled `consumer`.
    public init(chip: String, line: UInt32, consumer: String = "genlock") throws(GPIOError) {
        self.chip = chip
        self.line = line
        self.name = "\(chip) line \(line)"
        let path = Self.devicePath(of: chip)
        let chipHandle: OpaquePointer
        do {
            chipHandle = try LibGPIOD.openChip(path: path)
        } catch {
            throw Self.openError(error, chip: chip, path: path)
        }
        do throws(GPIOError) {
            let count = LibGPIOD.lineCount(chipHandle)
            guard line < count else { throw .lineOutOfRange(chip: chip, line: line, lineCount: count) }
            let lineHandle: OpaquePointer
            do {
                lineHandle = try LibGPIOD.line(chipHandle, offset: line)
            } catch {
                throw .system(operation: "get line", chip: chip, line: line, detail: "\(error)")
            }
            do {
                try LibGPIOD.requestOutput(lineHandle, consumer: consumer, initialHigh: false)
            } catch {
                switch error {
                case .resourceBusy: throw .lineBusy(chip: chip, line: line, consumer: LibGPIOD.currentConsumer(lineHandle))
                case .permissionDenied, .notPermitted: throw .permissionDenied(chip: chip, path: path)
                default: throw .system(operation: "request line as output", chip: chip, line: line, detail: "\(error)")
                }
            }
            let requested = Handles(chip: chipHandle, line: lineHandle)
            handles.withLock { $0 = requested }
        } catch {
            LibGPIOD.closeChip(chipHandle)
            throw error
        }
    }

    deinit { release() }

    public func set(_ high: Bool) throws(GPIOError) {
        let result: Result<Void, GPIOError> = handles.withLock { h in
            guard let h else { return .failure(.released(chip: chip, line: line)) }
            do {
                try LibGPIOD.setValue(h.line, high: high)
                return .success(())
            } catch {
                return .failure(.system(operation: "set value", chip: chip, line: line, detail: "\(error)"))
            }
        }
        try result.get()
    }

    public func release() {
        handles.withLock { h in
            guard let current = h else { return }
            LibGPIOD.release(current.line)
            LibGPIOD.closeChip(current.chip)
            h = nil
        }
    }

    /// `/dev/NAME` for a bare chip name, the text itself for anything that looks like a path.
    static func devicePath(of chip: String) -> String {
        chip.contains("/") ? chip : "/dev/\(chip)"
    }

    /// Names what is wrong with the chip from the errno of opening it.
    static func openError(_ error: Errno, chip: String, path: String) -> GPIOError {
        switch error {
        case .noSuchFileOrDirectory: .chipMissing(chip: chip, path: path)
        // libgpiod answers ENOTTY (or ENODEV) for a file that is not a GPIO character device.
        case .inappropriateIOCTLForDevice, .noSuchAddressOrDevice, .operationNotSupportedByDevice, .isDirectory, .notDirectory:
            .notAChip(chip: chip, path: path)
        case .permissionDenied, .notPermitted: .permissionDenied(chip: chip, path: path)
        default: .system(operation: "open \(path)", chip: chip, line: nil, detail: "\(error)")
        }
    }
}
