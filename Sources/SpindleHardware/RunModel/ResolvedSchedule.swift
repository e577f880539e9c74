import SpindleCore
import SpindleEngine

/// One tile job with component ids resolved: the tile keeps the whole list, the controller uses the ids.
struct ResolvedJob: Sendable {
    var tile: ComponentID
    var dram: ComponentID
    /// Position of this job in its tile's job list.
    var index: Int
    var label: Int
    /// Index of `label` among the labels of the tile's jobs.
    var tileLabel: Int
    var weightBytes: UInt64
    var inputBytes: UInt64
    var outputBytes: UInt64
    var macs: UInt64
    var rebuildOps: UInt64
    var bufferRereadBytes: UInt64
    var programWeights: UInt64
    var programRound: Bool
    var crossbarsUsed: Int
    var crossbarWeightBits: Int
    var digital: Bool
    var fpMuls: UInt64
    var fpAdds: UInt64
    var gemm: (window: Int, filters: Int, pixels: Int)?
    var loopNest: LoopNestCounts?
}

/// One step as its controller runs it.
struct ResolvedStep: Sendable {
    var jobs: [ResolvedJob]
    var label: Int
    var receives: [PackageTransfer]
    var sends: [PackageTransfer]
    var allReduce: AllReduce?
}

/// How a chip's controller reaches the other chips.
struct PackagePorts: Sendable {
    var chip: Int
    var controllers: [ComponentID]
    var hops: [Int]
    var linkLatencyPs: Picoseconds
    var linkBandwidthGBps: Double
    /// The chip's DRAM channels: package data is staged through them, split evenly.
    var dram: [ComponentID]
}
