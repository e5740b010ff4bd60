import Foundation
import Testing

/// A two-camera rig on loopback for the CLI tests that run real processes: a scratch folder with
/// a fresh rig key, a random coordinator port (the next one for an ingest), rig files that share
/// the rig's common lines, and recording `genlock camera --synthetic` nodes. The folder is
/// removed by ``remove()``.
struct LoopbackRig {
    typealias Child = CoordinatorProcessTests.Child

    let dir: URL
    let port = Int.random(in: 20_000...40_000)
    var ingestPort: Int { port + 1 }
    var keyPath: String { path("rig.key") }
    let cameras = ["cam1", "cam2"]

    /// A fresh folder (named with `tag`) holding a new rig key.
    init(_ tag: String) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-\(tag)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let keygen = try GenlockBinary.run(["keygen", "--out", dir.appendingPathComponent("rig.key").path])
        try #require(keygen.status == 0, "keygen: \(keygen.stderr)")
    }

    func remove() { try? FileManager.default.removeItem(at: dir) }

    /// A file in the rig's folder.
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// Writes rig file `name`: the rig's cameras at 30 fps, 1 s lead, 300 ms stop margin, the key
    /// and the coordinator's address, then `extra` lines. Returns its path.
    @discardableResult
    func rigFile(_ name: String = "rig.yaml", extra: [String] = []) throws -> String {
        let lines = ["cameras: [\(cameras.joined(separator: ", "))]", "fps: 30", "lead: 1s", "stopMargin: 300ms", "key: rig.key",
                     "listen: 127.0.0.1:\(port)"] + extra
        try (lines.joined(separator: "\n") + "\n").write(toFile: path(name), atomically: true, encoding: .utf8)
        return path(name)
    }

    /// A recording synthetic node joining the coordinator (160x120 frames, no PTP daemon), with
    /// `extra` arguments; its log is `<name><logSuffix>.log`.
    func camera(_ name: String, _ extra: [String], logSuffix: String = "") throws -> Child {
        try Child(["camera", "--synthetic", "--name", name, "--coordinator", "127.0.0.1:\(port)", "--key", keyPath,
                   "--ptp-uds", path("no-ptp4l"), "--size", "160x120"] + extra,
                  log: dir.appendingPathComponent("\(name)\(logSuffix).log"))
    }

    /// The ingest's session folder `server` holds every camera's sidecar exactly as the node
    /// recorded it in `local`, a video with a frame per recorded row, and verifies.
    func expectIngestEqualsNodes(server: String, local: String) throws {
        for name in cameras {
            let nodeRows = try FFprobe.sidecarRows(local + "/\(name).frames.csv")
            let serverRows = try FFprobe.sidecarRows(server + "/\(name).frames.csv")
            #expect(!nodeRows.isEmpty)
            #expect(serverRows == nodeRows, "\(name): the ingest's sidecar differs from the node's")
            #expect(try FFprobe.frameCount(server + "/\(name).mkv") == serverRows.count(where: FFprobe.isRecordedRow))
        }
        for file in ["framesets.csv", "summary.csv", "timestamps.csv"] {
            #expect(FileManager.default.fileExists(atPath: server + "/" + file), "\(file) missing")
        }
        let verify = try GenlockBinary.run(["session", "verify", server])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }
}
