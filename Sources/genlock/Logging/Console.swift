import GenlockPOSIX
import Glibc

/// Whole-line writes to stdout and stderr with write(2): no shared C `FILE` state, and one
/// write per line so lines from different threads never interleave.
enum Console {
    static func out(_ line: String) { write(1, line) }
    static func err(_ line: String) { write(2, line) }

    /// Bad input (a file, a value): one line on stderr and exit status 2, the status `genlock sim`
    /// and `genlock hil` document for it (argument parser errors exit 64).
    static func badInput(_ message: String) -> Never {
        err("genlock: error: \(message)")
        Glibc.exit(2)
    }

    /// A progress line that rewrites itself on a terminal (nil clears it); plain lines otherwise.
    static func progress(_ text: String?) {
        if isatty(1) != 0 {
            let bytes = Array("\r\u{1B}[K\(text ?? "")".utf8)
            _ = bytes.withUnsafeBytes { Glibc.write(1, $0.baseAddress!, $0.count) }
        } else if let text {
            out(text)
        }
    }

    private static func write(_ fd: Int32, _ text: String) {
        // A console that cannot be written to (closed pipe) has nobody to tell.
        try? FileIO.writeAll(fd, text.hasSuffix("\n") ? text : text + "\n", path: fd == 2 ? "stderr" : "stdout")
    }
}
