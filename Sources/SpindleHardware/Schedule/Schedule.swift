import SpindleCore

/// What a schedule step is about: a layer (or the exchange) in one phase. Results are broken down by label.
public struct StepLabel: Sendable, Hashable, Codable {
    public var layer: String
    public var phase: Phase
    public init(layer: String, phase: Phase) {
        self.layer = layer
        self.phase = phase
    }
}

/// Work for one tile in one layer step: what it loads, computes and writes back.
public struct TileJob: Sendable, Hashable {
    /// Index into `Topology.tiles`.
    public var tile: Int
    /// Index into `Topology.dram` of the channel that serves this tile.
    public var dramChannel: Int
    /// Bytes of weights (or, in an update, weights, gradients and optimizer state) read from DRAM.
    public var weightBytes: UInt64
    public var inputBytes: UInt64
    public var outputBytes: UInt64
    public var macs: UInt64
    /// SmartDeal tiles: shifts and adds needed to rebuild this job's weight rows.
    public var rebuildOps: UInt64
    /// Spin-crossbar tiles: weights written into the cells before computing (a weight load or an update).
    public var programWeights: UInt64 = 0
    /// Spin-crossbar tiles: this job starts a new write of all the cells of its layer's share (one write per cell).
    public var programRound = false
    /// Spin-crossbar tiles: crossbars the job's MVMs are spread over (`0`: all of the tile's crossbars).
    public var crossbarsUsed = 0
    /// Weight bits per crossbar weight when they differ from the crossbar's (compressed codes); `0`: the crossbar's.
    public var crossbarWeightBits = 0
    /// Computed on the tile's digital MAC unit even on a crossbar tile (weight gradients, updates).
    public var digital = false
    /// Buffer reads beyond one read of every byte the job receives: operands the tile's dataflow re-reads
    /// from its buffer (SmartDeal tiles: inputs per output-channel group and kernel row, Ce per output-row
    /// segment).
    public var bufferRereadBytes: UInt64 = 0
    /// Floating-point work outside the MAC array (optimizer updates): multiplies and adds.
    public var fpMuls: UInt64 = 0
    public var fpAdds: UInt64 = 0
    /// The job as a GEMM, for systolic arrays: window (weights per filter), filters, output pixels (batch included).
    public var gemmWindow = 0, gemmFilters = 0, gemmPixels = 0
    /// Loop-nest tiles: the job's cycles, storage accesses and DRAM words under its mapping.
    public var loopNest: LoopNestCounts?

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

/// Data sent over the network-on-package from one chip's controller to another's.
public struct PackageTransfer: Sendable, Equatable {
    /// The other chip: the destination of a send, the source of a receive.
    public var peer: Int
    public var bytes: UInt64
    /// Matches a send to its receive; unique per receiving chip.
    public var tag: UInt32
    public init(peer: Int, bytes: UInt64, tag: UInt32) {
        self.peer = peer
        self.bytes = bytes
        self.tag = tag
    }
}

/// A ring collective of `bytes` over `group` (chip indices in ring order). Each round every chip sends
/// `bytes / n` to the next chip and waits for the previous chip's chunk. An all-reduce takes 2(n−1) rounds
/// (reduce-scatter, then all-gather); a reduce-scatter (each chip ends with the sum of its own chunk) and an
/// all-gather (each chip ends with every chip's chunk) take n−1.
public struct AllReduce: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case allReduce = "all-reduce"
        case reduceScatter = "reduce-scatter"
        case allGather = "all-gather"
    }
    public var kind: Kind
    public var group: [Int]
    public var bytes: UInt64
    /// Tags `tagBase ..< tagBase + rounds` are reserved for its rounds.
    public var tagBase: UInt32
    /// Bits per element, to count the reduction's additions.
    public var elementBits: Int
    public init(group: [Int], bytes: UInt64, tagBase: UInt32, elementBits: Int, kind: Kind = .allReduce) {
        self.group = group
        self.bytes = bytes
        self.tagBase = tagBase
        self.elementBits = elementBits
        self.kind = kind
    }
    public var rounds: Int { kind == .allReduce ? 2 * (group.count - 1) : group.count - 1 }
    /// Whether round `round` adds the arriving chunk to the receiver's own (otherwise the receiver stores it).
    public func reduces(round: Int) -> Bool { round < reducingRounds }
    /// Rounds that add the arriving chunk (the first n−1, unless this is an all-gather).
    public var reducingRounds: Int { kind == .allGather ? 0 : group.count - 1 }
    /// Chunks each member reads from and writes to DRAM: the first chunk it sends and the local chunk of
    /// every reducing round; one chunk written per round (the sum, or the arriving chunk).
    public var dramChunks: (read: Int, written: Int) { (1 + reducingRounds, rounds) }
    public var chunkBytes: UInt64 { (bytes + UInt64(group.count) - 1) / UInt64(max(group.count, 1)) }
}

/// One step of a chip's program: wait for `receives`, run the all-reduce if any, run the tile jobs together
/// until every job's outputs are back in DRAM, then start `sends` (without waiting for them).
public struct LayerStep: Sendable, Equatable {
    public var name: String
    public var jobs: [TileJob]
    /// Index into `Schedule.labels`.
    public var label: Int
    public var receives: [PackageTransfer] = []
    public var sends: [PackageTransfer] = []
    public var allReduce: AllReduce?
    public init(name: String, jobs: [TileJob], label: Int = 0) {
        self.name = name
        self.jobs = jobs
        self.label = label
    }
}

/// What each chip runs, in order, and the labels results are broken down by.
public struct Schedule: Sendable, Equatable {
    /// `chips[c]` lists chip c's steps.
    public var chips: [[LayerStep]]
    /// At most `maxLabels` labels; steps refer to them by index.
    public var labels: [StepLabel]
    public static let maxLabels = PacketTag.maxLabels

    public init(chips: [[LayerStep]], labels: [StepLabel] = [StepLabel(layer: "all", phase: .forward)]) {
        self.chips = chips
        self.labels = labels
    }
}
