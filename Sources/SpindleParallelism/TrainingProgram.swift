import SpindleCollectives
import SpindleCore
import SpindleWorkload

/// The groups a chip's collectives run over.
public enum CommunicatorKind: Int, Sendable, CaseIterable, Codable {
    /// The chips of one tensor-parallel group (Megatron's column/row splits).
    case tensor
    /// The replicas of one chip's shard (gradients, ZeRO).
    case data
    /// The chips whose experts one chip's tokens visit.
    case expert

    public var name: String { ["tensor", "data", "expert"][rawValue] }
}

/// What one chip does, in order, for one training iteration: the same list for every chip of a pipeline
/// stage (its peers follow from its position).
struct TrainingOp: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// Busy for `picoseconds`; `recompute` marks the forward work a backward pass redoes.
        case compute(picoseconds: Double, recompute: Bool)
        /// A collective over the chip's group of `communicator`, of `bytes` per chip.
        case collective(CommunicatorKind, CollectiveOperation, bytes: Double)
        /// `bytes` to the same position `stages` stages on (negative: back), labelled `key`.
        case send(stages: Int, key: Int, bytes: Double)
        /// Waits for the `send` labelled `key` from the chip `stages` stages on (negative: back).
        case receive(stages: Int, key: Int)
        /// `bytes` to chip `chip`, labelled `key` (programs replayed from a trace, which name their peers).
        case sendTo(chip: Int, key: Int, bytes: Double)
        /// Waits for the `sendTo` labelled `key` from chip `chip`.
        case receiveFrom(chip: Int, key: Int)
        /// Records the time it is reached under `label` (the latest over the chips that reach it).
        case mark(Int)
    }
    var kind: Kind
}

/// How a transformer's training iteration is cut into per-stage programs.
///
/// Per layer and micro-batch (b sequences of s tokens, hidden h, key/value width k, MLP width f, t tensor
/// ranks): the attention part's forward is 2sbh(2h + 2k) + 4s²bh FLOPs, the MLP's 2sbhf x (3 gated, 2
/// otherwise) x top-k (+ 2sbh x experts for the router), each divided by t, each followed by an all-reduce
/// of the sbh x 2-byte activations (an all-gather and a reduce-scatter under sequence parallelism); the
/// backward pass is twice the forward's FLOPs with two all-reduces, plus the forward again (and its two
/// all-reduces) under full recomputation, or the 4s²bh of the scores under selective. A mixture of experts
/// adds an all-to-all of the routed tokens (sbh x 2 x top-k / t bytes) before and after its experts, each
/// way. The last stage adds the logits (2sbhV / t forward). Stages hand on the sbh x 2 / t bytes of their
/// tensor rank's slice of the activations (Megatron's scatter optimisation, without its all-gather). After
/// its last backward each stage all-reduces its 2-byte gradients over the data-parallel replicas (ZeRO-1
/// and 2: a reduce-scatter, then an all-gather of the updated weights).
struct TrainingProgram: Sendable {
    /// A program built elsewhere (inference).
    init(stages: [[TrainingOp]], layers: [Int], hardwareFLOPs: [Double]) {
        self.stages = stages
        self.layers = layers
        self.hardwareFLOPs = hardwareFLOPs
    }

    /// The ops of each stage.
    var stages: [[TrainingOp]]
    /// Each chip's own ops, for programs replayed from a trace; nil: every chip runs its stage's.
    var chipPrograms: [[TrainingOp]]? = nil
    /// Each communicator kind's groups (lists of chips, each chip in at most one group of a kind), for
    /// programs replayed from a trace; nil: the plan's groups.
    var groups: [[[Int]]]? = nil

    /// The ops chip `c` runs, when its stage's chips number `perStage`.
    func ops(chip c: Int, perStage: Int) -> [TrainingOp] { chipPrograms?[c] ?? stages[c / perStage] }
    /// Layers on each stage.
    var layers: [Int]
    /// FLOPs one chip of each stage runs in the iteration, recomputation included.
    var hardwareFLOPs: [Double]

    init(_ model: Transformer, sequence: Int, plan: ParallelismPlan, schedule: PipelineSchedule, flopsPerPs: Double, gradientBytes: Double)
    {
        let p = plan.pipeline, t = Double(plan.tensor)
        let s = Double(sequence), b = Double(plan.microBatchSize), h = Double(model.hidden)
        let sbh = s * b * h
        let attentionFLOPs = (2 * sbh * (2 * h + 2 * Double(model.kvWidth)) + 4 * s * sbh) / t
        let scoresFLOPs = 4 * s * sbh / t
        var mlpFLOPs = 2 * sbh * Double(model.ffn) * Double(model.gated ? 3 : 2) * Double(model.topK)
        if model.experts > 1 { mlpFLOPs += 2 * sbh * Double(model.experts) }
        mlpFLOPs /= t
        let logitsFLOPs = 2 * sbh * Double(model.vocabulary) / t
        let activationBytes = sbh * 2
        let boundaryBytes = activationBytes / t
        let moe = model.experts > 1 && plan.expert > 1
        let routedBytes = activationBytes * Double(model.topK) / t
        let sp = plan.sequenceParallel && plan.tensor > 1

        layers = (0..<p).map { model.layers / p + ($0 < model.layers % p ? 1 : 0) }
        var stages: [[TrainingOp]] = []
        var hardwareFLOPs: [Double] = []
        func ps(_ flops: Double) -> Double { flops / flopsPerPs }
        for stage in 0..<p {
            var ops: [TrainingOp] = []
            var hardwareWork = 0.0
            let last = stage == p - 1
            func tensorReduce(_ into: inout [TrainingOp]) {
                guard plan.tensor > 1 else { return }
                if sp {
                    into.append(TrainingOp(kind: .collective(.tensor, .reduceScatter, bytes: activationBytes)))
                    into.append(TrainingOp(kind: .collective(.tensor, .allGather, bytes: activationBytes)))
                } else {
                    into.append(TrainingOp(kind: .collective(.tensor, .allReduce, bytes: activationBytes)))
                }
            }
            func compute(_ into: inout [TrainingOp], _ flops: Double, recompute: Bool = false) {
                into.append(TrainingOp(kind: .compute(picoseconds: ps(flops), recompute: recompute)))
            }
            // One forward pass of the stage's layers (the ops are the same for every micro-batch).
            var forward: [TrainingOp] = []
            for _ in 0..<layers[stage] {
                compute(&forward, attentionFLOPs)
                tensorReduce(&forward)
                if moe { forward.append(TrainingOp(kind: .collective(.expert, .allToAll, bytes: routedBytes))) }
                compute(&forward, mlpFLOPs)
                if moe { forward.append(TrainingOp(kind: .collective(.expert, .allToAll, bytes: routedBytes))) }
                tensorReduce(&forward)
            }
            if last { compute(&forward, logitsFLOPs) }
            let forwardFLOPs = Double(layers[stage]) * (attentionFLOPs + mlpFLOPs) + (last ? logitsFLOPs : 0)
            var backward: [TrainingOp] = []
            if last { compute(&backward, 2 * logitsFLOPs) }
            for _ in 0..<layers[stage] {
                switch plan.recompute {
                case .full:
                    // The layer's forward again, from its kept input.
                    compute(&backward, attentionFLOPs, recompute: true)
                    tensorReduce(&backward)
                    if moe { backward.append(TrainingOp(kind: .collective(.expert, .allToAll, bytes: routedBytes))) }
                    compute(&backward, mlpFLOPs, recompute: true)
                    if moe { backward.append(TrainingOp(kind: .collective(.expert, .allToAll, bytes: routedBytes))) }
                    tensorReduce(&backward)
                case .selective: compute(&backward, scoresFLOPs, recompute: true)
                case .none: break
                }
                if moe { backward.append(TrainingOp(kind: .collective(.expert, .allToAll, bytes: routedBytes))) }
                compute(&backward, 2 * mlpFLOPs)
                if moe { backward.append(TrainingOp(kind: .collective(.expert, .allToAll, bytes: routedBytes))) }
                tensorReduce(&backward)
                compute(&backward, 2 * attentionFLOPs)
                tensorReduce(&backward)
            }
            let recomputeFLOPs: Double
            switch plan.recompute {
            case .full: recomputeFLOPs = Double(layers[stage]) * (attentionFLOPs + mlpFLOPs)
            case .selective: recomputeFLOPs = Double(layers[stage]) * scoresFLOPs
            case .none: recomputeFLOPs = 0
            }
            for pass in schedule.order(stage: stage, stages: p, microBatches: plan.microBatches) {
                let mb = pass.microBatch
                if pass.forward {
                    if stage > 0 { ops.append(TrainingOp(kind: .receive(stages: -1, key: 2 * mb))) }
                    ops += forward
                    if !last { ops.append(TrainingOp(kind: .send(stages: 1, key: 2 * mb, bytes: boundaryBytes))) }
                    hardwareWork += forwardFLOPs
                } else {
                    if !last { ops.append(TrainingOp(kind: .receive(stages: 1, key: 2 * mb + 1))) }
                    ops += backward
                    if stage > 0 { ops.append(TrainingOp(kind: .send(stages: -1, key: 2 * mb + 1, bytes: boundaryBytes))) }
                    hardwareWork += 2 * forwardFLOPs + recomputeFLOPs
                }
            }
            if plan.data > 1 {
                if plan.zero >= 1 {
                    ops.append(TrainingOp(kind: .collective(.data, .reduceScatter, bytes: gradientBytes)))
                    ops.append(TrainingOp(kind: .collective(.data, .allGather, bytes: gradientBytes)))
                } else {
                    ops.append(TrainingOp(kind: .collective(.data, .allReduce, bytes: gradientBytes)))
                }
            }
            stages.append(ops)
            hardwareFLOPs.append(hardwareWork)
        }
        self.stages = stages
        self.hardwareFLOPs = hardwareFLOPs
    }
}
