import SpindleCore

/// Measures, during a run on one worker, how the run's work would fall on the ranks of other layouts: for
/// each layout, per window, the events of its busiest rank, and the events that would cross ranks.
///
/// These are the measured inputs of the scaling model (`spindle bench ranks`, Docs/scaling.md): a
/// distributed run cannot be faster than the sum over windows of its busiest rank's work, and pays one
/// exchange per window plus the transfers of the crossing events.
public final class ScalingProbe: @unchecked Sendable {  // safe: see the proof below
    // @unchecked Sendable is safe: the probe is written only by the run's single worker thread (the engine
    // refuses a probe with more than one worker or process) and read after the run has returned.

    /// A hypothetical layout: the rank of each partition.
    public struct Layout: Sendable, Equatable {
        public var ranks: Int
        public var rankOf: [Int]

        public init(ranks: Int, rankOf: [Int]) {
            self.ranks = ranks
            self.rankOf = rankOf
        }
    }

    /// What the run showed for one layout.
    public struct Figures: Sendable, Codable, Equatable {
        public var ranks: Int
        public var windows: UInt64
        public var events: UInt64
        /// Sum over windows of the busiest rank's events in that window.
        public var busiestRankEventsPerWindowSum: UInt64
        /// Events of the rank with the most events over the whole run.
        public var busiestRankEvents: UInt64
        /// Events that would cross ranks, and the windows in which any did.
        public var cutEvents: UInt64
        public var windowsWithCut: UInt64
        enum CodingKeys: String, CodingKey {
            case ranks, windows, events
            case busiestRankEventsPerWindowSum = "busiest_rank_events_per_window_sum"
            case busiestRankEvents = "busiest_rank_events"
            case cutEvents = "cut_events"
            case windowsWithCut = "windows_with_cut"
        }
    }

    public let layouts: [Layout]
    private var last: [UInt64] = []
    private var window: [[UInt64]]
    private var totals: [[UInt64]]
    private var sumOfMax: [UInt64]
    private var cut: [UInt64]
    private var cutWindows: [UInt64]
    private var cutThisWindow: [Bool]
    private var windows: UInt64 = 0
    private var events: UInt64 = 0
    /// The ranks of each layout that had events in the current window.
    private var touched: [[Int]]

    public init(layouts: [Layout]) {
        self.layouts = layouts
        // Buckets for the ranks that hold partitions (a layout may name more ranks than there are partitions).
        window = layouts.map { [UInt64](repeating: 0, count: ($0.rankOf.max() ?? 0) + 1) }
        touched = layouts.map { _ in [] }
        totals = window
        sumOfMax = Array(repeating: 0, count: layouts.count)
        cut = sumOfMax
        cutWindows = sumOfMax
        cutThisWindow = Array(repeating: false, count: layouts.count)
    }

    /// The figures of every layout, after the run.
    public var figures: [Figures] {
        layouts.indices.map { k in
            Figures(
                ranks: layouts[k].ranks, windows: windows, events: events, busiestRankEventsPerWindowSum: sumOfMax[k],
                busiestRankEvents: totals[k].max() ?? 0, cutEvents: cut[k], windowsWithCut: cutWindows[k])
        }
    }

    /// An event from partition `from` to partition `to` (only called for events between partitions).
    @inline(__always)
    func crossed(from: Int, to: Int) {
        for k in layouts.indices where layouts[k].rankOf[from] != layouts[k].rankOf[to] {
            cut[k] &+= 1
            cutThisWindow[k] = true
        }
    }

    /// Ends a window, reading each partition's running event count.
    func endWindow(_ partitions: [EventContext]) {
        if last.isEmpty { last = Array(repeating: 0, count: partitions.count) }
        windows &+= 1
        for (i, ctx) in partitions.enumerated() {
            let delta = ctx.eventsHandled &- last[i]
            guard delta > 0 else { continue }
            last[i] = ctx.eventsHandled
            events &+= delta
            let p = Int(ctx.partition.raw)
            for k in layouts.indices {
                let r = layouts[k].rankOf[p]
                if window[k][r] == 0 { touched[k].append(r) }
                window[k][r] &+= delta
            }
        }
        for k in layouts.indices {
            var top: UInt64 = 0
            for r in touched[k] {
                top = max(top, window[k][r])
                totals[k][r] &+= window[k][r]
                window[k][r] = 0
            }
            touched[k].removeAll(keepingCapacity: true)
            sumOfMax[k] &+= top
            if cutThisWindow[k] {
                cutWindows[k] &+= 1
                cutThisWindow[k] = false
            }
        }
    }
}
