/// The actions answering one event of a state machine, in order, held inline: an event yields a
/// handful at most (`capacity`), so the per-event path allocates nothing, which matters at
/// thousands of frames per second in the simulator. ``CaptureScheduler`` and
/// ``PhaseLockScheduler`` return their actions in one of these.
public struct InlineActions<let capacity: Int, Action: Hashable & Sendable>:
    RandomAccessCollection, Hashable, Sendable, ExpressibleByArrayLiteral
{
    private var slots: InlineArray<capacity, Action?>
    public private(set) var count = 0

    public init() { slots = InlineArray(repeating: nil) }

    public init(arrayLiteral elements: Action...) {
        self.init()
        for e in elements { append(e) }
    }

    /// Adds `action` after the others (at most `capacity`: more is a fault of the state machine).
    public mutating func append(_ action: Action) {
        precondition(count < capacity, "an event yields at most \(capacity) actions")
        slots[count] = action
        count += 1
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(position: Int) -> Action {
        precondition(position >= 0 && position < count, "action \(position) of \(count)")
        return slots[position]!
    }

    public static func == (a: Self, b: Self) -> Bool { a.elementsEqual(b) }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for action in self { hasher.combine(action) }
    }
}
