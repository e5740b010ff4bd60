import GenlockCore

/// The camera node's side of the protocol: a pure state machine that outlives connections, so a
/// node that reconnects keeps its session and is not started twice. ``NodeEndpoint`` runs it with
/// the current connection.
public struct NodeControl: Sendable {
    public enum Action: Hashable, Sendable {
        /// Send this message on the current connection.
        case send(ControlMessage)
        /// Authenticate the coordinator's later frames with this nonce.
        case usePeerNonce(UInt64)
        /// Run this plan (once per session).
        case beginCapture(StartPlan)
        /// Capture only frames before this index.
        case stopCapture(Int64)
        /// Close the connection (after sending any ERROR above).
        case close(NodeEndpoint.CloseReason)
    }

    /// The session being recorded, 0 before the first START.
    public private(set) var sessionID: UInt64 = 0
    public private(set) var capturing = false
    /// The coordinator acknowledged this connection's HELLO (and so authenticated itself).
    public private(set) var helloAcknowledged = false

    public init() {}

    /// A new connection is up: forget per-connection state (the session is kept).
    public mutating func connectionOpened() {
        helloAcknowledged = false
    }

    /// A message arrived from the coordinator (already authenticated and in sequence).
    public mutating func received(_ message: ControlMessage, sessionID frameSession: UInt64, sequence: UInt64) -> [Action] {
        switch message {
        case .error(let error):
            // In any state, even before the ACK (a coordinator refusing this camera says why at
            // once); never answered with an ERROR.
            return [.close(.coordinatorError(error))]
        case .ack(let ack) where !helloAcknowledged:
            helloAcknowledged = true
            return [.usePeerNonce(ack.nonce)]
        case .ack:
            return []
        case _ where !helloAcknowledged:
            return reject(.unexpected, "\(message.name) before the ACK of HELLO")
        case .start(let start):
            if capturing || sessionID != 0 {
                guard frameSession == sessionID else {
                    return reject(.busy, "already recording session \(hex(sessionID)); START for session \(hex(frameSession)) refused")
                }
                // The same session again (a reconnect): acknowledge, and adopt a stop index it names.
                var actions: [Action] = [.send(.ack(.init(sequence: sequence)))]
                if let stop = start.stopIndex { actions.append(.stopCapture(stop)) }
                return actions
            }
            sessionID = frameSession
            capturing = true
            return [.send(.ack(.init(sequence: sequence))), .beginCapture(start.plan)]
        case .stop(let stopIndex):
            guard sessionID != 0, frameSession == sessionID else {
                return reject(.wrongSession, "STOP for session \(hex(frameSession)), but the session is \(hex(sessionID))")
            }
            return [.send(.ack(.init(sequence: sequence))), .stopCapture(stopIndex)]
        case .hello, .status:
            return reject(.unexpected, "a coordinator does not send \(message.name)")
        }
    }

    /// The capture run ended.
    public mutating func captureFinished() { capturing = false }

    private func reject(_ code: ControlError.Code, _ text: String) -> [Action] {
        let error = ControlError(code, text)
        return [.send(.error(error)), .close(.refusedMessage(error))]
    }
}

func hex(_ v: UInt64) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: max(0, 16 - s.count)) + s
}
