import ArgumentParser
import GenlockControl
import GenlockCore
import GenlockPOSIX

extension DeadlineTimerKind: ExpressibleByArgument {}

/// Option transforms that keep the domain's own error message, so a rejected value says why
/// (ArgumentParser prefixes it with the option's name).
enum Parse {
    static func frameRate(_ text: String) throws -> FrameRate { try FrameRate(parsing: text) }
    static func timeSpan(_ text: String) throws -> TimeSpan { try TimeSpan(parsing: text) }
    /// A file or folder path: never empty (`--out ''` followed by "/" + a name wrote into `/`).
    static func path(_ text: String) throws -> String {
        guard !text.isEmpty else { throw Invalid("an empty path (use . for the current folder)") }
        return text
    }
    /// A camera or session name given as `option` follows the node and rig files' rule: it
    /// becomes a file or folder name and a CSV cell (`--name ..` wrote `...mkv`, `--session ..`
    /// wrote outside `--out`, `--name x,y` broke summary.csv).
    static func checkName(_ name: String?, option: String, what: String) throws {
        guard let name, !NodeConfiguration.isValidName(name) else { return }
        // Quoted with escapes: a name holding a line break stays one line.
        throw ValidationError("\(option) \(name.debugDescription): a \(what) name is 1-64 letters, digits, '-', '_' or '.', not starting with '.'")
    }
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

/// `--camera`: which camera a node drives.
enum CameraChoice: Equatable {
    /// The synthetic camera (no hardware): each capture request is logged, or rendered when recording.
    case synthetic
    /// A libcamera camera by id or model (nil: the only one).
    case libcamera(selector: String?)

    static func parse(_ text: String) throws -> CameraChoice {
        if text == "synthetic" { return .synthetic }
        if text == "libcamera" { return .libcamera(selector: nil) }
        if text.hasPrefix("libcamera:"), text.count > "libcamera:".count { return .libcamera(selector: String(text.dropFirst("libcamera:".count))) }
        throw Invalid("'\(text)' is not a camera: synthetic, libcamera or libcamera:ID_OR_MODEL")
    }

    /// What each camera captures with unless `--capture` says otherwise.
    var defaultCapture: CaptureMode {
        switch self {
        case .synthetic: .requestTimed
        case .libcamera: .phaseLocked
        }
    }
}

/// `--capture`: the two capture modes of DESIGN.md.
enum CaptureMode: String, ExpressibleByArgument, CaseIterable {
    /// A capture request queued at each `Tn`.
    case requestTimed = "request-timed"
    /// The sensor streams at the rate and its frame length is steered until exposures start on `Tn`.
    case phaseLocked = "phase-locked"
}

/// A configuration or scenario file as text, or why not in words: only a regular file (a FIFO
/// would block, a directory gave "NSCocoaErrorDomain error 256"), at most 16 MiB, and UTF-8.
enum TextFile {
    static func read(_ path: String) -> Result<String, Invalid> {
        do throws(FileIO.Failure) {
            let bytes = try FileIO.readFile(path, limit: 16 << 20)
            guard let text = String(validating: bytes, as: UTF8.self) else { return .failure(Invalid("cannot read \(path): not UTF-8 text")) }
            return .success(text)
        } catch {
            return .failure(Invalid("cannot read \(path): \(error.reason)"))
        }
    }
}
