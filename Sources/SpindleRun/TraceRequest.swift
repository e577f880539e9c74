import SpindleCore

/// What a timeline trace records: the first `chips` chips, at most `limit` entries (spans, counter samples
/// and arrows), and for topology runs the layer whose chip-to-chip messages are drawn as arrows (`nil`:
/// every layer's).
public struct TraceRequest: Sendable, Equatable {
    public var chips: Int
    public var limit: Int
    public var arrowsLayer: String?
    /// Only this interval of simulated time, in picoseconds (`nil`: the whole run).
    public var window: ClosedRange<Double>?
    /// Cluster training: trace `chips` chips spread over the pipeline stages instead of the first ones.
    public var acrossStages = false
    public init(chips: Int = 64, limit: Int = 1_000_000, arrowsLayer: String? = nil, window: ClosedRange<Double>? = nil) {
        self.chips = chips
        self.limit = limit
        self.arrowsLayer = arrowsLayer
        self.window = window
    }

    /// An empty timeline with this request's limit and window.
    public func timeline() -> Timeline { Timeline(limit: limit, window: window) }
}
