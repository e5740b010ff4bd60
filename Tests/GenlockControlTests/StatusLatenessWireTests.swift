@testable import GenlockControl
import GenlockCore
import Testing

/// The STATUS lateness block is appended after every field older nodes send, so their STATUS
/// (which ends before it) still decodes, with no lateness.
@Suite("STATUS lateness on the wire")
struct StatusLatenessWireTests {
    let withLateness = ControlMessage.status(.init(
        ptp: .unknown, framesCaptured: 4, framesSkipped: 0, lastIndex: 3, finished: false, lateness: .init(lastNs: -2, maxNs: 50_000_000)))

    @Test("a STATUS without the lateness block (an older node's) decodes with lateness nil")
    func olderStatusDecodes() throws {
        let message = ControlMessage.status(.init(ptp: .unknown, framesCaptured: 4, framesSkipped: 0, lastIndex: 3, finished: false))
        let payload = message.encodedPayload()
        #expect(Array(payload.suffix(2)) == [0, 0])  // the absent blocks' presence flags
        #expect(try ControlMessage.decode(type: 5, payload: payload.dropLast(2)) == message)
        #expect(try ControlMessage.decode(type: 5, payload: payload.dropLast(1)) == message)
        #expect(try ControlMessage.decode(type: 5, payload: payload[...]) == message)
    }

    @Test("the lateness and the preflight round-trip, and a truncated block is malformed, named")
    func latenessRoundTripsAndTruncationIsNamed() throws {
        let payload = withLateness.encodedPayload()
        #expect(try ControlMessage.decode(type: 5, payload: payload[...]) == withLateness)
        let preflight = ControlMessage.status(.init(
            ptp: .unknown, framesCaptured: 0, framesSkipped: 0, lastIndex: nil, finished: false,
            preflight: "6 checks: 5 pass, 0 warn, 1 fail (fail: phc2sys)"))
        #expect(try ControlMessage.decode(type: 5, payload: preflight.encodedPayload()[...]) == preflight)
        do {
            // Drop the preflight flag and the last bytes of the max lateness.
            _ = try ControlMessage.decode(type: 5, payload: payload.dropLast(4))
            Issue.record("a truncated lateness block was accepted")
        } catch {
            #expect(error.description.contains("STATUS max lateness"))
        }
    }
}
