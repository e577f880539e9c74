import SpindleWorkload

/// The bytes one chip holds to train a transformer under a plan, by kind.
///
/// Mixed-precision Adam as in the ZeRO paper (Rajbhandari et al. 2020): 2-byte weights and gradients, and 12
/// bytes of optimizer state per parameter (fp32 master weights, momentum and variance); ZeRO stage 1 shards
/// the optimizer state over the data-parallel replicas, stage 2 also the gradients, stage 3 also the weights.
/// A chip holds 1 / (tensor x pipeline) of the dense parameters and 1 / (tensor x pipeline x expert) of the
/// experts' (embedding and output head spread like the layers). Activations follow Korthikanti et al. 2022
/// (2-byte values, dropout masks of one byte): per layer and micro-batch, sbh(34 + 5as/h) for GPT without
/// parallelism, of which 10sbh (norms, the QKV and MLP inputs, a dropout mask) stays whole under tensor
/// parallelism unless the sequence is split too; selective recomputation drops the 5as²b of attention;
/// full recomputation keeps only the layer's 2sbh input. The MLP and key/value terms are derived the same
/// way for gated MLPs and grouped-query attention. Under 1F1B the first stage keeps `min(pipeline, micro-batches)`
/// micro-batches of its layers.
public struct TrainingMemory: Sendable, Equatable, Codable {
    public var weights: Double
    public var gradients: Double
    public var optimizer: Double
    public var activations: Double
    /// Parameters on the chip before ZeRO sharding.
    public var parametersHeld: Double
    public var total: Double { weights + gradients + optimizer + activations }

    /// Bytes per chip of `model` trained with sequences of `sequence` tokens under `plan`.
    public init(_ model: Transformer, sequence: Int, plan: ParallelismPlan) {
        let p = model.parameters
        let experts = model.experts > 1 ? Double(p.mlp) : 0
        let dense = Double(p.total) - experts
        let split = Double(plan.tensor * plan.pipeline)
        let held = dense / split + experts / (split * Double(plan.expert))
        let d = Double(plan.data)
        parametersHeld = held
        weights = 2 * held / (plan.zero >= 3 ? d : 1)
        gradients = 2 * held / (plan.zero >= 2 ? d : 1)
        optimizer = 12 * held / (plan.zero >= 1 ? d : 1)
        let layersPerStage = Double((model.layers + plan.pipeline - 1) / plan.pipeline)
        let inFlight = Double(min(plan.pipeline, plan.microBatches))
        activations = layersPerStage * inFlight * TrainingMemory.activationsPerLayer(model, sequence: sequence, plan: plan)
    }

    /// Bytes of activations one layer keeps for one micro-batch on one chip.
    public static func activationsPerLayer(_ m: Transformer, sequence: Int, plan: ParallelismPlan) -> Double {
        let s = Double(sequence), b = Double(plan.microBatchSize), h = Double(m.hidden), a = Double(m.heads)
        let kv = Double(m.kvWidth), f = Double(m.ffn), t = Double(plan.tensor)
        let sbh = s * b * h
        if plan.recompute == .full { return 2 * sbh / (plan.sequenceParallel ? t : 1) }
        // Kept whole by tensor parallelism (unless the sequence is split): the two norms' inputs (4sbh), the
        // QKV and MLP inputs (4sbh) and the attention output's dropout mask (sbh), and the MLP's (sbh).
        let replicated = 10 * sbh
        // Split by tensor parallelism: Q (2sbh), K and V (2sb x kv width each), the output projection's
        // input (2sbh), and the MLP's hidden tensors (GELU: its input and output, 2 x 2sbf; gated: gate,
        // up, their activation and product, 4 x 2sbf; the experts a token visits: top-k times that).
        let experts = Double(m.experts > 1 ? m.topK : 1)
        let mlpHidden = (m.gated ? 8 : 4) * s * b * f * experts
        let splitPart = 4 * sbh + 4 * s * b * kv + mlpHidden
        // Attention scores: softmax output (2as²b), its dropout mask (as²b) and output (2as²b).
        let scores = plan.recompute == .selective ? 0 : 5 * a * s * s * b
        return (plan.sequenceParallel ? replicated / t : replicated) + (splitPart + scores) / t
    }
}
