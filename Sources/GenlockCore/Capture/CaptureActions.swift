extension CaptureScheduler {
    /// The actions answering one event, in order: at most three (skip, capture, arm the next
    /// deadline), held inline.
    public typealias Actions = InlineActions<3, Action>
}
