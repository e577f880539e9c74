import SpindleCore

/// A tensor operation as a loop nest over named dimensions (Timeloop's problem): each data space (weights,
/// inputs, outputs) is indexed by sums of dimensions times coefficients (an input row is `stride x P +
/// dilation x R`).
public struct LoopNestProblem: Sendable, Equatable {
    /// One term of a data-space axis: a coefficient times a dimension (by index).
    public struct Term: Sendable, Equatable {
        public var coefficient: Int
        public var dimension: Int
        public init(coefficient: Int, dimension: Int) {
            self.coefficient = coefficient
            self.dimension = dimension
        }
    }
    /// One data space: its name, each of its axes as a sum of terms, and whether it is written (partial
    /// sums: the outputs).
    public struct DataSpace: Sendable, Equatable {
        public var name: String
        public var axes: [[Term]]
        public var readWrite: Bool

        public init(name: String, axes: [[Term]], readWrite: Bool) {
            self.name = name
            self.axes = axes
            self.readWrite = readWrite
        }

        /// Words of the box the data space spans when each dimension spans `extents[dimension]` indices
        /// (an axis `P + R` spans P + R - 1).
        public func words(extents: [Int]) -> Double {
            axes.reduce(1.0) { v, axis in v * Double(axis.reduce(1) { $0 + $1.coefficient * (extents[$1.dimension] - 1) }) }
        }
    }
    public var name: String
    public var dimensions: [String]
    public var bounds: [Int]
    public var dataSpaces: [DataSpace]

    public init(name: String, dimensions: [String], bounds: [Int], dataSpaces: [DataSpace]) {
        self.name = name
        self.dimensions = dimensions
        self.bounds = bounds
        self.dataSpaces = dataSpaces
    }

    /// Multiply-accumulates: the product of the bounds.
    public var operations: Double { bounds.reduce(1.0) { $0 * Double($1) } }
}

/// A storage hierarchy (Timeloop's architecture): storage levels from the outermost (DRAM) in, then the
/// compute units, with the instances of each and the energy of each action (an Accelergy ERT).
public struct LoopNestArchitecture: Sendable, Equatable {
    /// One storage level.
    public struct Storage: Sendable, Equatable {
        public var name: String
        public var instances: Int
        /// Words per access (a vector): `width / datawidth`.
        public var blockWords: Int
        /// Words it holds (nil: unbounded, as DRAM).
        public var capacityWords: Int?
        /// Energy of one vector read, write (fill) and update, and leakage per instance per cycle (pJ).
        public var readPJ: Double = 0, writePJ: Double = 0, updatePJ: Double = 0, leakPJ: Double = 0

        public init(name: String, instances: Int, blockWords: Int, capacityWords: Int?) {
            self.name = name
            self.instances = instances
            self.blockWords = blockWords
            self.capacityWords = capacityWords
        }
    }
    public var name: String
    /// Outermost first.
    public var storage: [Storage]
    public var computeName: String
    public var computeInstances: Int
    /// Energy of one compute (pJ).
    public var computePJ: Double = 0
    /// Where the energies came from (an ERT file), for the report.
    public var energySource: String?

    public init(name: String, storage: [Storage], computeName: String, computeInstances: Int) {
        self.name = name
        self.storage = storage
        self.computeName = computeName
        self.computeInstances = computeInstances
    }
}

/// How the problem is tiled onto the hierarchy (Timeloop's mapping): per storage level, its temporal loops
/// (outermost first), the spatial loops that fan its tile out to the next level's instances, and the data
/// spaces it keeps (the others bypass it).
public struct LoopNestMapping: Sendable, Equatable {
    public struct Loop: Sendable, Equatable {
        public var dimension: Int
        public var bound: Int
        public var spatial: Bool
        public init(dimension: Int, bound: Int, spatial: Bool) {
            self.dimension = dimension
            self.bound = bound
            self.spatial = spatial
        }
    }
    /// Per storage level (outermost first): its loops, outermost first, spatial ones last.
    public var loops: [[Loop]]
    /// Per storage level, per data space: whether the level keeps it.
    public var keeps: [[Bool]]

    public init(loops: [[Loop]], keeps: [[Bool]]) {
        self.loops = loops
        self.keeps = keeps
    }
}
