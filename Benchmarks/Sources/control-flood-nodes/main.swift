// The real nodes of `control-flood.sh`: N `NodeClient`s (the camera node's own connection code,
// on the public API, so it follows handshake changes) connect to a running `genlock coordinator`
// over loopback TCP, each named as a camera of the rig file, and wait for START.
//
// For every node it records the realtime instant START arrived. The coordinator decides START at
// `T0 − lead` on this same machine's realtime clock (`CoordinatorCore`: T0 = now + lead), so
// `arrival − (T0 − lead)` is the START delivery time: from the coordinator's decision to the node
// holding the START (which the node ACKs at once). Prints one `key=value` line for the script.
//
//     swift run -c release control-flood-nodes --port P --key rig.key --nodes 128 --lead-ms 2000 --timeout-s 60

import Foundation
import GenlockControl
import GenlockControlNIO
import GenlockCore
import Synchronization

let arguments = CommandLine.arguments
func value(_ name: String) -> String? {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    return arguments[i + 1]
}
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("control-flood-nodes: \(message)\n".utf8))
    exit(2)
}
guard let port = value("--port").flatMap(Int.init), (1...65_535).contains(port) else { fail("--port PORT is required") }
guard let keyPath = value("--key") else { fail("--key FILE (the rig key, hex) is required") }
let nodeCount = value("--nodes").flatMap(Int.init) ?? 128
let leadNs = Int64(value("--lead-ms").flatMap(Int.init) ?? 2000) * 1_000_000
let timeoutS = value("--timeout-s").flatMap(Int.init) ?? 60
guard nodeCount > 0, leadNs > 0, timeoutS > 0 else { fail("--nodes, --lead-ms and --timeout-s must be positive") }

let keyText = (try? String(contentsOfFile: keyPath, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
var keyBytes: [UInt8] = []
var digits = Array(keyText)
while digits.count >= 2, let hi = digits[0].hexDigitValue, let lo = digits[1].hexDigitValue {
    keyBytes.append(UInt8(hi * 16 + lo))
    digits.removeFirst(2)
}
guard keyText.count == 64, keyBytes.count == 32, let key = try? RigKey(bytes: keyBytes) else { fail("\(keyPath) is not a rig key (64 hex digits)") }

@Sendable func realtimeNs() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}
@Sendable func monotonicNs() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

struct Tally {
    var connected = Set<Int>()
    /// Monotonic ns from launch until the last node held START.
    var allStartedNs: Int64 = 0
    var deliveryNs: [Int: Int64] = [:]
}
let launchedNs = monotonicNs()
let tally = Mutex(Tally())
let startT0 = Mutex<Int64>(0)
let clients = (0..<nodeCount).map { i in
    NodeClient(host: "127.0.0.1", port: port, key: key, monotonicNow: { MonotonicInstant(nanoseconds: monotonicNs()) }, hello: {
        ControlMessage.Hello(nodeName: "cam\(i)", softwareVersion: "bench", capabilities: ["synthetic"], ptp: .unknown, nonce: 0)
    }, onEvent: { event in
        switch event {
        case .connected:
            tally.withLock { _ = $0.connected.insert(i) }
        case .begin(let plan):
            let arrived = realtimeNs()
            let decided = plan.schedule.start.nanosecondsSinceEpoch - leadNs
            startT0.withLock { $0 = max($0, plan.schedule.start.nanosecondsSinceEpoch) }
            let since = monotonicNs() - launchedNs
            tally.withLock {
                $0.deliveryNs[i] = $0.deliveryNs[i] ?? (arrived - decided)
                $0.allStartedNs = max($0.allStartedNs, since)
            }
        case .disconnected, .stop, .heard:
            break
        }
    })
}
clients.forEach { $0.start() }

// Bounded wait on the monotonic clock for every START.
let deadline = monotonicNs() + Int64(timeoutS) * 1_000_000_000
while monotonicNs() < deadline, tally.withLock({ $0.deliveryNs.count }) < nodeCount { usleep(20_000) }
let result = tally.withLock { $0 }
// Stay connected until just past T0, so the coordinator sees the nodes through its check that
// every ACK came before T0 (bounded by the same timeout).
if result.deliveryNs.count == nodeCount {
    let leaveAt = startT0.withLock { $0 } + 500_000_000
    while realtimeNs() < leaveAt, monotonicNs() < deadline { usleep(20_000) }
}
clients.forEach { $0.shutdown() }

let delivered = result.deliveryNs.values.sorted()
func percentile(_ p: Double) -> String {
    let index = min(delivered.count - 1, max(0, Int((Double(delivered.count) * p).rounded(.up)) - 1))
    return String(format: "%.2f", Double(delivered[index]) / 1e6)
}
var line = "nodes=\(nodeCount) connected_ever=\(result.connected.count) got_start=\(delivered.count)"
if delivered.count == nodeCount {
    line += String(format: " launch_to_all_started_ms=%.0f", Double(result.allStartedNs) / 1e6)
    line += " start_delivery_p50_ms=\(percentile(0.5)) start_delivery_p99_ms=\(percentile(0.99)) start_delivery_max_ms=\(percentile(1.0))"
} else {
    // Not every node got START: no latency figure stands for "the nodes".
    line += " start_delivery=unmeasured"
}
print(line)
exit(delivered.count == nodeCount ? 0 : 1)
