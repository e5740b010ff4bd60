extension CaptureScheduler {
    /// The actions answering one event, in order. An event yields at most three (skip, capture,
    /// arm the next deadline), so they are held inline: the per-frame path allocates nothing,
    /// which matters at thousands of frames per second in the simulator.
    public struct Actions: RandomAccessCollection, Hashable, Sendable, ExpressibleByArrayLiteral {
        /// The most actions one event produces.
        public static let capacity = 3
        private var first: Action?
        private var second: Action?
        private var third: Action?
        public private(set) var count = 0

        public init() {}

        public init(arrayLiteral elements: Action...) {
            for e in elements { append(e) }
        }

        /// Adds `action` after the others (at most ``capacity``).
        public mutating func append(_ action: Action) {
            switch count {
            case 0: first = action
            case 1: second = action
            case 2: third = action
            default: preconditionFailure("a capture event yields at most \(Self.capacity) actions")
            }
            count += 1
        }

        public var startIndex: Int { 0 }
        public var endIndex: Int { count }

        public subscript(position: Int) -> Action {
            precondition(position >= 0 && position < count, "action \(position) of \(count)")
            switch position {
            case 0: return first!
            case 1: return second!
            default: return third!
            }
        }

        public static func == (a: Actions, b: Actions) -> Bool { a.elementsEqual(b) }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(count)
            for action in self { hasher.combine(action) }
        }
    }
}
