import SpindleCore
import SpindleWorkload

/// The analytic time of one training iteration under a plan, by part, with its memory per chip.
///
/// Compute: the iteration's FLOPs (Narayanan et al.'s closed form, plus a forward pass again under full
/// recomputation or the attention scores again under selective) over the chips at `efficiency` x peak.
/// Pipeline bubble (1F1B): (pipeline - 1) / micro-batches of the compute. Tensor parallelism: 4 all-reduces
/// of a micro-batch's activations (s b h x 2 bytes) per layer (6 with full recomputation), a ring inside a
/// node. Pipeline: each micro-batch's activations and gradients cross each stage boundary (s b h x 2 / t
/// bytes, between nodes). Data parallelism: the gradients' all-reduce (ZeRO-3 adds the weights' all-gather
/// forward and backward), a ring between nodes. Experts: 4 all-to-alls of the routed tokens per MoE layer
/// and micro-batch, direct between nodes. Communication is not overlapped with compute (an upper bound).
/// The collectives' times are the alpha-beta closed forms that `FlowSimulation` reproduces exactly.
public struct IterationEstimate: Sendable, Equatable, Codable {
    public var plan: ParallelismPlan
    public var memory: TrainingMemory
    public var fits: Bool
    public var computeSeconds: Double
    public var bubbleSeconds: Double
    public var tensorSeconds: Double
    public var pipelineSeconds: Double
    public var dataSeconds: Double
    public var expertSeconds: Double
    public var seconds: Double { computeSeconds + bubbleSeconds + tensorSeconds + pipelineSeconds + dataSeconds + expertSeconds }
    /// Model FLOPs (without recomputation) over the chips' peak for the iteration's time.
    public var modelFLOPsUtilisation: Double
    public var tokensPerSecond: Double

    public init(_ model: Transformer, sequence: Int, plan: ParallelismPlan, cluster: ClusterSpec) {
        self.plan = plan
        memory = TrainingMemory(model, sequence: sequence, plan: plan)
        fits = memory.total <= cluster.memoryBytes
        let s = Double(sequence), tokens = Double(plan.globalBatch) * s
        let modelFLOPs = model.trainingFLOPsPerToken(sequence: sequence) * tokens
        var flops = modelFLOPs
        switch plan.recompute {
        case .full: flops += modelFLOPs / 3
        case .selective: flops += 4 * Double(model.layers * model.hidden) * s * tokens
        case .none: break
        }
        let rate = cluster.peakTFLOPs * 1e12 * cluster.efficiency
        computeSeconds = flops / Double(plan.chips) / rate
        bubbleSeconds = Double(plan.pipeline - 1) / Double(plan.microBatches) * computeSeconds
        let layersPerStage = Double((model.layers + plan.pipeline - 1) / plan.pipeline)
        let m = Double(plan.microBatches)
        let activationBytes = s * Double(plan.microBatchSize * model.hidden) * 2
        let intraA = Double(cluster.intraLatencyPs) * 1e-12, intraBW = cluster.intraGBPerSecond * 1e9
        let interA = 2 * Double(cluster.interLatencyPs) * 1e-12, interBW = cluster.interGBPerSecond * 1e9
        func ringAllReduce(_ n: Int, _ bytes: Double, _ a: Double, _ bw: Double) -> Double {
            n > 1 ? 2 * Double(n - 1) * (a + bytes / Double(n) / bw) : 0
        }
        let perLayer = plan.recompute == .full ? 6.0 : 4.0
        tensorSeconds = layersPerStage * m * perLayer * ringAllReduce(plan.tensor, activationBytes, intraA, intraBW)
        let boundary = activationBytes / Double(plan.tensor)
        pipelineSeconds = plan.pipeline > 1 ? 2 * (m + Double(plan.pipeline) - 1) * (interA + boundary / interBW) : 0
        let gradientBytes = 2 * memory.parametersHeld
        var data = ringAllReduce(plan.data, gradientBytes, interA, interBW)
        if plan.zero >= 3 { data += 2 * (data / 2) }
        dataSeconds = data
        if model.experts > 1 && plan.expert > 1 {
            let e = Double(plan.expert)
            let routed = activationBytes * Double(model.topK)
            let allToAll = interA + routed * (e - 1) / e / interBW
            expertSeconds = layersPerStage * m * 4 * allToAll
        } else {
            expertSeconds = 0
        }
        let total = computeSeconds + bubbleSeconds + tensorSeconds + pipelineSeconds + dataSeconds + expertSeconds
        modelFLOPsUtilisation = modelFLOPs / (total * Double(plan.chips) * cluster.peakTFLOPs * 1e12)
        tokensPerSecond = tokens / total
    }
}
