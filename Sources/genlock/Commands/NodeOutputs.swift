import GenlockCore
import GenlockHAL
import GenlockLibcamera
import GenlockMedia
import GenlockNode
import GenlockPOSIX
import Logging
import Synchronization

// The node's outputs, as the CLI wires them: the recorders of GenlockMedia behind GenlockNode's
// protocols, and the per-frame log lines a person reads.

/// Request-timed captures of the synthetic camera with no recording: the log line is the capture.
final class LoggedCaptures: CaptureOutput {
    func capture(_ request: CaptureRequest) {}
    func skipped(_ range: Range<Int64>) {}
    func stop(at index: Int64) {}
    func close(stopIndex: Int64?) -> String? { nil }
}

extension CameraFrameRecorder: PhaseLockedOutput {
    public func close(stopIndex: Int64?) -> String? {
        do { try finish(stopIndex: stopIndex) } catch { return "\(error)" }
        return nil
    }
}

/// Logs a request-timed run as a person reads it (one classic line per frame, skips, the end) and
/// keeps the wake errors and the summary for the closing line.
final class RequestTimedLog: Sendable {
    private let name: String
    private let log: Logger
    private let quiet: Bool
    /// Per captured frame: the monotonic wake error and the realtime lateness (realtime on waking − Tn).
    private let timings = Mutex<(wakeErrors: [Int64], lateness: [Int64])>(([], []))
    private let summary = Mutex<CaptureSummary?>(nil)
    private let lateness: (@Sendable (Int64) -> Void)?

    /// `quiet`: no line per frame (the skips and the end are still logged). `lateness` hears every
    /// captured frame's realtime lateness (the node's metrics).
    init(name: String, log: Logger, quiet: Bool = false, lateness: (@Sendable (Int64) -> Void)? = nil) {
        self.lateness = lateness
        self.name = name
        self.log = log
        self.quiet = quiet
    }

    func observe(_ report: CaptureDriver<PosixClockPair, AnyDeadlineTimer>.Report) {
        switch report {
        case .capture(let request):
            timings.withLock {
                $0.wakeErrors.append(request.wakeError.nanoseconds)
                $0.lateness.append((request.wake.realtime - request.scheduled).nanoseconds)
            }
            lateness?((request.wake.realtime - request.scheduled).nanoseconds)
            guard !quiet else { return }
            log.info("frame \(request.index) Capture request queued",
                     metadata: [ClassicLogHandler.realtimeKey: "\(request.wake.realtime.nanosecondsSinceEpoch)"])
        case .skip(let range):
            log.warning("frames \(range.lowerBound)..<\(range.upperBound) skipped: their deadlines passed")
        case .armFailed:
            break  // the lifecycle logs it
        case .finish(let s):
            summary.withLock { $0 = s }
        }
    }

    /// Realtime lateness p99 over the last 1,000 captured frames (nil before the first): STATUS
    /// carries it twice a second, so the window stays small to sort.
    var recentLatenessP99Ns: Int64? {
        let recent = timings.withLock { Array($0.lateness.suffix(1000)) }
        return Percentiles(recent)?.p99
    }

    /// The closing line: frames, skips, indices, realtime lateness and wake error percentiles,
    /// realtime steps noticed while armed (nil: no run).
    var summaryLine: String? {
        let (errors, lateness) = timings.withLock { $0 }
        guard let s = summary.withLock({ $0 }) else { return nil }
        let range = s.joinedAt.map { first in "\(first)...\(s.lastIndex.map(String.init) ?? "-")" } ?? "-"
        var line = "summary [\(name)]: frames \(s.captured), skipped \(s.skipped), indices \(range)"
        if let p = Percentiles(lateness) {
            line += ", realtime lateness p50 \(TimeSpanFormat.text(p.p50)) p99 \(TimeSpanFormat.text(p.p99)) max \(TimeSpanFormat.text(p.max))"
        }
        if let p = Percentiles(errors) {
            line += ", wake error p50 \(TimeSpanFormat.text(p.p50)) p99 \(TimeSpanFormat.text(p.p99)) max \(TimeSpanFormat.text(p.max))"
        }
        if s.stepWakes > 0 { line += ", realtime steps noticed while armed \(s.stepWakes)" }
        return line
    }
}

/// Logs a phase-locked run: each frame's phase error, lock state changes, problems, and the end.
final class PhaseLockedLog: Sendable {
    private let name: String
    private let log: Logger
    private let summary = Mutex<PhaseLockSummary?>(nil)

    init(name: String, log: Logger) {
        self.name = name
        self.log = log
    }

    func observe<Camera: CaptureSource>(_ report: PhaseLockDriver<PosixClockPair, Camera>.Report) {
        switch report {
        case .frame(let f):
            log.info("frame \(f.index) exposed \(Self.signed(f.phaseError)) from Tn (\(f.state.rawValue))",
                     metadata: [ClassicLogHandler.realtimeKey: "\(f.exposureStart.nanosecondsSinceEpoch)"])
        case .skip(let range):
            log.warning("frames \(range.lowerBound)..<\(range.upperBound) skipped: no sensor frame was nearest their Tn")
        case .stateChanged(let status):
            log.info("\(status)")
        case .problem(let message):
            log.warning("\(message)")
        case .notice(let message):
            log.notice("\(message)")
        case .finish(let s):
            summary.withLock { $0 = s }
        }
    }

    private static func signed(_ span: TimeSpan) -> String { (span.nanoseconds > 0 ? "+" : "") + "\(span)" }

    /// The closing line: frames, skips, indices, pre-roll and duplicates, the lock at the end
    /// (nil: no run).
    var summaryLine: String? {
        guard let s = summary.withLock({ $0 }) else { return nil }
        let range = s.joinedAt.map { first in "\(first)...\(s.lastIndex.map(String.init) ?? "-")" } ?? "-"
        return "summary [\(name)]: frames \(s.captured), skipped \(s.skipped), indices \(range), pre-roll \(s.preRoll), "
            + "duplicates dropped \(s.duplicates), failures \(s.failures), \(s.status.map { "\($0)" } ?? "phase lock never ran")"
    }
}
