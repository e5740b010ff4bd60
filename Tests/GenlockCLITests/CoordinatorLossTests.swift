import Foundation
import GenlockTesting
import Glibc
import Synchronization
import Testing

/// A TCP listener on loopback that is anything but a coordinator: it accepts and then says nothing
/// (holding every connection open), or closes each connection at once. Its accept loop polls with a
/// 100 ms timeout and ends when stopped.
final class ImpostorServer: Sendable {
    enum Manner: Sendable { case silent, closesAtOnce }
    private let fd: Int32
    private let stopped = Mutex(false)
    private let acceptedFDs = Mutex<[Int32]>([])
    private let done = DispatchSemaphore(value: 0)

    init(port: Int, _ manner: Manner) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EBADF) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = LoopbackClient.withAddress(port: port) { [fd] in bind(fd, $0, $1) }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EADDRINUSE)
        }
        Thread.detachNewThread { [self] in
            while !stopped.withLock({ $0 }) {
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&p, 1, 100) > 0 else { continue }
                let client = accept(fd, nil, nil)
                guard client >= 0 else { continue }
                switch manner {
                case .silent: acceptedFDs.withLock { $0.append(client) }
                case .closesAtOnce:
                    close(client)
                    acceptedFDs.withLock { $0.append(-1) }
                }
            }
            done.signal()
        }
    }

    /// Connections accepted so far.
    var accepted: Int { acceptedFDs.withLock { $0.count } }

    func stop() {
        stopped.withLock { $0 = true }
        done.wait()
        for c in acceptedFDs.withLock({ $0 }) where c >= 0 { close(c) }
        close(fd)
    }
}

/// Issue 13, item 2, with real processes on loopback: a node measures the coordinator's loss from
/// its last authenticated frame, so a coordinator that is replaced by something that accepts TCP
/// and stays silent or closes at once, or one that hangs (SIGSTOP), ends the recording after the
/// timeout, keeping every frame.
// In the suite of the other process tests, which runs its tests one at a time: processes that
// compete for two cores with a flood would make each other's timing meaningless.
extension CoordinatorProcessTests {

    private func node(_ name: String, dir: URL, port: Int) throws -> Child {
        try Child(["camera", "--synthetic", "--name", name, "--coordinator", "127.0.0.1:\(port)", "--key", dir.appendingPathComponent("rig.key").path,
                   "--ptp-uds", dir.appendingPathComponent("no-ptp4l").path, "--coordinator-timeout", "1500ms"],
                  log: dir.appendingPathComponent("\(name).log"))
    }

    /// The index a node's log says it stopped at after losing the coordinator.
    private func lossStop(_ child: Child) -> Int? {
        guard let line = child.log.split(separator: "\n").first(where: { $0.contains("no authenticated frame from the coordinator") }),
              let r = line.range(of: "stopping at index ") else { return nil }
        return Int(line[r.upperBound...].prefix { $0.isNumber })
    }

    @Test(arguments: [ImpostorServer.Manner.silent, .closesAtOnce])
    func aCoordinatorReplacedBySomethingThatOnlyAcceptsTCPEndsTheRecording(manner: ImpostorServer.Manner) throws {
        let port = Int.random(in: 20_000...40_000)
        let dir = try makeRig(port: port, cameras: ["cam1"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let coord = try Child(["coordinator", "--config", dir.appendingPathComponent("rig.yaml").path, "--no-ptp-gate"],
                              log: dir.appendingPathComponent("coordinator.log"))
        #expect(coord.waitFor("listening on", seconds: 20), "\(coord.log)")
        let cam = try node("cam1", dir: dir, port: port)
        #expect(cam.waitFor("] frame 3 ", seconds: 10), "\(cam.log)")
        kill(coord.process.processIdentifier, SIGKILL)
        _ = coord.wait(5)
        let impostor = try ImpostorServer(port: port, manner)
        defer { impostor.stop() }
        #expect(cam.wait(15) == 0, "camera: \(cam.log)")
        #expect(impostor.accepted >= 1, "the node did reach the impostor")
        #expect(cam.log.contains("frames recorded so far are kept"))
        #expect(cam.log.components(separatedBy: "(authenticated)").count == 2, "authenticated once, to the real coordinator only")
        let frames = cam.frames
        #expect(frames == Array(0..<frames.count) || cam.log.contains("skipped"))
    }

    @Test func aHungCoordinatorEndsEveryNodesRecordingOnTheSameIndex() throws {
        let port = Int.random(in: 20_000...40_000)
        let dir = try makeRig(port: port, cameras: ["cam1", "cam2"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let coord = try Child(["coordinator", "--config", dir.appendingPathComponent("rig.yaml").path, "--no-ptp-gate"],
                              log: dir.appendingPathComponent("coordinator.log"))
        defer {
            kill(coord.process.processIdentifier, SIGCONT)
            kill(coord.process.processIdentifier, SIGKILL)
            _ = coord.wait(5)
        }
        #expect(coord.waitFor("listening on", seconds: 20), "\(coord.log)")
        let cams = try ["cam1", "cam2"].map { try node($0, dir: dir, port: port) }
        for cam in cams { #expect(cam.waitFor("] frame 3 ", seconds: 10), "\(cam.log)") }
        // Hung: its sockets stay open (the kernel still acknowledges), it sends nothing.
        kill(coord.process.processIdentifier, SIGSTOP)
        for cam in cams { #expect(cam.wait(15) == 0, "camera: \(cam.log)") }
        let stops = cams.map(lossStop)
        #expect(stops[0] != nil)
        #expect(stops[0] == stops[1], "both nodes heard the same last heartbeat: \(stops)")
        for (cam, stop) in zip(cams, stops) {
            #expect(cam.frames.last.map { $0 + 1 } == stop, "\(cam.log)")
        }
    }

    /// Issue 13, item 3: a coordinator killed mid-session and started again adopts the session it
    /// had persisted from the nodes' HELLOs, and stops every node on one index.
    @Test func aRestartedCoordinatorAdoptsTheSessionAndStopsItOnOneIndex() throws {
        let port = Int.random(in: 20_000...40_000)
        let dir = try makeRig(port: port, cameras: ["cam1", "cam2"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let rig = dir.appendingPathComponent("rig.yaml").path
        let first = try Child(["coordinator", "--config", rig, "--no-ptp-gate"], log: dir.appendingPathComponent("coordinator.log"))
        #expect(first.waitFor("listening on", seconds: 20), "\(first.log)")
        let cams = try ["cam1", "cam2"].map { name in
            try Child(["camera", "--synthetic", "--name", name, "--coordinator", "127.0.0.1:\(port)", "--key", dir.appendingPathComponent("rig.key").path,
                       "--ptp-uds", dir.appendingPathComponent("no-ptp4l").path, "--coordinator-timeout", "20s"],
                      log: dir.appendingPathComponent("\(name).log"))
        }
        for cam in cams { #expect(cam.waitFor("] frame 3 ", seconds: 10), "\(cam.log)") }
        kill(first.process.processIdentifier, SIGKILL)
        _ = first.wait(5)
        let record = try String(contentsOf: dir.appendingPathComponent("coordinator.session"), encoding: .utf8)
        #expect(record.contains("finished false"))
        let second = try Child(["coordinator", "--config", rig, "--no-ptp-gate", "--duration", "4s"], log: dir.appendingPathComponent("coordinator2.log"))
        #expect(second.wait(40) == 0, "coordinator: \(second.log)")
        for cam in cams { #expect(cam.wait(15) == 0, "camera: \(cam.log)") }
        #expect(second.log.contains("adopted session"))
        #expect(!second.log.contains("START: session"), "no new session")
        let stopLine = try #require(second.log.split(separator: "\n").first { $0.contains("STOP: stop index") })
        let stop = try #require(Int(stopLine.split(separator: " ").last ?? ""))
        for cam in cams {
            #expect(cam.frames.last == stop - 1, "\(cam.log)")
            #expect(!cam.log.contains("busy"))
        }
        let finished = try String(contentsOf: dir.appendingPathComponent("coordinator.session"), encoding: .utf8)
        #expect(finished.contains("finished true"))
    }
}
