import Foundation
import GenlockPTP
import Testing

@testable import genlock

/// Every command line the generated systemd units run goes through the real argument parser
/// (`Genlock.parseAsRoot`, with each command's validation): a unit that names a command or an
/// option `genlock` does not have fails here, not on a Pi at boot.
@Suite struct ServiceUnitTests {
    @Test(arguments: [PTPConfigRequest.Role.node, .grandmaster])
    func everyGenlockCommandLineInTheGeneratedUnitsParses(role: PTPConfigRequest.Role) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-units-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // The node file the unit's default command line reads, at a path this test owns.
        let nodeFile = dir.appendingPathComponent("node.yaml").path
        try """
            name: cam2
            coordinator: 10.0.0.1:7400
            key: rig.key
            out: /srv/recordings
            """.write(toFile: nodeFile, atomically: true, encoding: .utf8)
        let command = PTPConfigRequest.defaultNodeCommand.replacingOccurrences(of: "/etc/genlock/node.yaml", with: nodeFile)
        #expect(command != PTPConfigRequest.defaultNodeCommand)
        let request = PTPConfigRequest(role: role, interface: "eth0", transport: .udpv4, domain: 0, managementSocket: "/var/run/ptp4l", nodeCommand: command)
        let units = try PTPConfigGenerator.files(for: request).filter { $0.name.hasSuffix(".service") }
        try #require(!units.isEmpty)
        var parsed = 0
        for unit in units {
            for line in unit.contents.split(separator: "\n") where line.hasPrefix("ExecStart") {
                let words = line.split(separator: "=", maxSplits: 1)[1].split(separator: " ").map(String.init)
                guard words.first?.hasSuffix("/genlock") == true else { continue }
                #expect(throws: Never.self, "\(unit.name): \(line)") { _ = try Genlock.parseAsRoot(Array(words.dropFirst())) }
                parsed += 1
            }
        }
        // genlock-node.service runs two: the PTP gate and the node.
        #expect(parsed == 2)
    }
}
