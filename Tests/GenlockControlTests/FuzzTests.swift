import GenlockControl
import GenlockCore
import GenlockTesting
import Testing

@Suite("Control decoder fuzzing")
struct FuzzTests {
    /// 100,000 random and mutated frames (seed 0x6E6C): the decoder never traps, never accepts a frame
    /// that fails authentication, and never buffers more than one maximal frame.
    @Test func randomAndMutatedFrames() {
        var rng = SplitMix(state: 0x6E6C)
        let valid = sampleMessages.map { m -> [UInt8] in
            var (_, coord) = handshaken()
            return coord.encode(m, sessionID: 77).bytes
        }
        let maxFrame = ControlWire.headerSize + ControlWire.maximumPayload + ControlWire.macSize
        var accepted = 0
        var violations = 0
        for i in 0..<100_000 {
            var (node, _) = handshaken()
            var bytes: [UInt8]
            switch i % 4 {
            case 0:  // pure noise
                bytes = (0..<Int.random(in: 0...96, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            case 1:  // noise behind a valid magic and version, to reach the length and MAC checks
                bytes = ControlWire.magic + [ControlWire.version] + (0..<Int.random(in: 0...80, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            default:  // a valid frame with a few bytes flipped, truncated or extended
                bytes = valid[Int.random(in: 0..<valid.count, using: &rng)]
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    let at = Int.random(in: 0..<bytes.count, using: &rng)
                    bytes[at] ^= UInt8.random(in: 1...255, using: &rng)
                }
                if Bool.random(using: &rng) { bytes.removeLast(Int.random(in: 0..<bytes.count, using: &rng)) }
            }
            for item in node.receive(bytes) {
                switch item {
                case .message: accepted += 1
                case .violation: violations += 1
                }
            }
            // Bounded memory: what is buffered never exceeds one maximal frame.
            #expect(node.bufferedBytes <= maxFrame)
        }
        // A flipped byte anywhere in a signed frame must fail authentication (or framing): with
        // HMAC-SHA256, no mutated frame is accepted.
        #expect(accepted == 0)
        #expect(violations > 50_000)
    }

    /// The payload decoders behind the MAC, fed random payloads for every type: errors, never traps.
    @Test func randomPayloadsForEveryType() {
        var rng = SplitMix(state: 0xC0FFEE)
        var errors = 0
        for i in 0..<20_000 {
            let type = UInt8(i % 8)
            let payload = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            do {
                _ = try ControlMessage.decode(type: type, payload: payload[...])
            } catch {
                errors += 1
                #expect(!error.text.isEmpty)
            }
        }
        #expect(errors > 0)
    }
}
