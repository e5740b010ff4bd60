import GenlockPOSIX

/// Writing generated files and reading log tails, with errors that name the path: the PTP
/// commands' view of ``FileIO``.
public enum Files {
    public struct Failure: Error, Hashable, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Creates `path` (and missing parents) as a directory.
    public static func makeDirectory(_ path: String) throws(Failure) {
        do throws(FileIO.Failure) { try FileIO.makeDirectories(path) } catch { throw Failure(description: error.description) }
    }

    /// Writes `contents` to `path` atomically, so a reader (or a crash) never sees a half-written file.
    public static func writeAtomically(_ contents: String, to path: String) throws(Failure) {
        do throws(FileIO.Failure) { try FileIO.writeAtomically(contents, to: path) } catch { throw Failure(description: error.description) }
    }

    /// The last `maxBytes` of a file, starting at a line boundary.
    public static func readTail(_ path: String, maxBytes: Int = 1 << 20) throws(Failure) -> String {
        var data: [UInt8]
        // One byte more than asked says whether the file is longer (then the first line is cut).
        do throws(FileIO.Failure) { data = try FileIO.readFile(path, lastBytes: maxBytes + 1, allowingPipes: true) } catch { throw Failure(description: error.description) }
        if data.count > maxBytes {
            data.removeFirst()
            if let newline = data.firstIndex(of: UInt8(ascii: "\n")) { data.removeSubrange(...newline) }
        }
        return String(decoding: data, as: UTF8.self)
    }
}
