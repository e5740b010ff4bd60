/// What goes down the WebSocket: the state (twice a second), and on connecting the plots' history
/// (after that the page appends the samples each state message carries).
struct PushMessage: Codable, Sendable {
    var type: String
    var state: DashboardSnapshot?
    var history: [String: [PlotHistory.Sample]]?
    var framesetHistory: [PlotHistory.FramesetSample]?
    /// This second's plot samples (one per camera), when a second has passed.
    var samples: [String: PlotHistory.Sample]?
    var framesetSample: PlotHistory.FramesetSample?
}
