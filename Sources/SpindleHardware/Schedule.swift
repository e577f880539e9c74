import SpindleCore

/// Work for one tile in one layer step: what it loads, computes and writes back.
public struct TileJob: Sendable, Equatable {
    /// Index into `Topology.tiles`.
    public var tile: Int
    /// Index into `Topology.dram` of the channel that serves this tile.
    public var dramChannel: Int
    public var weightBytes: UInt64
    public var inputBytes: UInt64
    public var outputBytes: UInt64
    public var macs: UInt64
    /// SmartDeal tiles: shifts and adds needed to rebuild this job's weight rows.
    public var rebuildOps: UInt64
    /// The job as a GEMM, for systolic arrays: window (weights per filter), filters, output pixels (batch included).
    public var gemmWindow = 0, gemmFilters = 0, gemmPixels = 0

    public init(
        tile: Int, dramChannel: Int, weightBytes: UInt64, inputBytes: UInt64, outputBytes: UInt64, macs: UInt64,
        rebuildOps: UInt64 = 0
    ) {
        self.tile = tile
        self.dramChannel = dramChannel
        self.weightBytes = weightBytes
        self.inputBytes = inputBytes
        self.outputBytes = outputBytes
        self.macs = macs
        self.rebuildOps = rebuildOps
    }
}

/// One layer as a step of the schedule: all its tile jobs run together; the next step starts when every
/// job's outputs are back in DRAM.
public struct LayerStep: Sendable, Equatable {
    public var name: String
    public var jobs: [TileJob]
    public init(name: String, jobs: [TileJob]) {
        self.name = name
        self.jobs = jobs
    }
}

/// What each chip runs, in order.
public struct Schedule: Sendable, Equatable {
    /// `chips[c]` lists chip c's layer steps.
    public var chips: [[LayerStep]]
    public init(chips: [[LayerStep]]) { self.chips = chips }
}

/// Message kinds exchanged by the hardware components.
enum HW {
    static let packet: UInt32 = 1
    static let readRequest: UInt32 = 2
    static let job: UInt32 = 3
    static let computeDone: UInt32 = 4
    static let flowDone: UInt32 = 5
    static let start: UInt32 = 6
    static let finished: UInt32 = 7
    static let rebuild: UInt32 = 8
    static let credit: UInt32 = 9
    static let routeReady: UInt32 = 10
    static let shape: UInt32 = 11

    // Packet purposes (tag bits 0-7) and the last-packet flag.
    static let weights: UInt32 = 0
    static let inputs: UInt32 = 1
    static let outputs: UInt32 = 2
    static let lastFlag: UInt32 = 0x100
}
