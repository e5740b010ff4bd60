import Glibc

/// Takes SIGINT and SIGTERM (or any signals) on a dedicated thread through `sigwait`, and hands
/// each to a handler there: no signal handler interrupts the timing path (the timer thread, the
/// camera's completion thread), and no libdispatch source is involved.
///
/// For that the signals must be blocked in every thread: call ``block(_:)`` first thing in the
/// process, before any other thread is started (threads inherit their creator's mask).
public final class SignalWaiter: Sendable {
    /// Blocks `signals` in the calling thread and so in every thread started after it.
    public static func block(_ signals: [Int32]) {
        Syscalls.blockSignals(signals)
    }

    /// Starts the waiting thread: each of `signals` that arrives runs `handler` with its number
    /// (on that thread, one at a time; a handler must not block for long). The thread lives as
    /// long as the process.
    public init(_ signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
        Self.block(signals)
        let waiting = signals
        let body = Box {
            while true { handler(Syscalls.waitForSignal(waiting)) }
        }
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue().body()
            return nil
        }, Unmanaged.passRetained(body).toOpaque())
        precondition(rc == 0, "pthread_create for the signal thread failed: \(rc)")
        pthread_detach(thread)
    }

    /// The name of signal `number` for logs (`SIGTERM`).
    public static func name(_ number: Int32) -> String {
        switch number {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        case SIGHUP: "SIGHUP"
        default: "signal \(number)"
        }
    }

    private final class Box: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
}
