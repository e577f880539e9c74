import SpindleCore

/// The storage levels of a loop-nest tile, below the DRAM channel that serves it: each level's instances,
/// vector and capacity and the data spaces it keeps, the MAC units, and the dataflow its mapper follows.
///
/// A job's convolution is mapped onto DRAM plus these levels (`LoopNestMapper`, or a fixed mapping given for
/// jobs of exactly its shape) and counted by `LoopNestAnalysis`: the tile counts each level's vector reads,
/// writes and updates and its leakage (`storageActions`), and the job moves to and from DRAM what the DRAM
/// level sends and receives.
public struct StorageHierarchy: Sendable, Equatable {
    /// One on-chip storage level.
    public struct Level: Sendable, Equatable {
        public var name: String
        /// Instances of the level in the tile (PE-local levels: one per PE).
        public var instances: Int
        /// Words per access.
        public var blockWords: Int
        /// Words one instance holds.
        public var capacityWords: Int
        /// Per data space (`ConvolutionShape.DataSpace`): whether the level keeps it (otherwise it bypasses it).
        public var keeps: [Bool]
        /// Bits per word when they differ from the tile's (wider partial sums); `nil`: the tile's.
        public var wordBits: Int?
        /// Constraints on this level's loops (a design's own dataflow); empty: the tile's dataflow decides.
        public var constraints = LoopNestConstraints()

        public init(name: String, instances: Int, blockWords: Int, capacityWords: Int, keeps: [Bool] = [true, true, true]) {
            self.name = name
            self.instances = instances
            self.blockWords = blockWords
            self.capacityWords = capacityWords
            self.keeps = keeps
        }
    }

    /// A mapping used for jobs of exactly `shape` (a Timeloop mapping, for instance) instead of the mapper's.
    public struct FixedMapping: Sendable, Equatable {
        public var shape: ConvolutionShape
        /// Over DRAM and the levels, outermost first.
        public var mapping: LoopNestMapping
        public init(shape: ConvolutionShape, mapping: LoopNestMapping) {
            self.shape = shape
            self.mapping = mapping
        }
    }

    /// Outermost first.
    public var levels: [Level]
    public var macUnits: Int
    /// Bits per word in every level (the MACs' operand width).
    public var wordBits: Int
    public var dataflow: LoopNestDataflow
    public var fixed: [FixedMapping] = []

    public init(levels: [Level], macUnits: Int, wordBits: Int, dataflow: LoopNestDataflow) {
        self.levels = levels
        self.macUnits = macUnits
        self.wordBits = wordBits
        self.dataflow = dataflow
    }

    /// The accesses of one level that are counted and priced, in the order of `storageActions`.
    public static let accesses: [StorageAccess] = StorageAccess.allCases

    /// The storage actions the tile counts: per level, read, write, update and leak.
    public var storageActions: [Action] { levels.flatMap { l in Self.accesses.map { Action.storage(level: l.name, $0) } } }

    /// The MAC action (`mac.int<wordBits>`).
    public var macAction: Action { .mac(bits: wordBits) }

    /// The architecture the analysis runs on: DRAM (one instance, one word per access, priced per word
    /// from `price`) and the levels, with their action energies from `price`.
    public func architecture(price: (Action) -> Double) -> LoopNestArchitecture {
        var dram = LoopNestArchitecture.Storage(name: "DRAM", instances: 1, blockWords: 1, capacityWords: nil)
        dram.readPJ = price(.dramReadBits) * Double(wordBits)
        dram.writePJ = price(.dramWriteBits) * Double(wordBits)
        dram.updatePJ = dram.writePJ
        var storage = [dram]
        for l in levels {
            var s = LoopNestArchitecture.Storage(
                name: l.name, instances: l.instances, blockWords: l.blockWords, capacityWords: l.capacityWords)
            s.readPJ = price(.storage(level: l.name, .read))
            s.writePJ = price(.storage(level: l.name, .write))
            s.updatePJ = price(.storage(level: l.name, .update))
            s.leakPJ = price(.storage(level: l.name, .leak))
            storage.append(s)
        }
        var arch = LoopNestArchitecture(name: "tile", storage: storage, computeName: "MAC", computeInstances: macUnits)
        arch.computePJ = price(macAction)
        return arch
    }

    /// Each level's constraints, DRAM (unconstrained) first.
    public var constraints: [LoopNestConstraints] { [LoopNestConstraints()] + levels.map(\.constraints) }

    /// Which data spaces each level keeps, DRAM first.
    public var keeps: [[Bool]] { [[true, true, true]] + levels.map(\.keeps) }

    /// The mapping a job of `shape` runs: the fixed one for its shape, else the mapper's for the dataflow.
    public func mapping(_ shape: ConvolutionShape, on arch: LoopNestArchitecture) throws(SpindleError) -> LoopNestMapping {
        if let f = fixed.first(where: { $0.shape == shape }) { return f.mapping }
        return try LoopNestMapper.map(shape, on: arch, keeps: keeps, dataflow: dataflow, constraints: constraints)
    }

    /// What one job of `shape` counts: its cycles, each storage action's count and its DRAM traffic in words.
    public func counts(_ shape: ConvolutionShape, price: (Action) -> Double) throws(SpindleError) -> LoopNestCounts {
        let arch = architecture(price: price)
        let r = try LoopNestAnalysis.analyse(shape.problem, arch, try mapping(shape, on: arch))
        let counted = r.levels.flatMap { l in
            [l.readVectors, l.fillVectors, l.updateVectors] + l.dataSpaces.flatMap { [$0.reads, $0.updates] }
        }
        guard counted.allSatisfy({ $0.isFinite && $0 > -0.5 }), r.cycles.isFinite, r.cycles < 1e18 else {
            throw SpindleError(
                .invalidValue, "the loop-nest model cannot count \(shape.bounds) on this hierarchy (a count is negative or too large)",
                hint: "Report the topology and the layer")
        }
        var out = LoopNestCounts()
        out.cycles = UInt64(r.cycles.rounded(.up))
        for l in r.levels.dropFirst() {
            out.accesses += [l.readVectors, l.fillVectors, l.updateVectors, l.leakInstanceCycles].map { UInt64(max(0, $0).rounded(.up)) }
        }
        let dram = r.levels[0].dataSpaces
        func words(_ d: ConvolutionShape.DataSpace, _ key: KeyPath<LoopNestResult.DataSpaceStats, Double>) -> UInt64 {
            UInt64(max(0, dram.first { $0.name == d.name }?[keyPath: key] ?? 0).rounded(.up))
        }
        out.dramWords = LoopNestCounts.DRAMWords(
            weights: words(.weights, \.reads), inputs: words(.inputs, \.reads), outputsRead: words(.outputs, \.reads),
            outputsWritten: words(.outputs, \.updates))
        return out
    }
}

/// What a loop-nest tile counts for one job.
public struct LoopNestCounts: Sendable, Hashable {
    /// Words a job moves between DRAM and the tile.
    public struct DRAMWords: Sendable, Hashable {
        /// Read: weights, inputs, and partial sums sent back down.
        public var weights: UInt64 = 0, inputs: UInt64 = 0, outputsRead: UInt64 = 0
        /// Written: outputs and partial sums.
        public var outputsWritten: UInt64 = 0
    }
    public var cycles: UInt64 = 0
    /// In the order of `StorageHierarchy.storageActions`.
    public var accesses: [UInt64] = []
    public var dramWords = DRAMWords()

    public init() {}
}

/// An access of a storage level that a technology prices: a vector read, a vector write (a fill from the
/// level above), a vector update (a partial sum written back) or one cycle of one instance's leakage.
public enum StorageAccess: String, Sendable, CaseIterable {
    case read, write, update, leak
}

/// Constraints on one storage level's loops, as a design's own dataflow states them (Timeloop's `constraints`).
public struct LoopNestConstraints: Sendable, Equatable {
    /// One fan-out below the level (a container's instances): its size and the dimensions it may split,
    /// first choice first (`nil`: the dataflow's).
    public struct Fanout: Sendable, Equatable {
        public var size: Int
        public var dimensions: [Int]?
        public init(size: Int, dimensions: [Int]?) {
            self.size = size
            self.dimensions = dimensions
        }
    }
    /// The fan-outs below the level, outermost first; their sizes multiply to the level's fan-out. Empty: one
    /// fan-out split as the dataflow says.
    public var fanouts: [Fanout] = []
    /// The dimensions the level may loop over in time, outermost first (`nil`: the dataflow's).
    public var temporal: [Int]?

    public init(fanouts: [Fanout] = [], temporal: [Int]? = nil) {
        self.fanouts = fanouts
        self.temporal = temporal
    }

    public var isEmpty: Bool { fanouts.isEmpty && temporal == nil }
}
