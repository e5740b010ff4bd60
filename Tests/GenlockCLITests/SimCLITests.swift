import Foundation
import Testing

@Suite("genlock sim", .serialized)
struct SimCLITests {
    static let scenarios = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Simulator/Scenarios")

    static func path(_ name: String) -> String { scenarios.appendingPathComponent("\(name).yaml").path }

    static func traceHash(_ stdout: String) -> Substring? {
        stdout.split(separator: "\n").first { $0.hasPrefix("trace hash ") }?.dropFirst("trace hash ".count)
    }

    @Test("exit 0 when the invariants hold: the seed first, the hash last, and the same in the JSON")
    func passes() throws {
        let json = FileManager.default.temporaryDirectory.appendingPathComponent("sim-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: json) }
        let r = try GenlockBinary.run(["sim", Self.path("ideal"), "--seed", "9", "--json", json.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("seed 9\n"))
        #expect(r.stdout.contains("invariants: all held"))
        #expect(r.stdout.contains("simulated camera-frames per wall second:"))
        let hash = try #require(Self.traceHash(r.stdout))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        for key in ["seed", "strategy", "traceHash", "frames", "skippedFrames", "deadlocks", "invariantViolations", "requestSkewNs", "exposureSkewNs"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect(object["traceHash"] as? String == String(hash))
        #expect(object["seed"] as? Int == 9)
        let skew = try #require(object["requestSkewNs"] as? [String: Any])
        #expect(Set(skew.keys).isSuperset(of: ["p50", "p99", "p999", "max"]))
    }

    @Test("exit 1 on a deadlock, printing the seed and a replay command that reproduces the run")
    func deadlockReplays() throws {
        let r = try GenlockBinary.run(["sim", Self.path("step-storm"), "--strategy", "naive"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("DEADLOCK: node"))
        let line = try #require(r.stderr.split(separator: "\n").first { $0.contains("replay with: ") })
        #expect(line.contains("seed 1"))
        let command = String(line.split(separator: "replay with: ", maxSplits: 1)[1])
        let words = command.split(separator: " ").map(String.init)
        #expect(words.first == "genlock")
        let again = try GenlockBinary.run(Array(words.dropFirst()))
        #expect(again.status == 1)
        #expect(Self.traceHash(again.stdout) == Self.traceHash(r.stdout))
    }

    @Test("exit 2 on bad input, with one line saying what and where", arguments: [
        (["sim"], "scenario file"),
        (["sim", "/nonexistent/scenario.yaml"], "cannot read"),
        (["sim", SimCLITests.path("ideal"), "--seed", "-1"], "--seed"),
        (["sim", SimCLITests.path("ideal"), "--strategy", "sundial"], "--strategy"),
        (["sim", SimCLITests.path("ideal"), "--duration", "soon"], "--duration"),
        (["sim", SimCLITests.path("ideal"), "--json", "/nonexistent/dir/out.json"], "--json"),
        (["sim", SimCLITests.path("ideal"), "--capture", "sometimes"], "--capture"),
        (["sim", SimCLITests.path("ideal"), "--capture", "phase-locked", "--strategy", "naive"], "--capture"),
    ])
    func badInput(arguments: [String], mention: String) throws {
        let r = try GenlockBinary.run(arguments)
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("genlock: error: "))
        #expect(r.stderr.contains(mention), "\(r.stderr)")
    }

    @Test("a malformed scenario exits 2 naming the field and line")
    func malformedScenario() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        try "nodes: 2\nservo:\n  nosie: 3us\n".write(to: file, atomically: true, encoding: .utf8)
        let r = try GenlockBinary.run(["sim", file.path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("'servo.nosie' (line 3): unknown field"))
        #expect(r.stdout.isEmpty)
    }

    @Test("--capture chooses genlock's capture mode; phase-locked reports the lock beside the exposure skew")
    func captureModes() throws {
        let locked = try GenlockBinary.run(["sim", Self.path("pi5-phase-lock"), "--duration", "2s"])
        #expect(locked.status == 0, "\(locked.stderr)")
        #expect(locked.stdout.contains("capture phase-locked"))
        #expect(locked.stdout.contains("request skew   n/a"))
        #expect(locked.stdout.contains("|err| p99"))
        let requested = try GenlockBinary.run(["sim", Self.path("pi5-phase-lock"), "--duration", "2s", "--capture", "request-timed"])
        #expect(requested.status == 0, "\(requested.stderr)")
        #expect(requested.stdout.contains("capture request-timed"))
        #expect(!requested.stdout.contains("|err| p99"))
        #expect(Self.traceHash(locked.stdout) != Self.traceHash(requested.stdout))
    }

    @Test("--pairs adds the split per pair of cameras to the table and the JSON, and changes nothing else")
    func pairs() throws {
        let json = FileManager.default.temporaryDirectory.appendingPathComponent("sim-\(UUID().uuidString).json")
        let plain = FileManager.default.temporaryDirectory.appendingPathComponent("sim-\(UUID().uuidString).json")
        defer {
            try? FileManager.default.removeItem(at: json)
            try? FileManager.default.removeItem(at: plain)
        }
        let with = try GenlockBinary.run(["sim", Self.path("pi5-phase-lock"), "--duration", "2s", "--pairs", "--json", json.path])
        #expect(with.status == 0, "\(with.stderr)")
        #expect(with.stdout.contains("per pair of cameras"))
        #expect(with.stdout.contains("\n0-1    locked"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        let pairs = try #require(object["pairSkews"] as? [[String: Any]])
        #expect(Set(pairs.compactMap { $0["cameras"] as? [Int] }).count == 8 * 7 / 2)
        let without = try GenlockBinary.run(["sim", Self.path("pi5-phase-lock"), "--duration", "2s", "--json", plain.path])
        #expect(without.status == 0, "\(without.stderr)")
        #expect(!without.stdout.contains("per pair of cameras"))
        #expect(Self.traceHash(with.stdout) == Self.traceHash(without.stdout))
        // The rest of the report is the same, figure for figure.
        var rest = object
        rest["pairSkews"] = nil
        let other = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: plain)) as? [String: Any])
        #expect(other["pairSkews"] == nil)
        let canonical = { (o: [String: Any]) in try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]) }
        #expect(try canonical(rest) == canonical(other))
    }
}
