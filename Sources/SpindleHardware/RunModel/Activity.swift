import SpindleCore

/// What the run model records over time, when asked: series summed in time bins, and the times of every
/// step and (optionally) every tile job. Off (`AcceleratorModel.activity == nil`) components record
/// nothing and pay one predictable branch where they would.
public struct ActivityOptions: Sendable, Equatable {
    /// Width of the bins the series are summed in; bins past `maxBins` fold into the last one.
    public var binPs: Picoseconds
    /// Also record each tile job's start and end on the first `jobChips` chips (for traces: two counts per
    /// job; 0: none).
    public var jobChips: Int

    /// The most bins a series keeps.
    public static let maxBins = 1 << 16

    public init(binPs: Picoseconds, jobChips: Int = 0) {
        self.binPs = max(binPs, 1)
        self.jobChips = max(jobChips, 0)
    }

    /// Whether tile jobs are recorded on `chip`.
    public func recordsJobs(onChip chip: Int) -> Bool { chip < jobChips }

    /// Bins of about `expectedPs / bins` each (at least 1 ps): a run that takes about as long as expected
    /// fills about `bins` of them.
    public static func spanning(_ expectedPs: Picoseconds, bins: Int = 256, jobChips: Int = 0) -> ActivityOptions {
        ActivityOptions(binPs: max(expectedPs / Picoseconds(max(bins, 1)), 1), jobChips: jobChips)
    }
}

/// One recorded series or set of times; each is reported under `CounterCatalogue.activityKey(_:index:)`.
public enum ActivitySeries: UInt8, CaseIterable, Sendable {
    /// Tile: picoseconds computing, per bin.
    case tileBusyPs
    /// DRAM channel: bytes read and written, per bin.
    case dramBytes
    /// Router: bytes sent to neighbouring routers, per bin.
    case linkBytes
    /// Chip controller: bytes sent through the package port, per bin.
    case packageBytes
    /// Router: bytes sent out of each port over the run (index = port: 0 local, 1 +x, 2 -x, 3 +y, 4 -y).
    case portBytes
    /// Chip controller: when each step (index = step) began, began running its tile jobs, and ended.
    case stepBegin, stepRun, stepEnd
    /// Tile: when each of its jobs (index = the tile's job number) started computing and finished.
    case jobStart, jobEnd
}

/// A series summed in fixed time bins, grown as time passes.
struct ActivityBins {
    let binPs: Picoseconds
    private(set) var values: [UInt64] = []

    init(binPs: Picoseconds) { self.binPs = binPs }

    @inline(__always)
    private func bin(_ t: Picoseconds) -> Int { Int(min(t / binPs, Picoseconds(ActivityOptions.maxBins - 1))) }

    /// Adds `n` at time `t`.
    mutating func add(at t: Picoseconds, _ n: UInt64) {
        let b = bin(t)
        if b >= values.count { values += [UInt64](repeating: 0, count: b + 1 - values.count) }
        values[b] &+= n
    }

    /// Spreads `n` over [start, end) in proportion to each bin's overlap; the parts sum to `n` exactly.
    mutating func spread(_ n: UInt64, from start: Picoseconds, to end: Picoseconds) {
        guard end > start, bin(start) != bin(end - 1) else {
            add(at: start, n)
            return
        }
        let length = Double(end - start)
        var given: UInt64 = 0
        var t = start
        while t < end {
            let b = bin(t)
            let binEnd = b == ActivityOptions.maxBins - 1 ? end : min(end, Picoseconds(b + 1) * binPs)
            let due = binEnd >= end ? n : min(n, UInt64((Double(binEnd - start) / length * Double(n)).rounded()))
            add(at: t, due - given)
            given = due
            t = binEnd
        }
    }

    /// Writes every non-zero bin under `series`.
    func emit(_ series: ActivitySeries, into c: inout Counters, _ catalogue: CounterCatalogue) {
        for (b, n) in values.enumerated() where n > 0 { c[catalogue.activityKey(series, index: b)] = n }
    }
}
