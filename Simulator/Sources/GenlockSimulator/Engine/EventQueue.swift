/// What an event in the queue does. Payloads are small integers (node numbers, generations,
/// table indices) so the queue stays compact; the engine looks the rest up.
public enum SimEventKind: Hashable, Sendable {
    /// A node's deadline timer (monotonic or realtime) fires; stale if `generation` moved on.
    case timer(node: Int32, generation: UInt32)
    /// A node's PTP servo takes an offset sample.
    case servoSample(node: Int32)
    /// A network message arrives (index into the network's in-flight table).
    case delivery(message: Int32)
    /// The coordinator ticks (0) or is told to stop (1).
    case coordinator(step: Int32)
    /// A node's process tries to connect to the coordinator.
    case connect(node: Int32)
    /// The coordinator accepts a connection.
    case accept(connection: Int32)
    /// A connection's segment could not get through in time: both ends drop it.
    case connectionTimeout(connection: Int32)
    /// A scenario fault begins (index into the fault timeline).
    case fault(index: Int32)
    /// A crashed node restarts.
    case restart(node: Int32)
    /// The watchdog looks for waits that never ended.
    case watchdog
    /// A streaming sensor's frame-start interrupt (phase-locked capture); stale if `generation` moved on.
    case sensorFrame(node: Int32, generation: UInt32)
    /// A node's periodic tick (twice a second, as `genlock camera`'s): its lifecycle and endpoint.
    case nodeTick(node: Int32)

    /// A stable code for the trace hash.
    var traceCode: (Int64, Int64, Int64) {
        switch self {
        case .timer(let n, let g): (1, Int64(n), Int64(g))
        case .servoSample(let n): (2, Int64(n), 0)
        case .delivery(let m): (3, Int64(m), 0)
        case .coordinator(let s): (4, Int64(s), 0)
        case .fault(let i): (5, Int64(i), 0)
        case .restart(let n): (6, Int64(n), 0)
        case .watchdog: (7, 0, 0)
        case .connect(let n): (8, Int64(n), 0)
        case .accept(let c): (9, Int64(c), 0)
        case .connectionTimeout(let c): (10, Int64(c), 0)
        case .sensorFrame(let n, let g): (11, Int64(n), Int64(g))
        case .nodeTick(let n): (12, Int64(n), 0)
        }
    }
}

/// An event at a true-time instant. Ties are broken by insertion order, so the run is a total
/// order that does not depend on the heap's internals.
public struct SimEvent: Comparable, Sendable {
    public var timeNs: Int64
    public var sequence: UInt64
    public var kind: SimEventKind

    public static func < (a: SimEvent, b: SimEvent) -> Bool {
        a.timeNs != b.timeNs ? a.timeNs < b.timeNs : a.sequence < b.sequence
    }
    public static func == (a: SimEvent, b: SimEvent) -> Bool { a.timeNs == b.timeNs && a.sequence == b.sequence }
}

/// The discrete-event queue and virtual clock: the shape of a test clock (schedule, advance,
/// run until idle, check nothing is left pending), over integer nanoseconds of true time.
public struct EventQueue: Sendable {
    private var heap = EventHeap()
    private var nextSequence: UInt64 = 0
    /// True time now, in nanoseconds since the start of the run.
    public private(set) var nowNs: Int64 = 0

    public init() {}

    /// Schedules `kind` at `timeNs` (never before now: the past is clamped to now).
    public mutating func schedule(_ kind: SimEventKind, at timeNs: Int64) {
        heap.insert(SimEvent(timeNs: Swift.max(timeNs, nowNs), sequence: nextSequence, kind: kind))
        nextSequence &+= 1
    }

    /// Removes and returns the next event at or before `limitNs`, advancing the clock to it.
    public mutating func next(notAfter limitNs: Int64) -> SimEvent? {
        guard let top = heap.min, top.timeNs <= limitNs else { return nil }
        let event = heap.removeMin()
        nowNs = event.timeNs
        return event
    }

    /// Moves the clock to `timeNs` without running anything (the end of a run).
    public mutating func advance(to timeNs: Int64) { nowNs = Swift.max(nowNs, timeNs) }

    /// Events still pending.
    public var pendingCount: Int { heap.count }
    /// The earliest pending event, if any.
    public var nextEvent: SimEvent? { heap.min }
}

/// A binary min-heap of events by (time, sequence). The queue holds a few dozen events (one
/// timer per node, servo samples, messages), and every frame of every node pops one and pushes
/// one, so this is the engine's innermost loop: a plain binary heap does fewer comparisons per
/// operation than a min-max heap, and the (time, sequence) key is compared inline.
struct EventHeap: Sendable {
    private var items: ContiguousArray<SimEvent> = []

    var count: Int { items.count }
    var min: SimEvent? { items.first }

    mutating func insert(_ event: SimEvent) {
        items.append(event)
        var child = items.count - 1
        items.withUnsafeMutableBufferPointer { a in
            while child > 0 {
                let parent = (child - 1) / 2
                guard a[child] < a[parent] else { break }
                a.swapAt(child, parent)
                child = parent
            }
        }
    }

    /// Removes the earliest event (the heap must not be empty).
    mutating func removeMin() -> SimEvent {
        let last = items.removeLast()
        guard !items.isEmpty else { return last }
        let top = items[0]
        items.withUnsafeMutableBufferPointer { a in
            let n = a.count
            var i = 0
            // Sift `last` down from the root, moving the smaller child up until it fits.
            while true {
                let l = 2 * i + 1
                guard l < n else { break }
                let r = l + 1
                let c = r < n && a[r] < a[l] ? r : l
                guard a[c] < last else { break }
                a[i] = a[c]
                i = c
            }
            a[i] = last
        }
        return top
    }
}
