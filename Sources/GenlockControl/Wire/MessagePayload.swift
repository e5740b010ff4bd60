import GenlockCore

extension ControlMessage {
    func encodedPayload() -> [UInt8] {
        var w = ByteWriter()
        switch self {
        case .hello(let h):
            w.text(h.nodeName)
            w.text(h.softwareVersion)
            w.u8(UInt8(min(h.capabilities.count, 32)))
            for c in h.capabilities.prefix(32) { w.text(c) }
            w.ptp(h.ptp)
            w.u64(h.nonce)
        case .start(let s):
            w.i64(s.t0Ns)
            w.i64(s.rate.numerator)
            w.i64(s.rate.denominator)
            w.i64(s.firstIndex)
            w.optionalI64(s.stopIndex)
        case .stop(let index):
            w.i64(index)
        case .ack(let a):
            w.u64(a.sequence)
            w.u64(a.nonce)
        case .status(let s):
            w.ptp(s.ptp)
            w.i64(s.framesCaptured)
            w.i64(s.framesSkipped)
            w.optionalI64(s.lastIndex)
            w.bool(s.finished)
            w.bool(s.phaseLock != nil)
            if let p = s.phaseLock {
                w.u8(p.state.wireCode)
                w.i64(p.phaseErrorNs)
            }
            // Appended after the fields older nodes send; a STATUS ending before them has neither.
            w.bool(s.lateness != nil)
            if let l = s.lateness {
                w.i64(l.lastNs)
                w.i64(l.maxNs)
            }
            w.bool(s.preflight != nil)
            if let p = s.preflight { w.text(String(p.utf8.prefix(ControlWire.maximumText)) ?? "") }
        case .error(let e):
            w.u16(e.code.rawValue)
            w.text(String(e.text.utf8.prefix(ControlWire.maximumText)) ?? "")
        }
        return w.bytes
    }

    /// Decodes a payload of wire type `type`; every field is validated and named on failure.
    public static func decode(type: UInt8, payload: ArraySlice<UInt8>) throws(ControlError) -> ControlMessage {
        var r = ByteReader(payload)
        let max = ControlWire.maximumText
        let message: ControlMessage
        switch type {
        case 1:
            let name = try r.text("HELLO node name", maxBytes: max)
            guard !name.isEmpty else { throw ControlError(.malformed, "HELLO node name is empty") }
            let version = try r.text("HELLO software version", maxBytes: max)
            let count = Int(try r.u8("HELLO capability count"))
            guard count <= 32 else { throw ControlError(.malformed, "HELLO has \(count) capabilities, at most 32 allowed") }
            var caps: [String] = []
            for i in 0..<count { caps.append(try r.text("HELLO capability \(i)", maxBytes: max)) }
            let ptp = try r.ptp("HELLO")
            let nonce = try r.u64("HELLO nonce")
            message = .hello(Hello(nodeName: name, softwareVersion: version, capabilities: caps, ptp: ptp, nonce: nonce))
        case 2:
            let t0 = try r.i64("START t0")
            let num = try r.i64("START rate numerator")
            let den = try r.i64("START rate denominator")
            let rate: FrameRate
            do { rate = try FrameRate(numerator: num, denominator: den) } catch {
                throw ControlError(.malformed, "START rate: \(error)")
            }
            let first = try r.i64("START first index")
            guard first >= 0 else { throw ControlError(.malformed, "START first index \(first) is negative") }
            let stop = try r.optionalI64("START stop index")
            if let stop, stop < first { throw ControlError(.malformed, "START stop index \(stop) is before first index \(first)") }
            message = .start(Start(t0Ns: t0, rate: rate, firstIndex: first, stopIndex: stop))
        case 3:
            let index = try r.i64("STOP stop index")
            guard index >= 0 else { throw ControlError(.malformed, "STOP stop index \(index) is negative") }
            message = .stop(stopIndex: index)
        case 4:
            message = .ack(Ack(sequence: try r.u64("ACK sequence"), nonce: try r.u64("ACK nonce")))
        case 5:
            let ptp = try r.ptp("STATUS")
            let captured = try r.i64("STATUS frames captured")
            let skipped = try r.i64("STATUS frames skipped")
            let last = try r.optionalI64("STATUS last index")
            let finished = try r.bool("STATUS finished")
            var phaseLock: PhaseLockReport?
            if try r.bool("STATUS phase lock presence") {
                let code = try r.u8("STATUS phase lock state")
                guard let state = PhaseLock.State(wireCode: code) else { throw ControlError(.malformed, "STATUS phase lock state \(code) is unknown") }
                phaseLock = PhaseLockReport(state: state, phaseErrorNs: try r.i64("STATUS phase error"))
            }
            var lateness: LatenessReport?
            if !r.isAtEnd, try r.bool("STATUS lateness presence") {
                lateness = LatenessReport(lastNs: try r.i64("STATUS last lateness"), maxNs: try r.i64("STATUS max lateness"))
            }
            var preflight: String?
            if !r.isAtEnd, try r.bool("STATUS preflight presence") { preflight = try r.text("STATUS preflight", maxBytes: max) }
            message = .status(Status(
                ptp: ptp, framesCaptured: captured, framesSkipped: skipped, lastIndex: last, finished: finished, phaseLock: phaseLock,
                lateness: lateness, preflight: preflight))
        case 6:
            let raw = try r.u16("ERROR code")
            guard let code = ControlError.Code(rawValue: raw) else { throw ControlError(.malformed, "ERROR code \(raw) is unknown") }
            message = .error(ControlError(code, try r.text("ERROR text", maxBytes: max)))
        default:
            throw ControlError(.malformed, "message type \(type) is unknown")
        }
        guard r.isAtEnd else { throw ControlError(.malformed, "\(message.name) payload has trailing bytes") }
        return message
    }

    /// The message's name as the protocol documents it.
    public var name: String {
        switch self {
        case .hello: "HELLO"
        case .start: "START"
        case .stop: "STOP"
        case .ack: "ACK"
        case .status: "STATUS"
        case .error: "ERROR"
        }
    }
}

extension ByteWriter {
    mutating func ptp(_ p: PTPReport) {
        bool(p.locked)
        optionalI64(p.offsetNs)
        text(p.portState)
    }
}

extension ByteReader {
    mutating func ptp(_ message: String) throws(ControlError) -> PTPReport {
        PTPReport(
            locked: try bool("\(message) PTP locked"), offsetNs: try optionalI64("\(message) PTP offset"),
            portState: try text("\(message) PTP port state", maxBytes: 32))
    }
}

extension PhaseLock.State {
    /// The state's code on the wire (fixed: never renumber).
    var wireCode: UInt8 {
        switch self {
        case .acquiring: 0
        case .locked: 1
        case .lost: 2
        case .unpaced: 3
        }
    }

    init?(wireCode: UInt8) {
        switch wireCode {
        case 0: self = .acquiring
        case 1: self = .locked
        case 2: self = .lost
        case 3: self = .unpaced
        default: return nil
        }
    }
}
