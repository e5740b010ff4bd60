import Foundation
import Testing

@Suite("genlock cameras")
struct CamerasCLITests {
    static let noCameraDevices = !((try? FileManager.default.contentsOfDirectory(atPath: "/dev")) ?? [])
        .contains { $0.hasPrefix("media") }

    @Test(.enabled(if: noCameraDevices, "this machine has media devices"))
    func withoutCamerasItSaysSoNamingLibcamerasVersionAndExitsOne() throws {
        let result = try GenlockBinary.run(["cameras"])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        // One line: libcamera's own INFO/WARN logging is kept off stderr.
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(result.stderr)")
        let line = String(lines.first ?? "")
        #expect(line.hasPrefix("genlock: error: no cameras found (libcamera v"), "stderr: \(result.stderr)")
        #expect(line.hasSuffix(")"))
    }

    @Test func anUnexpectedArgumentIsOneLineNamingIt() throws {
        let result = try GenlockBinary.run(["cameras", "--model", "imx708"])
        #expect(result.status != 0)
        #expect(result.stderr.split(separator: "\n").count == 1, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("--model"))
    }
}
