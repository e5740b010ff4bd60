import GenlockControl
import GenlockCore
import Testing

/// The coordinator shows each node's preflight (its doctor verdict at launch) once, as it arrives.
@Suite("Coordinator: node preflight")
struct PreflightLogTests {
    @Test("one log line per node when its preflight arrives or changes, none for repeats or its absence")
    func preflightLoggedOnce() {
        let configuration = CoordinatorCore.Configuration(
            cameras: ["a", "b"], rate: try! FrameRate(parsing: "30"), lead: .seconds(2), stopMargin: .milliseconds(500),
            ptpGate: true, maximumPTPOffset: .microseconds(1))
        var core = CoordinatorCore(configuration: configuration, sessionID: 1)
        for (id, name) in [(1, "a"), (2, "b")] {
            _ = core.handle(.hello(id, .init(nodeName: name, softwareVersion: "t", capabilities: [], ptp: .unknown, nonce: 1), sessionID: 1))
        }
        func status(_ preflight: String?) -> ControlMessage.Status {
            .init(ptp: .unknown, framesCaptured: 0, framesSkipped: 0, lastIndex: nil, finished: false, preflight: preflight)
        }
        func logs(_ actions: [CoordinatorCore.Action]) -> [String] {
            actions.compactMap { if case .log(let text) = $0 { text } else { nil } }
        }
        #expect(logs(core.handle(.status(1, status(nil)))).isEmpty)
        let failing = "6 checks: 5 pass, 0 warn, 1 fail (fail: phc2sys)"
        #expect(logs(core.handle(.status(1, status(failing)))) == ["a preflight: \(failing)"])
        #expect(logs(core.handle(.status(1, status(failing)))).isEmpty)
        #expect(logs(core.handle(.status(2, status("6 checks: 6 pass, 0 warn, 0 fail")))) == ["b preflight: 6 checks: 6 pass, 0 warn, 0 fail"])
    }
}
