import SpindleCore
import SpindleHardware

/// How a network is mapped: what is run (inference or a training iteration), how chips are used, and what
/// the mapper optimises.
public struct MappingOptions: Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable { case inference, training }
    /// How chips share the work: every chip runs the whole network on part of the batch (data-parallel),
    /// chips run consecutive layer ranges one after another (pipeline), a mix of both (hybrid: stages x
    /// replicas), or the best of all of these by the objective (auto).
    public enum Strategy: String, Sendable, CaseIterable {
        case auto
        case dataParallel = "data-parallel"
        case pipeline, hybrid
    }
    public enum Objective: String, Sendable, CaseIterable { case latency, energy, edp }
    /// The optimizer's per-parameter state and arithmetic.
    public enum Optimizer: String, Sendable, CaseIterable {
        case sgd, momentum, adam
        /// 32-bit state values kept per parameter.
        public var stateWords: Int {
            switch self {
            case .sgd: 0
            case .momentum: 1
            case .adam: 2
            }
        }
        /// Floating-point multiplies and adds per parameter update (division and square root count as one
        /// multiply each): w -= lr g; v = mu v + g, w -= lr v; Adam's two moments and its step.
        public var opsPerParameter: (muls: UInt64, adds: UInt64) {
            switch self {
            case .sgd: (1, 1)
            case .momentum: (2, 2)
            case .adam: (7, 4)
            }
        }
    }
    /// Spin-crossbar weights: kept in the crossbars for the whole run (they must fit), or reloaded from DRAM
    /// for every layer step (each reload is a cell write).
    public enum CrossbarWeights: String, Sendable, CaseIterable { case resident, reload }

    public var mode = Mode.inference
    public var strategy = Strategy.auto
    public var objective = Objective.latency
    public var optimizer = Optimizer.momentum
    /// Pipeline stages for `hybrid` (`nil`: every divisor of the chip count is tried).
    public var stages: Int?
    /// Chips that share each layer (tensor splitting: each holds a slice of every layer's output channels).
    /// `nil`: 1, or the fewest that fit when no plan fits unsplit.
    public var split: Int?
    /// Micro-batches per replica when there is more than one stage (`nil`: min(samples, 2 x stages)).
    public var microBatches: Int?
    /// Bits of a weight gradient in DRAM.
    public var gradientBits = 32
    public var crossbarWeights = CrossbarWeights.resident
    /// Inference on resident crossbars: include writing the weights once (otherwise they are assumed in place).
    public var programWeights = false

    public init() {}
}
