/// A reference to an object that something else keeps alive (the ``Simulation`` owns every node
/// and device for the whole run), for the per-event path.
///
/// `unowned(unsafe)` alone does not remove reference counting: Swift still retains and releases
/// the object around every call made through such a reference (an atomic increment and decrement,
/// several per simulated frame). Calls made inside ``borrow(_:)`` receive the object borrowed,
/// with no reference counting at all. Like `unowned(unsafe)`, using it after the object is gone
/// is undefined behaviour, which the ownership above rules out.
struct Borrowed<Object: AnyObject> {
    private let reference: Unmanaged<Object>

    @inline(__always) init(_ object: Object) { reference = .passUnretained(object) }

    /// Runs `body` with the object, borrowed for the duration of the call.
    @inline(__always) func borrow<Result>(_ body: (Object) throws -> Result) rethrows -> Result {
        try reference._withUnsafeGuaranteedRef(body)
    }
}

// `Unmanaged` is not Sendable; a reference to a Sendable object may cross as the object can.
extension Borrowed: @unchecked Sendable where Object: Sendable {}
