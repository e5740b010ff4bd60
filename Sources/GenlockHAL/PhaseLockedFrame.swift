import GenlockCore

/// A frame the phase lock numbered, with its image: the core's account of the frame
/// (``PhaseLockScheduler/NumberedFrame``: index, `Tn`, timestamps, phase error, state) and the
/// camera's buffer.
@dynamicMemberLookup
public struct PhaseLockedFrame: Sendable {
    /// What the lock decided about the frame.
    public var numbered: PhaseLockScheduler.NumberedFrame
    /// The image. The receiver releases it once encoded or copied.
    public var frame: CameraFrame

    public init(_ numbered: PhaseLockScheduler.NumberedFrame, frame: CameraFrame) {
        self.numbered = numbered
        self.frame = frame
    }

    /// The numbered frame's fields (`index`, `scheduled`, `phaseError`, …) read directly.
    public subscript<T>(dynamicMember keyPath: KeyPath<PhaseLockScheduler.NumberedFrame, T>) -> T { numbered[keyPath: keyPath] }
}
