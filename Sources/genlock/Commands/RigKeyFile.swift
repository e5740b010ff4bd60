import ArgumentParser
import GenlockControl
import GenlockPOSIX
import Glibc

/// Rig key files, read and written in one place: the key as 64 hex digits and a newline (so it
/// can be copied by hand), mode 0600 from creation.
enum RigKeyFile {
    /// The key in `path`; errors name `option` (the flag or config key that gave the path).
    static func read(_ path: String, option: String) throws -> RigKey {
        let notAKey = ValidationError("\(option): \(path) is not a rig key (expected 64 hex digits, as written by genlock keygen)")
        let bytes: [UInt8]
        do throws(FileIO.Failure) {
            // A key file is 65 bytes; reading stops well before a huge file costs memory. A pipe
            // (`<(pass rig-key)`) is read too; a device such as /dev/zero is refused.
            bytes = try FileIO.readFile(path, limit: 256, allowingPipes: true)
        } catch {
            if error.errno == .fileTooLarge { throw notAKey }
            throw ValidationError("\(option): cannot read rig key \(path): \(error.reason)")
        }
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count == 64, let key = hexBytes(text) else {
            throw ValidationError("\(option): \(path) is not a rig key (expected 64 hex digits, as written by genlock keygen)")
        }
        return try RigKey(bytes: key)
    }

    /// Writes `key` to `path`, mode 0600 from creation so it is never readable by others, not even
    /// briefly. An existing file is refused unless `replacing` (then it is replaced atomically).
    static func write(_ key: [UInt8], to path: String, replacing: Bool) throws(FileIO.Failure) {
        let text = hex(key) + "\n"
        if replacing {
            try FileIO.writeAtomically(text, to: path, mode: 0o600)
            return
        }
        // An existing key is never silently replaced.
        try FileIO.createNew(path, Array(text.utf8), mode: 0o600)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { b in (b < 16 ? "0" : "") + String(b, radix: 16) }.joined()
    }

    static func hexBytes(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var it = text.makeIterator()
        while let a = it.next() {
            // ASCII only: `hexDigitValue` also takes full-width digits, which keygen never writes.
            guard let b = it.next(), a.isASCII, b.isASCII, let hi = a.hexDigitValue, let lo = b.hexDigitValue else { return nil }
            bytes.append(UInt8(hi * 16 + lo))
        }
        return bytes
    }
}
