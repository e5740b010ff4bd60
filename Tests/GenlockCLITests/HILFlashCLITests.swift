import Foundation
import GenlockCore
import Testing

@Suite("genlock hil flash", .serialized)
struct HILFlashCLITests {
    @Test func aMissingChipExitsNonZeroNamingTheChip() throws {
        var n = 900
        while FileManager.default.fileExists(atPath: "/dev/gpiochip\(n)") { n += 1 }
        let result = try GenlockBinary.run(["hil", "flash", "--chip", "gpiochip\(n)", "--line", "17", "--start-in", "5s", "--count", "3"])
        #expect(result.status != 0)
        #expect(result.stderr == "genlock: error: no GPIO chip 'gpiochip\(n)' (/dev/gpiochip\(n) does not exist)\n")
    }

    @Test(arguments: [
        (["--line", "17", "--start-in", "5s", "--width", "0us"], "--width must be positive"),
        (["--line", "17", "--start-in", "5s", "--width", "-200us"], "--width must be positive"),
        (["--line", "17", "--start-in", "5s", "--width", "wide"], "--width"),
        (["--line", "17", "--start-in", "5s", "--period", "0s"], "--period must be positive"),
        (["--line", "17", "--start-in", "5s", "--period", "1"], "--period"),
        (["--line", "17", "--start-in", "5s", "--width", "2s", "--period", "1s"], "shorter than the period"),
        (["--line", "17", "--start-in", "5s", "--count", "0"], "--count"),
        (["--line", "-1", "--start-in", "5s"], "--line"),
        (["--line", "17"], "--start-at NS or --start-in"),
        (["--line", "17", "--start-in", "5s", "--start-at", "1"], "exclusive"),
        (["--start-in", "5s"], "--line"),
        (["--line", "17", "--start-in", "5s", "--sensor", "cam1=imx999"], "no sensor mode known for 'imx999'"),
        (["--line", "17", "--start-in", "5s", "--sensor", "imx708"], "expected CAMERA=MODEL"),
    ])
    func badArgumentsGiveOneClearLine(arguments: [String], message: String) throws {
        let result = try GenlockBinary.run(["hil", "flash"] + arguments)
        #expect(result.status != 0)
        #expect(result.stderr.split(separator: "\n").count == 1, "stderr: \(result.stderr)")
        #expect(result.stderr.contains(message), "stderr: \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func aSimulatedRunWritesOneRecordPerFlashInOrder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hil-flash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("flashes.csv").path
        // A generous tolerance: on a loaded machine a flash fires late rather than being skipped.
        let result = try GenlockBinary.run([
            "hil", "flash", "--simulated", "--line", "17", "--start-in", "200ms", "--width", "1ms", "--period", "30ms",
            "--count", "6", "--sweep-step", "2ms", "--sweep-steps", "3", "--late-tolerance", "10s", "--out", csv,
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("summary: flashes fired 6 of 6, skipped 0"), "stdout: \(result.stdout)")
        let records = try FlashLogFormat.parse(String(contentsOfFile: csv, encoding: .utf8))
        #expect(records.map(\.index) == Array(0..<6))
        let first = try #require(records.first).plannedOn
        for r in records {
            // The planned instants follow the sweep exactly; the actual ones are never early.
            #expect(r.plannedOn - first == .milliseconds(Int64(30 * r.index + 2 * (r.index % 3))))
            #expect(r.on >= r.plannedOn)
            #expect(r.off > r.on)
        }
        #expect(zip(records, records.dropFirst()).allSatisfy { $0.off < $1.on })

        // A second run with the same --out refuses, and the first run's log is kept as it was.
        let before = try String(contentsOfFile: csv, encoding: .utf8)
        let again = try GenlockBinary.run([
            "hil", "flash", "--simulated", "--line", "17", "--start-in", "200ms", "--width", "1ms", "--period", "30ms",
            "--count", "2", "--late-tolerance", "10s", "--out", csv,
        ])
        #expect(again.status != 0)
        #expect(again.stderr.contains("refusing to overwrite") || again.stderr.contains("already exists"), "stderr: \(again.stderr)")
        #expect(try String(contentsOfFile: csv, encoding: .utf8) == before)
    }

    /// `--sensor CAMERA=MODEL` writes the session's sensor table from the sensor modes.
    @Test func sensorOptionsWriteTheSensorTable() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hil-flash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let sensors = dir.appendingPathComponent("sensors.csv").path
        let result = try GenlockBinary.run([
            "hil", "flash", "--simulated", "--line", "17", "--start-in", "100ms", "--count", "1", "--late-tolerance", "10s",
            "--out", dir.appendingPathComponent("flashes.csv").path, "--sensor", "cam1=imx708", "--sensor", "cam2=IMX296",
            "--sensors-out", sensors,
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let text = try String(contentsOfFile: sensors, encoding: .utf8)
        #expect(text == "camera,shutter,line_time_ps\ncam1,rolling,\(SensorMode.imx708.timing.lineTimePs)\ncam2,global,\(SensorMode.imx296.timing.lineTimePs)\n")
    }
}
