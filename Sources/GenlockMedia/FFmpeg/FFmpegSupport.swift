import CFFmpeg
import CFFmpegShim
import Synchronization

/// Shared FFmpeg plumbing: error text, one-time setup.
enum FFmpeg {
    private static let configured = Mutex(false)

    /// Quiets FFmpeg's informational log lines (libx264 prints several per file); errors still print.
    static func configureOnce() {
        configured.withLock { done in
            if !done { av_log_set_level(AV_LOG_ERROR) }
            done = true
        }
    }

    static var eof: Int32 { genlock_averror_eof() }
    static var again: Int32 { genlock_averror_eagain() }

    /// FFmpeg's message for `code`.
    static func message(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        if av_strerror(code, &buffer, buffer.count) != 0 { return "FFmpeg error \(code)" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func error(_ operation: String, _ path: String, _ code: Int32) -> MediaError {
        MediaError.ffmpeg(operation: operation, path: path, code: code, message: message(code))
    }

    static func check(_ code: Int32, _ operation: String, _ path: String) throws(MediaError) {
        if code < 0 { throw error(operation, path, code) }
    }

    static let millisecondTimeBase = AVRational(num: 1, den: Int32(PresentationClock.ticksPerSecond))
}
