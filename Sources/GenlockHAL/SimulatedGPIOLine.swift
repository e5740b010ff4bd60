import GenlockCore
import Synchronization

/// A GPIO line with no hardware behind it: it records every level change with the realtime
/// instant its clock reads at that moment (virtual time in the simulator, the clock pair on a
/// machine without a chip), so tests and `genlock hil flash --simulated` can check the edges.
public final class SimulatedGPIOLine: GPIOLine {
    /// One level change.
    public struct Edge: Hashable, Sendable {
        public var high: Bool
        public var at: RealtimeInstant
        public init(high: Bool, at: RealtimeInstant) {
            self.high = high
            self.at = at
        }
    }

    public let name: String
    private let now: @Sendable () -> RealtimeInstant
    private let state = Mutex<(edges: [Edge], high: Bool, released: Bool, failure: GPIOError?)>(([], false, false, nil))

    /// A simulated line called `name` whose edges are stamped with `now()`.
    public init(name: String = "simulated", now: @escaping @Sendable () -> RealtimeInstant) {
        self.name = name
        self.now = now
    }

    public func set(_ high: Bool) throws(GPIOError) {
        let at = now()
        let result: Result<Void, GPIOError> = state.withLock { s in
            if let failure = s.failure { return .failure(failure) }
            if s.released { return .failure(.released(chip: name, line: 0)) }
            // Only changes are edges, as on a real line an unchanged level is invisible.
            if s.high != high { s.edges.append(Edge(high: high, at: at)) }
            s.high = high
            return .success(())
        }
        try result.get()
    }

    public func release() { state.withLock { $0.released = true } }

    /// Makes every later ``set(_:)`` fail with `error` (a line lost mid-run).
    public func failFromNowOn(with error: GPIOError) { state.withLock { $0.failure = error } }

    /// The level changes so far, in order.
    public var edges: [Edge] { state.withLock { $0.edges } }
    /// The level now.
    public var isHigh: Bool { state.withLock { $0.high } }
}
