import Dispatch
import Glibc

/// Ctrl-C and SIGTERM (systemctl stop, timeout, docker stop) as a request to stop, for the
/// commands that end on one: the signals' default action (ending the process mid-write) is
/// replaced by `handler`, called on a global queue. Keep the returned sources for as long as the
/// handler should run; cancel them after.
enum StopSignals {
    static func handle(_ handler: @escaping @Sendable () -> Void) -> [DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            return source
        }
    }
}
