import Foundation
import GenlockTesting
import Glibc
import Synchronization
import Testing

/// Hostile connections against a real `genlock coordinator` on loopback, every loop bounded.
enum Flood {
    /// Opens a TCP connection to 127.0.0.1:`port` (connect bounded by a 2 s send timeout); nil
    /// when it failed.
    static func connect(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard LoopbackClient.withAddress(port: port, { Glibc.connect(fd, $0, $1) }) == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    /// Raises this process's descriptor limit to at least `count` (within the hard limit).
    static func allowDescriptors(_ count: Int) {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        guard limit.rlim_cur < rlim_t(count) else { return }
        limit.rlim_cur = min(rlim_t(count), limit.rlim_max)
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}

/// Issue 13, item 4: with `ulimit -n 1024` in the coordinator's own shell, 1,100 idle connections
/// and slowloris connections (a frame header trickled a byte at a time) do not lock the real
/// nodes out: the cap on unauthenticated connections closes the oldest, the handshake timeout
/// closes the slow ones, and the cameras start, record and stop on one index.
extension CoordinatorProcessTests {

    @Test func idleAndSlowlorisConnectionsDoNotLockOutRealNodes() throws {
        Flood.allowDescriptors(1_400)
        let port = Int.random(in: 20_000...40_000)
        let dir = try makeRig(port: port, cameras: ["cam1", "cam2"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let rig = dir.appendingPathComponent("rig.yaml").path
        let coord = try Child(["-c", "ulimit -n 1024; exec \"$0\" coordinator --config \"$1\" --no-ptp-gate --duration 2s", GenlockBinary.url.path, rig],
                              log: dir.appendingPathComponent("coordinator.log"), executable: URL(fileURLWithPath: "/bin/sh"))
        defer {
            kill(coord.process.processIdentifier, SIGKILL)
            _ = coord.wait(5)
        }
        #expect(coord.waitFor("listening on", seconds: 20), "\(coord.log)")

        // 1,100 idle connections, then 40 slowloris ones that trickle a frame header.
        var idle: [Int32] = []
        let floodDeadline = Date().addingTimeInterval(30)
        for _ in 0..<1_100 where Date() < floodDeadline { if let fd = Flood.connect(port: port) { idle.append(fd) } }
        defer { for fd in idle { close(fd) } }
        #expect(idle.count > 1_024, "the flood is larger than the coordinator's descriptor limit")
        var slow: [Int32] = []
        for _ in 0..<40 { if let fd = Flood.connect(port: port) { slow.append(fd) } }
        defer { for fd in slow { close(fd) } }
        let trickle = Mutex(true)
        let header: [UInt8] = Array("GLCK".utf8) + [2, 1, 0, 0, 0, 0, 0x10, 0]
        let slowFDs = slow
        let trickler = Thread {
            var offset = 0
            // Bounded: at most 200 rounds of 50 ms.
            for _ in 0..<200 where trickle.withLock({ $0 }) {
                for fd in slowFDs { _ = header[offset % header.count..<offset % header.count + 1].withUnsafeBytes { send(fd, $0.baseAddress, 1, Int32(MSG_NOSIGNAL)) } }
                offset += 1
                usleep(50_000)
            }
        }
        trickler.start()
        defer { trickle.withLock { $0 = false } }

        let cams = try ["cam1", "cam2"].map { name in
            try Child(["camera", "--synthetic", "--name", name, "--coordinator", "127.0.0.1:\(port)", "--key", dir.appendingPathComponent("rig.key").path,
                       "--ptp-uds", dir.appendingPathComponent("no-ptp4l").path, "--coordinator-timeout", "10s"],
                      log: dir.appendingPathComponent("\(name).log"))
        }
        #expect(coord.wait(60) == 0, "coordinator: \(coord.log)")
        for cam in cams { #expect(cam.wait(15) == 0, "camera: \(cam.log)") }
        let log = coord.log
        #expect(log.contains("START:"))
        let stopLine = try #require(log.split(separator: "\n").first { $0.contains("STOP: stop index") })
        let stop = try #require(Int(stopLine.split(separator: " ").last ?? ""))
        for cam in cams { #expect(cam.frames.last == stop - 1, "\(cam.log)") }
        // The flood is summed up, not logged a line per connection.
        let rejectionLines = log.split(separator: "\n").filter { $0.contains("closed 127.0.0.1") || $0.contains("rejected") }
        #expect(rejectionLines.count < 40, "\(rejectionLines.count) lines about rejected connections")
        #expect(log.contains("more unauthenticated connections"))
    }
}

/// Issue 13, item 4 ("stays responsive at EMFILE: back off, do not spin"): a coordinator under
/// `ulimit -n 32` in its own shell (about 13 descriptors in use when idle) really runs out of
/// descriptors when 60 idle connections arrive. Its "accept failed (N× EMFILE); paused accepting
/// P× for 100 ms" lines count every failed `accept` and every pause: backing off, each pause ends
/// in one more attempt, so failures stay within a small multiple of pauses however late a loaded
/// machine runs the tick that writes the line; spinning on the level-triggered listening socket
/// (what NIO's own back-off handler did when the first accept of a wake-up failed) counts hundreds
/// of failures per pause. After the flood drains, real nodes connect, start, record and stop on
/// one index. The dashboard is on (port 0): its event loop and socket exist before the control port
/// opens, since a loop made during the flood (the dashboard's once was, lazily) traps the process.
extension CoordinatorProcessTests {

    @Test func outOfDescriptorsTheCoordinatorBacksOffAndServesNodesAfterTheFlood() throws {
        let port = Int.random(in: 20_000...40_000)
        let dir = try makeRig(port: port, cameras: ["cam1", "cam2"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let rig = dir.appendingPathComponent("rig.yaml").path
        let coord = try Child(["-c", "ulimit -n 32; exec \"$0\" coordinator --config \"$1\" --no-ptp-gate --duration 2s --http 127.0.0.1:0 --http-linger 0s",
                               GenlockBinary.url.path, rig],
                              log: dir.appendingPathComponent("coordinator.log"), executable: URL(fileURLWithPath: "/bin/sh"))
        defer {
            kill(coord.process.processIdentifier, SIGKILL)
            _ = coord.wait(5)
        }
        #expect(coord.waitFor("] listening on", seconds: 20), "\(coord.log)")
        let opening = coord.log
        let dashboardAt = try #require(opening.range(of: "dashboard: http://127.0.0.1:"), "the dashboard is up before the control port: \(opening)")
        let controlAt = try #require(opening.range(of: "] listening on"))
        #expect(dashboardAt.lowerBound < controlAt.lowerBound, "\(opening)")

        // More connections than the coordinator has descriptors: the rest wait in the backlog.
        var idle: [Int32] = []
        for _ in 0..<60 { if let fd = Flood.connect(port: port) { idle.append(fd) } }
        #expect(idle.count == 60)
        #expect(coord.waitFor("EMFILE", seconds: 10), "accept never failed: \(coord.log)")
        // Let it meet EMFILE for a while (at least eight ticks' lines, bounded at 10 s).
        let deadline = Date().addingTimeInterval(10)
        while failureCounts(coord.log).count < 8, Date() < deadline { usleep(50_000) }
        for fd in idle { close(fd) }

        let failures = failureCounts(coord.log)
        #expect(failures.count >= 8, "\(coord.log)")
        let failed = failures.map(\.failed).reduce(0, +), pauses = failures.map(\.pauses).reduce(0, +)
        #expect(pauses >= 8, "\(coord.log)")
        #expect(failed <= 2 * pauses, "accept retried without backing off: \(failed) failures in \(pauses) pauses (\(failures))")

        let cams = try ["cam1", "cam2"].map { name in
            try Child(["camera", "--synthetic", "--name", name, "--coordinator", "127.0.0.1:\(port)", "--key", dir.appendingPathComponent("rig.key").path,
                       "--ptp-uds", dir.appendingPathComponent("no-ptp4l").path, "--coordinator-timeout", "10s"],
                      log: dir.appendingPathComponent("\(name).log"))
        }
        #expect(coord.wait(60) == 0, "coordinator: \(coord.log)")
        for cam in cams { #expect(cam.wait(15) == 0, "camera: \(cam.log)") }
        let log = coord.log
        let stopLine = try #require(log.split(separator: "\n").first { $0.contains("STOP: stop index") }, "\(log)")
        let stop = try #require(Int(stopLine.split(separator: " ").last ?? ""))
        for cam in cams { #expect(cam.frames.last == stop - 1, "\(cam.log)") }
    }

    /// The failed accepts and the pauses each "accept failed (N× EMFILE); paused accepting P×" line counts.
    private func failureCounts(_ log: String) -> [(failed: Int, pauses: Int)] {
        log.split(separator: "\n").compactMap { line in
            guard let r = line.range(of: "accept failed ("), let end = line[r.upperBound...].range(of: "× EMFILE"),
                  let p = line.range(of: "paused accepting "), let pEnd = line[p.upperBound...].range(of: "×"),
                  let failed = Int(line[r.upperBound..<end.lowerBound]), let pauses = Int(line[p.upperBound..<pEnd.lowerBound])
            else { return nil }
            return (failed, pauses)
        }
    }
}
