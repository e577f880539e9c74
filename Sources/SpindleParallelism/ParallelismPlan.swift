/// How one training iteration of a transformer is split over chips: tensor (Megatron column/row splits),
/// pipeline (1F1B over micro-batches), data (replicas, optionally ZeRO-sharded) and expert parallelism
/// (experts spread over `expert` of the data-parallel replicas).
public struct ParallelismPlan: Sendable, Hashable, Codable, CustomStringConvertible {
    /// What the backward pass recomputes instead of keeping (Korthikanti et al. 2022).
    public enum Recompute: String, Sendable, Hashable, Codable, CaseIterable {
        /// Keep every activation.
        case none
        /// Recompute the attention scores, softmax and dropout (their s² terms).
        case selective
        /// Keep only each layer's input and recompute the layer.
        case full
    }

    public var tensor: Int
    public var pipeline: Int
    public var data: Int
    public var expert: Int = 1
    /// Sequences per micro-batch.
    public var microBatchSize: Int
    /// Micro-batches per replica per iteration.
    public var microBatches: Int
    public var recompute: Recompute = .none
    /// ZeRO stage: 0 (none), 1 (optimizer state sharded over the replicas), 2 (and gradients), 3 (and weights).
    public var zero: Int = 0
    /// Megatron's sequence parallelism: the tensor-parallel group also splits the norms and dropouts.
    public var sequenceParallel: Bool = false

    public init(tensor: Int, pipeline: Int, data: Int, expert: Int = 1, microBatchSize: Int, microBatches: Int) {
        self.tensor = tensor
        self.pipeline = pipeline
        self.data = data
        self.expert = expert
        self.microBatchSize = microBatchSize
        self.microBatches = microBatches
    }

    public var chips: Int { tensor * pipeline * data }
    /// Sequences per iteration.
    public var globalBatch: Int { data * microBatches * microBatchSize }

    public var description: String {
        "TP \(tensor) x PP \(pipeline) x DP \(data)" + (expert > 1 ? " (EP \(expert))" : "")
            + ", micro-batch \(microBatchSize) x \(microBatches)"
            + (recompute == .none ? "" : ", \(recompute.rawValue) recompute") + (zero > 0 ? ", ZeRO-\(zero)" : "")
            + (sequenceParallel ? ", SP" : "")
    }
}
