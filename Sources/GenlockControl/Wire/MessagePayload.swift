import GenlockCore

extension ControlMessage {
    func encodedPayload() -> [UInt8] {
        var w = ByteWriter()
        switch self {
        case .hello(let h):
            w.boundedText(h.nodeName)
            w.boundedText(h.softwareVersion)
            w.u8(UInt8(min(h.capabilities.count, ControlWire.maximumCapabilities)))
            for c in h.capabilities.prefix(ControlWire.maximumCapabilities) { w.boundedText(c) }
            w.ptp(h.ptp)
            w.u64(h.nonce)
            w.bool(h.session != nil)
            if let s = h.session { w.start(s) }
        case .start(let s):
            w.start(s)
            // Optional and last, so a START without an ingest is byte for byte what it was.
            if let ingest = s.ingest {
                w.bool(true)
                w.boundedText(ingest.description)
            }
        case .stop(let index):
            w.i64(index)
        case .ack(let a):
            w.u64(a.sequence)
        case .challenge(let nonce):
            w.u64(nonce)
        case .heartbeat(let sentAtNs):
            w.i64(sentAtNs)
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
            w.bool(s.health != nil)
            if let h = s.health {
                w.optionalI64(h.framesDroppedCount)
                w.optionalI64(h.latenessP99Ns)
                w.optionalI64(h.diskFreeBytes)
            }
        case .error(let e):
            w.u16(e.code.rawValue)
            w.boundedText(e.text)
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
            let most = ControlWire.maximumCapabilities
            guard count <= most else { throw ControlError(.malformed, "HELLO has \(count) capabilities, at most \(most) allowed") }
            var caps: [String] = []
            for i in 0..<count { caps.append(try r.text("HELLO capability \(i)", maxBytes: max)) }
            let ptp = try r.ptp("HELLO")
            let nonce = try r.u64("HELLO nonce")
            guard nonce != 0 else { throw ControlError(.malformed, "HELLO nonce is 0") }
            let session = try r.bool("HELLO session presence") ? try r.start("HELLO session") : nil
            message = .hello(Hello(nodeName: name, softwareVersion: version, capabilities: caps, ptp: ptp, nonce: nonce, session: session))
        case 2:
            var start = try r.start("START")
            if !r.isAtEnd, try r.bool("START ingest presence") {
                let text = try r.text("START ingest", maxBytes: max)
                guard let address = HostPort(parsing: text) else { throw ControlError(.malformed, "START ingest '\(text)' is not HOST:PORT") }
                start.ingest = address
            }
            message = .start(start)
        case 3:
            let index = try r.i64("STOP stop index")
            guard index >= 0 else { throw ControlError(.malformed, "STOP stop index \(index) is negative") }
            message = .stop(stopIndex: index)
        case 4:
            message = .ack(Ack(sequence: try r.u64("ACK sequence")))
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
            var health: HealthReport?
            if !r.isAtEnd, try r.bool("STATUS health presence") {
                health = HealthReport(
                    framesDroppedCount: try r.optionalI64("STATUS frames dropped"), latenessP99Ns: try r.optionalI64("STATUS lateness p99"),
                    diskFreeBytes: try r.optionalI64("STATUS disk free"))
            }
            message = .status(Status(
                ptp: ptp, framesCaptured: captured, framesSkipped: skipped, lastIndex: last, finished: finished, phaseLock: phaseLock,
                lateness: lateness, preflight: preflight, health: health))
        case 6:
            let raw = try r.u16("ERROR code")
            guard let code = ControlError.Code(rawValue: raw) else { throw ControlError(.malformed, "ERROR code \(raw) is unknown") }
            message = .error(ControlError(code, try r.text("ERROR text", maxBytes: max)))
        case 7:
            let nonce = try r.u64("CHALLENGE nonce")
            guard nonce != 0 else { throw ControlError(.malformed, "CHALLENGE nonce is 0") }
            message = .challenge(nonce: nonce)
        case 8:
            message = .heartbeat(sentAtNs: try r.i64("HEARTBEAT sent at"))
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
        case .challenge: "CHALLENGE"
        case .heartbeat: "HEARTBEAT"
        }
    }
}

extension ByteWriter {
    mutating func ptp(_ p: PTPReport) {
        bool(p.locked)
        optionalI64(p.offsetNs)
        boundedText(p.portState)
    }

    mutating func start(_ s: ControlMessage.Start) {
        i64(s.t0Ns)
        i64(s.rate.numerator)
        i64(s.rate.denominator)
        i64(s.firstIndex)
        optionalI64(s.stopIndex)
    }

    /// Text cut to ``ControlWire/maximumText`` bytes on a character boundary, so the peer's bound
    /// always accepts it.
    mutating func boundedText(_ s: String) {
        var cut = Substring(s)
        while cut.utf8.count > ControlWire.maximumText { cut.removeLast() }
        text(String(cut))
    }
}

extension ByteReader {
    mutating func ptp(_ message: String) throws(ControlError) -> PTPReport {
        PTPReport(
            locked: try bool("\(message) PTP locked"), offsetNs: try optionalI64("\(message) PTP offset"),
            portState: try text("\(message) PTP state", maxBytes: ControlWire.maximumText))
    }

    /// A schedule (START's payload, and the session a HELLO reports), each field checked.
    mutating func start(_ message: String) throws(ControlError) -> ControlMessage.Start {
        let t0 = try i64("\(message) t0")
        let num = try i64("\(message) rate numerator")
        let den = try i64("\(message) rate denominator")
        let rate: FrameRate
        do { rate = try FrameRate(numerator: num, denominator: den) } catch {
            throw ControlError(.malformed, "\(message) rate: \(error)")
        }
        let first = try i64("\(message) first index")
        guard first >= 0 else { throw ControlError(.malformed, "\(message) first index \(first) is negative") }
        let stop = try optionalI64("\(message) stop index")
        if let stop, stop < first { throw ControlError(.malformed, "\(message) stop index \(stop) is before first index \(first)") }
        return ControlMessage.Start(t0Ns: t0, rate: rate, firstIndex: first, stopIndex: stop)
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
