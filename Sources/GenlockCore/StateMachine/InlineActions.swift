/// The actions answering one event of a state machine, in order, held inline: an event yields a
/// handful at most (`capacity`), so the per-event path allocates nothing, which matters at
/// thousands of frames per second in the simulator. ``CaptureScheduler`` and
/// ``PhaseLockScheduler`` return their actions in one of these.
public struct InlineActions<let capacity: Int, Action: Hashable & Sendable>:
    RandomAccessCollection, Hashable, Sendable, ExpressibleByArrayLiteral
{
    // Inlinable, so a state machine's user in another module (`CaptureDriver` in GenlockNode, run
    // for every simulated frame) gets a specialised copy instead of looking up generic metadata at
    // each subscript: that lookup was a tenth of the simulator's time.
    @usableFromInline var slots: InlineArray<capacity, Action?>
    @usableFromInline var storedCount = 0

    @inlinable public init() { slots = InlineArray(repeating: nil) }

    @inlinable public init(arrayLiteral elements: Action...) {
        self.init()
        for e in elements { append(e) }
    }

    /// How many actions it holds.
    @inlinable public var count: Int { storedCount }

    /// Adds `action` after the others (at most `capacity`: more is a fault of the state machine).
    @inlinable public mutating func append(_ action: Action) {
        precondition(storedCount < capacity, "an event yields at most \(capacity) actions")
        slots[storedCount] = action
        storedCount += 1
    }

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { storedCount }

    @inlinable public subscript(position: Int) -> Action {
        precondition(position >= 0 && position < storedCount, "action \(position) of \(storedCount)")
        return slots[position]!
    }

    @inlinable public static func == (a: Self, b: Self) -> Bool { a.elementsEqual(b) }

    @inlinable public func hash(into hasher: inout Hasher) {
        hasher.combine(storedCount)
        for action in self { hasher.combine(action) }
    }
}
