import SpindleCore
import SpindleHardware

/// The mapper's result: the schedule to simulate, the mapping table, and the analytic predictions.
public struct Mapping: Sendable {
    /// One row of the mapping table: a layer and where it runs.
    public struct Row: Sendable, Equatable {
        public var layer: String
        public var stage: Int
        /// Chips running the layer (one per replica).
        public var chips: [Int]
        /// Tiles per chip holding part of the layer.
        public var tiles: Int
        /// Spin-crossbar tiles: crossbars per chip used by the layer, copies included (0 elsewhere).
        public var crossbars: Int
        /// Copies of the layer's crossbar footprint (1 without spare crossbars).
        public var copies: Int
        /// Weights (as stored for computing) per chip.
        public var weightBytes: UInt64
        /// MACs of the whole batch, all phases.
        public var macs: UInt64
        public var predictedPs: Picoseconds
        public var predictedPJ: Double
    }
    /// A plan the mapper considered.
    public struct Candidate: Sendable, Equatable {
        public var plan: String
        public var predictedPs: Picoseconds
        public var predictedPJ: Double
        /// Why the plan cannot run, or nil.
        public var infeasible: String?
    }
    public var schedule: Schedule
    public var plan: Plan
    public var options: MappingOptions
    public var rows: [Row]
    public var candidates: [Candidate]
    public var predictedLatencyPs: Picoseconds
    public var predictedEnergyPJ: Double
    /// Whether spin-crossbar weights stay in place.
    public var crossbarsResident: Bool
    public var notes: [String]
}
