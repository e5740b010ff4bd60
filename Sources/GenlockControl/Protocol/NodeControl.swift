import GenlockCore

/// The camera node's side of the protocol: a pure state machine that outlives connections, so a
/// node that reconnects keeps its session and is not started twice. ``NodeEndpoint`` runs it with
/// the current connection.
public struct NodeControl: Sendable {
    public enum Action: Hashable, Sendable {
        /// Send this message on the current connection.
        case send(ControlMessage)
        /// The coordinator's ACK of this connection's HELLO arrived: it holds the rig key and is
        /// fresh (the ACK is authenticated over this connection's nonce).
        case authenticated
        /// The coordinator names its ingest (START's `ingest`): before ``beginCapture(_:)``.
        case ingestNamed(HostPort)
        /// Run this plan (once per session).
        case beginCapture(StartPlan)
        /// Capture only frames before this index.
        case stopCapture(Int64)
        /// Close the connection (after sending any ERROR above).
        case close(NodeEndpoint.CloseReason)
    }

    /// The session being recorded, 0 before the first START.
    public private(set) var sessionID: UInt64 = 0
    /// The session's schedule as this node runs it (the stop index once known), reported in HELLO
    /// so a restarted coordinator can adopt the session.
    public private(set) var session: ControlMessage.Start?
    public private(set) var capturing = false
    /// The coordinator acknowledged this connection's HELLO (and so authenticated itself).
    public private(set) var helloAcknowledged = false
    /// This connection's HELLO, sent in answer to the coordinator's CHALLENGE.
    private var hello: ControlMessage.Hello?

    public init() {}

    /// A new connection is up: forget per-connection state (the session is kept). `hello` goes out
    /// once the coordinator's CHALLENGE arrives.
    public mutating func connectionOpened(hello: ControlMessage.Hello) {
        helloAcknowledged = false
        self.hello = hello
    }

    /// A message arrived from the coordinator (already authenticated and in sequence).
    public mutating func received(_ message: ControlMessage, sessionID frameSession: UInt64, sequence: UInt64) -> [Action] {
        switch message {
        case .error(let error):
            // In any state, even before the ACK (a coordinator refusing this camera says why at
            // once); never answered with an ERROR.
            return [.close(.coordinatorError(error))]
        case .challenge:
            // The connection lets CHALLENGE through only as its first frame.
            guard var hello = hello.take() else { return reject(.unexpected, "CHALLENGE after HELLO") }
            hello.session = session
            return [.send(.hello(hello))]
        case .ack(let ack) where !helloAcknowledged:
            guard ack.sequence == 1 else { return reject(.unexpected, "the first ACK names frame \(ack.sequence), not HELLO") }
            helloAcknowledged = true
            return [.authenticated]
        case .ack:
            return []
        case .heartbeat where helloAcknowledged:
            return []
        case _ where !helloAcknowledged:
            return reject(.unexpected, "\(message.name) before the ACK of HELLO")
        case .start(let start):
            if let problem = start.problem {
                return reject(.malformed, problem)
            }
            if capturing || sessionID != 0 {
                guard frameSession == sessionID else {
                    return reject(.busy, "already recording session \(hex(sessionID)); START for session \(hex(frameSession)) refused")
                }
                // The same session again (a reconnect): acknowledge, and adopt a stop index it names.
                var actions: [Action] = [.send(.ack(.init(sequence: sequence)))]
                if let stop = start.stopIndex { actions += noteStop(stop) }
                return actions
            }
            guard frameSession != 0 else { return reject(.malformed, "START for session 0") }
            sessionID = frameSession
            session = start
            session?.ingest = nil  // a HELLO's session does not carry it
            capturing = true
            return [.send(.ack(.init(sequence: sequence)))] + (start.ingest.map { [.ingestNamed($0)] } ?? []) + [.beginCapture(start.plan)]
        case .stop(let stopIndex):
            guard sessionID != 0, frameSession == sessionID else {
                return reject(.wrongSession, "STOP for session \(hex(frameSession)), but the session is \(hex(sessionID))")
            }
            return [.send(.ack(.init(sequence: sequence)))] + noteStop(stopIndex)
        case .hello, .status, .heartbeat:
            return reject(.unexpected, "a coordinator does not send \(message.name) here")
        }
    }

    /// The capture run ended.
    public mutating func captureFinished() { capturing = false }

    private mutating func noteStop(_ index: Int64) -> [Action] {
        if let known = session?.stopIndex, known <= index { return [.stopCapture(index)] }
        session?.stopIndex = index
        return [.stopCapture(index)]
    }

    private func reject(_ code: ControlError.Code, _ text: String) -> [Action] {
        let error = ControlError(code, text)
        return [.send(.error(error)), .close(.refusedMessage(error))]
    }
}

func hex(_ v: UInt64) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: max(0, 16 - s.count)) + s
}
