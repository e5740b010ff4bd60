import Glibc
import SystemPackage

/// A PM QoS request that keeps every CPU's wake-up latency at or below a target while it is
/// held, by writing the target to `/dev/cpu_dma_latency` and keeping the descriptor open (the
/// kernel drops the request when the descriptor closes). A target of 0 keeps idle CPUs out of
/// deep C-states.
///
/// Why it matters: a timer thread woken from a deep C-state, or on a VM whose vCPU halted, pays
/// the exit latency on every wake. cyclictest holds exactly this request (0 µs) unless run with
/// `--default-system`; on the 2-core Debian 12 VM where Genlock is benchmarked it cuts the
/// median 1 kHz wake error about threefold (see Benchmarks/README.md), so a timer comparison
/// without it measures the idle states, not the timer.
///
/// Writing needs root (the device is mode 0600 root). The request is process-wide and lasts
/// until ``release()`` or deinit.
public final class CPULatencyRequest: @unchecked Sendable {
    /// The PM QoS device.
    public static let devicePath = "/dev/cpu_dma_latency"

    /// The requested maximum wake-up latency, in microseconds.
    public let targetUs: Int32
    // Protected by `lock`; nil once released.
    private var fd: FileDescriptor?
    private let lock = ConditionLock()

    /// Places the request. Throws ``CPULatencyRequestError/system(operation:detail:)`` naming the
    /// device when it cannot be opened or written (usually: not root).
    public init(targetUs: Int32 = 0) throws(CPULatencyRequestError) {
        guard targetUs >= 0 else { throw .invalidTarget(targetUs) }
        self.targetUs = targetUs
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(Self.devicePath, .writeOnly, options: .closeOnExec, retryOnInterrupt: true)
        } catch {
            throw .system(operation: "open \(Self.devicePath)", detail: Self.describe(error))
        }
        var value = targetUs
        do {
            let written = try withUnsafeBytes(of: &value) { try fd.write($0, retryOnInterrupt: true) }
            guard written == MemoryLayout<Int32>.size else {
                _ = try? fd.close()
                throw CPULatencyRequestError.system(
                    operation: "write \(Self.devicePath)", detail: "short write (\(written) bytes)")
            }
        } catch let error as CPULatencyRequestError {
            throw error
        } catch {
            _ = try? fd.close()
            throw .system(operation: "write \(Self.devicePath)", detail: Self.describe(error))
        }
        self.fd = fd
    }

    deinit { release() }

    /// Drops the request; idempotent.
    public func release() {
        let fd = lock.withLock { () -> FileDescriptor? in
            defer { self.fd = nil }
            return self.fd
        }
        _ = try? fd?.close()
    }

    private static func describe(_ error: any Error) -> String {
        guard let errno = error as? Errno else { return "\(error)" }
        return errno == .permissionDenied || errno == .notPermitted ? "\(errno) (needs root)" : "\(errno)"
    }
}

/// Why a ``CPULatencyRequest`` could not be placed.
public enum CPULatencyRequestError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A negative latency target.
    case invalidTarget(Int32)
    /// A system call failed; `operation` names it and `detail` says why.
    case system(operation: String, detail: String)

    public var description: String {
        switch self {
        case .invalidTarget(let us): "CPU wake-up latency target \(us) µs is negative"
        case .system(let operation, let detail): "\(operation): \(detail)"
        }
    }
}
