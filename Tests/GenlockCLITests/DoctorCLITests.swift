import Foundation
import Testing

/// `genlock doctor` on this machine: no ptp4l, no camera, no GPIO chip, a writable temp folder.
@Suite("genlock doctor")
struct DoctorCLITests {
    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("genlock-doctor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func jsonOnAMachineWithoutPTPOrCameraExitsOneWithEveryCheckAndAMeasuredDisk() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A small plan, so the disk check judges this machine's folder rather than its size.
        let result = try GenlockBinary.run(
            ["doctor", "--json", "--out", dir.path, "--uds", dir.path + "/ptp4l", "--bitrate", "1Mbps", "--duration", "1m",
             "--gpio", dir.path + "/gpiochip9:3"],
            timeoutSeconds: 60)
        #expect(result.status == 1, "stderr: \(result.stderr)")
        let parsed = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        let array = try #require(parsed as? [[String: String]], "stdout: \(result.stdout)")
        var byCheck: [String: [String: String]] = [:]
        for entry in array {
            #expect(Set(entry.keys) == ["check", "status", "detail"])
            #expect(["PASS", "WARN", "FAIL"].contains(entry["status"] ?? ""))
            byCheck[entry["check"] ?? ""] = entry
        }
        #expect(Set(byCheck.keys) == ["ptp4l", "phc2sys", "time-services", "nic-timestamping", "camera", "cpu-governor", "realtime-limits", "disk", "gpio"])

        let ptp4l = try #require(byCheck["ptp4l"])
        #expect(ptp4l["status"] == "FAIL")
        #expect(ptp4l["detail"]?.hasPrefix("ptp4l not running at \(dir.path)/ptp4l (no socket there); fix: ") == true, "\(ptp4l)")
        #expect(byCheck["phc2sys"]?["status"] == "FAIL")
        let gpio = try #require(byCheck["gpio"])
        #expect(gpio["status"] == "FAIL")
        #expect(gpio["detail"]?.contains("cannot request \(dir.path)/gpiochip9:3") == true, "\(gpio)")

        let disk = try #require(byCheck["disk"])
        #expect(disk["status"] == "PASS", "\(disk)")
        #expect(disk["detail"]?.contains("wrote 64 MiB with fsync at ") == true)
        print("doctor disk check here: \(disk["detail"] ?? "")")
        // The timed write cleans up after itself.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test(.enabled(if: CamerasCLITests.noCameraDevices, "this machine has media devices"))
    func withoutACameraTheCameraCheckFailsNamingLibcamera() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try GenlockBinary.run(["doctor", "--json", "--out", dir.path, "--bitrate", "1Mbps", "--duration", "1m"], timeoutSeconds: 60)
        #expect(result.status == 1)
        let array = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: String]])
        let camera = try #require(array.first { $0["check"] == "camera" })
        #expect(camera["status"] == "FAIL")
        #expect(camera["detail"]?.hasPrefix("libcamera v") == true, "\(camera)")
        #expect(camera["detail"]?.contains("no cameras found") == true, "\(camera)")
        #expect(!array.contains { $0["check"] == "gpio" }, "the GPIO line is checked only when asked")
        #expect(!array.contains { $0["check"] == "frame-rate" }, "the rate is checked only when given")
    }

    /// With `--fps` the rate is checked against the camera's mode, right after the camera's line;
    /// without a camera there is no mode to judge it by, and the line says so.
    @Test(.enabled(if: CamerasCLITests.noCameraDevices, "this machine has media devices"))
    func theRateIsCheckedAfterTheCameraAndNotJudgedWithoutOne() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try GenlockBinary.run(
            ["doctor", "--json", "--out", dir.path, "--bitrate", "1Mbps", "--duration", "1m", "--fps", "120"], timeoutSeconds: 60)
        #expect(result.status == 1)
        let array = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: String]])
        let checks = array.compactMap { $0["check"] }
        let camera = try #require(checks.firstIndex(of: "camera"))
        #expect(checks.firstIndex(of: "frame-rate") == camera + 1, "\(checks)")
        let rate = try #require(array.first { $0["check"] == "frame-rate" })
        #expect(rate["status"] == "WARN")
        #expect(rate["detail"]?.hasPrefix("120 fps not judged: no cameras found") == true, "\(rate)")
    }

    @Test func textIsOneLinePerCheckStartingWithItsVerdict() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try GenlockBinary.run(
            ["doctor", "--out", dir.path, "--uds", dir.path + "/ptp4l", "--bitrate", "1Mbps", "--duration", "1m"], timeoutSeconds: 60)
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 8, "stdout: \(result.stdout)")
        for line in lines {
            #expect(line.hasPrefix("PASS  ") || line.hasPrefix("WARN  ") || line.hasPrefix("FAIL  "), "\(line)")
        }
        let expected = "FAIL  ptp4l: ptp4l not running at \(dir.path)/ptp4l (no socket there); fix: "
            + "start ptp4l with hardware time stamping (genlock ptp config writes the unit) and give its socket with --uds"
        #expect(lines.first.map(String.init) == expected)
    }

    @Test func badOptionsAreOneLineNamingThem() throws {
        let bitrate = try GenlockBinary.run(["doctor", "--bitrate", "fast"])
        #expect(bitrate.status == 64)
        #expect(bitrate.stderr.contains("'fast' is not a bitrate"), "\(bitrate.stderr)")
        let gpio = try GenlockBinary.run(["doctor", "--gpio", "gpiochip0"])
        #expect(gpio.status == 64)
        #expect(gpio.stderr.contains("expected CHIP:LINE"), "\(gpio.stderr)")
        let fps = try GenlockBinary.run(["doctor", "--fps", "fast"])
        #expect(fps.status == 64)
        #expect(fps.stderr.contains("'fast' is not a valid frame rate"), "\(fps.stderr)")
    }
}
