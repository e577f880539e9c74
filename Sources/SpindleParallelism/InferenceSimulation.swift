import SpindleCollectives
import SpindleCore
import SpindleWorkload

/// Weights stored compressed (SmartDeal, OSC): bits a weight takes in DRAM, and the operations that
/// rebuild one weight from its encoding as it streams in (counted like FLOPs on the chip).
public struct WeightStreamEncoding: Sendable, Equatable, Codable {
    public var method: String
    public var bitsPerWeight: Double
    public var rebuildOperationsPerWeight: Double
    /// ||W - W_hat|| / ||W|| on the sampled weights.
    public var relativeError: Double
    public init(method: String, bitsPerWeight: Double, rebuildOperationsPerWeight: Double, relativeError: Double) {
        self.method = method
        self.bitsPerWeight = bitsPerWeight
        self.rebuildOperationsPerWeight = rebuildOperationsPerWeight
        self.relativeError = relativeError
    }
}

/// Where a served model's weights live.
public enum WeightResidence: String, Sendable, Hashable, Codable, CaseIterable {
    /// In the chip's DRAM (HBM): every forward step streams the weights it uses through the memory bus.
    case dram
    /// Written once into the chip's MRAM crossbars (non-volatile), which multiply by them in place: no weight
    /// traffic, the crossbars' rate and energy per weight bit instead.
    case mram
}

/// Serving a batch of sequences: one prefill pass over the prompts, then one decode step per generated token,
/// simulated chip by chip on the flow-level cluster network like a training iteration (`TrainingSimulation`).
///
/// Per layer and step (t tensor ranks; T tokens in the step: batch x prompt in prefill, batch in decode;
/// c the context), a chip runs 2T x (the layer's active parameters) / t FLOPs of products and 4 x batch x
/// (prompt² in prefill, c in decode) x hidden / t of attention; it reads the key/value cache (batch x c x 2
/// x key/value width x 2 bytes / t) and writes the step's keys and values. With weights in DRAM the step
/// also reads the layer's weights (the experts the batch's tokens visit, at most all of them), and takes
/// max(FLOPs / (peak x efficiency), bytes / memory bandwidth). With weights in MRAM the products run in the
/// crossbars: max(T x weight bytes / crossbar rate, attention FLOPs / (peak x efficiency), cache bytes /
/// memory bandwidth). Each layer ends in two all-reduces of T x hidden x 2 bytes over the tensor group;
/// stages hand on T x hidden x 2 / t bytes, and the last stage sends each new token (4 bytes a sequence)
/// back to the first. The logits are computed for the last position only. Energy: weight and cache bytes
/// at the memory's (or the crossbars') energy per bit, and the links'; the chips' arithmetic is not priced.
public struct InferenceSimulation: Sendable {
    public var model: Transformer
    public var tensor: Int
    public var pipeline: Int
    public var batch: Int
    public var prompt: Int
    public var generate: Int
    public var weights: WeightResidence
    public var cluster: ClusterSpec
    public var network: ClusterNetwork
    public var algorithm = "ring"
    /// Compressed weights (SmartDeal, OSC) streamed from DRAM: what they cost instead of dense values.
    public var encoding: WeightStreamEncoding?

    public init(
        _ model: Transformer, tensor: Int, pipeline: Int, batch: Int, prompt: Int, generate: Int, weights: WeightResidence,
        cluster: ClusterSpec, network: ClusterNetwork? = nil
    ) {
        self.model = model
        self.tensor = tensor
        self.pipeline = pipeline
        self.batch = batch
        self.prompt = prompt
        self.generate = generate
        self.weights = weights
        self.cluster = cluster
        self.network = network ?? cluster.network()
    }

    /// Program steps the run executes (its work, before running it).
    public var steps: Double {
        let layers = Double((model.layers + pipeline - 1) / pipeline)
        return Double(generate) * (layers * 4 + 4) * Double(tensor * pipeline)
    }

    var plan: ParallelismPlan { ParallelismPlan(tensor: tensor, pipeline: pipeline, data: 1, microBatchSize: batch, microBatches: 1) }

    /// Bits a weight takes where it is stored: the model's, or its compressed encoding's.
    var bitsPerWeight: Double { encoding?.bitsPerWeight ?? Double(model.bits) }

    /// Weight bytes one chip holds (the largest stage's layers, and the output head on the last stage).
    public var weightBytesPerChip: Double {
        let layers = Double((model.layers + pipeline - 1) / pipeline)
        let head = Double(model.hidden * model.vocabulary)
        // The output head stays dense.
        return (layers * layerParameters(experts: model.experts) * bitsPerWeight + head * Double(model.bits)) / 8 / Double(tensor)
    }

    /// Key/value cache bytes one chip holds at the end (the largest stage's layers).
    public var cacheBytesPerChip: Double {
        let layers = Double((model.layers + pipeline - 1) / pipeline)
        return layers * Double(batch * (prompt + generate)) * 2 * Double(model.kvWidth) * Double(model.bits) / 8 / Double(tensor)
    }

    func layerParameters(experts: Int) -> Double {
        let h = Double(model.hidden)
        let attention = 2 * h * h + 2 * h * Double(model.kvWidth)
        let mlp = Double(experts * (model.gated ? 3 : 2)) * h * Double(model.ffn)
        return attention + mlp + (model.experts > 1 ? h * Double(model.experts) : 0)
    }

    /// Checks the request against the model and the chips' memory.
    public func validate() throws(SpindleError) {
        guard tensor >= 1, pipeline >= 1, batch >= 1, prompt >= 1, generate >= 1 else {
            throw SpindleError(.invalidValue, "tensor, pipeline, batch, prompt and generated tokens must be 1 or more")
        }
        guard tensor * pipeline <= network.endpoints else {
            throw SpindleError(
                .capacity,
                "tensor \(tensor) x pipeline \(pipeline) needs \(tensor * pipeline) chips; '\(network.name)' has \(network.endpoints)")
        }
        guard steps / Double(tensor * pipeline) <= Double(TrainingSimulation.maxStepsPerStage) else {
            throw SpindleError(
                .capacity,
                "\(generate) generated tokens over \(model.layers) layers make a program of about \(WorkLimit.format(steps / Double(tensor * pipeline))) steps per stage; at most \(WorkLimit.format(Double(TrainingSimulation.maxStepsPerStage))) fit in memory",
                hint: "Generate fewer tokens, or use more pipeline stages")
        }
        guard model.heads % tensor == 0, pipeline <= model.layers else {
            throw SpindleError(
                .invalidValue, "tensor \(tensor) and pipeline \(pipeline) for \(model.name) (\(model.heads) heads, \(model.layers) layers)",
                expected: "a tensor degree dividing the heads and at most one stage per layer")
        }
        func f(_ x: Double) -> String { Units.formatBytes(UInt64(max(0, x))) }
        if let e = encoding {
            guard weights == .dram else {
                throw SpindleError(
                    .unsupported, "compressed weights (\(e.method)) are streamed from DRAM; MRAM crossbars hold dense values",
                    hint: "Serve from DRAM to compress, or drop the compression")
            }
            guard e.bitsPerWeight > 0, e.bitsPerWeight.isFinite, e.rebuildOperationsPerWeight >= 0 else {
                throw SpindleError(.invalidValue, "a weight encoding of \(e.bitsPerWeight) bits a weight")
            }
        }
        switch weights {
        case .dram:
            let need = weightBytesPerChip + cacheBytesPerChip
            guard need <= cluster.memoryBytes else {
                throw SpindleError(
                    .capacity,
                    "\(model.name) with \(batch) x \(prompt + generate) tokens of cache needs \(f(need)) per chip (weights \(f(weightBytesPerChip)), cache \(f(cacheBytesPerChip))), \(f(need - cluster.memoryBytes)) over the \(f(cluster.memoryBytes)) it has",
                    hint: "Use more tensor or pipeline parallelism, or a smaller batch or context")
            }
        case .mram:
            guard cluster.mramBytes > 0 else {
                throw SpindleError(
                    .invalidValue, "weights in MRAM, but the cluster's chips have no MRAM crossbars",
                    hint: "Give the chip mram_capacity, mram_bandwidth and mram_energy_per_bit, or serve from DRAM")
            }
            guard weightBytesPerChip <= cluster.mramBytes else {
                throw SpindleError(
                    .capacity,
                    "\(model.name)'s weights need \(f(weightBytesPerChip)) of MRAM per chip, \(f(weightBytesPerChip - cluster.mramBytes)) over the \(f(cluster.mramBytes)) it has",
                    hint: "Spread the weights over more chips (tensor or pipeline parallelism)")
            }
            guard cacheBytesPerChip <= cluster.memoryBytes else {
                throw SpindleError(
                    .capacity,
                    "the key/value cache needs \(f(cacheBytesPerChip)) per chip, \(f(cacheBytesPerChip - cluster.memoryBytes)) over the \(f(cluster.memoryBytes)) of DRAM",
                    hint: "Use a smaller batch or context, or more chips")
            }
        }
        _ = try CollectiveAlgorithms.named(algorithm)
    }

    /// The simulation the engine runs the serving programs under (the network, the tensor algorithm).
    var carrier: TrainingSimulation {
        var carrier = TrainingSimulation(model, sequence: prompt, plan: plan, cluster: cluster, network: network)
        carrier.algorithms[.tensor] = algorithm
        return carrier
    }

    /// Runs the prefill and every decode step.
    public func run() throws(SpindleError) -> InferenceResult { try run(recording: nil, chips: 0).0 }

    /// Runs the prefill and every decode step, recording the first `chips` chips' spans into `timeline`
    /// when one is given.
    public func run(recording timeline: Timeline?, chips traced: Int) throws(SpindleError) -> (InferenceResult, Timeline?) {
        try validate()
        var program = InferenceProgram(self)
        var engine = TrainingEngine(carrier, program: program.program, timeline: timeline, tracedChips: traced)
        try engine.simulate()
        program.energy.links = engine.linkEnergyPJ
        let first = (engine.marks[0] ?? 0) * 1e-12
        let end = (engine.marks[generate - 1] ?? 0) * 1e-12
        let chips = Double(tensor * pipeline)
        func mean(_ a: [Double]) -> Double { a.reduce(0, +) / chips * 1e-12 }
        var result = InferenceResult(
            model: model.name, tensor: tensor, pipeline: pipeline, batch: batch, prompt: prompt, generate: generate, weights: weights,
            network: network.name, timeToFirstTokenSeconds: first,
            timePerOutputTokenSeconds: generate > 1 ? (end - first) / Double(generate - 1) : 0, totalSeconds: end,
            tokensPerSecond: end > 0 ? Double(batch * generate) / end : 0, weightBytesPerChip: weightBytesPerChip,
            cacheBytesPerChip: cacheBytesPerChip, cacheBytesPerToken: Double(model.kvCacheBytesPerToken),
            computeSeconds: mean(engine.computePs), tensorSeconds: mean(engine.communicatorPs[0]), waitSeconds: mean(engine.pipelinePs),
            memoryBoundSteps: program.memoryBound, steps: program.steps, energy: program.energy, encoding: encoding)
        result.bitsDense = model.bits
        return (result, engine.timeline)
    }
}

/// The per-stage programs of a serving run, with what they move and where.
struct InferenceProgram {
    var program: TrainingProgram
    var energy = InferenceResult.Energy()
    var memoryBound = 0
    var steps = 0

    init(_ s: InferenceSimulation) {
        let m = s.model, t = Double(s.tensor), p = s.pipeline, c = s.cluster
        let h = Double(m.hidden), kv = Double(m.kvWidth), bytesPerValue = Double(m.bits) / 8
        let weightBytesPerValue = s.bitsPerWeight / 8
        let rebuildPerWeight = s.encoding?.rebuildOperationsPerWeight ?? 0
        let rate = c.peakTFLOPs * c.efficiency  // FLOP/ps
        let memoryRate = c.memoryGBPerSecond * 1e-3, mramRate = c.mramGBPerSecond * 1e-3  // bytes/ps
        let layersOf = (0..<p).map { m.layers / p + ($0 < m.layers % p ? 1 : 0) }
        let activeParameters = {
            let attention = 2 * h * h + 2 * h * kv
            return attention + Double(m.topK * (m.gated ? 3 : 2)) * h * Double(m.ffn) + (m.experts > 1 ? h * Double(m.experts) : 0)
        }()
        var stages = [[TrainingOp]](repeating: [], count: p)
        var energy = InferenceResult.Energy()
        var memoryBound = 0
        let perStage = Double(s.tensor)
        for step in 0..<s.generate {
            let prefill = step == 0
            let tokens = Double(s.batch * (prefill ? s.prompt : 1))
            let context = Double(s.prompt + step)
            let expertsTouched = min(m.experts, s.batch * (prefill ? s.prompt : 1) * m.topK)
            let weightsUsed = s.layerParameters(experts: m.experts > 1 ? expertsTouched : 1) / t
            let weightBytes = weightsUsed * (s.weights == .dram ? weightBytesPerValue : bytesPerValue)
            // Compressed weights are rebuilt once per step as they stream in.
            let rebuildFLOPs = weightsUsed * rebuildPerWeight
            let attentionFLOPs = 4 * Double(s.batch) * (prefill ? context * context : context) * h / t
            let productFLOPs = 2 * tokens * activeParameters / t
            let cacheBytes = ((prefill ? 0 : Double(s.batch) * context) + tokens) * 2 * kv * bytesPerValue / t
            let layerPs: Double
            switch s.weights {
            case .dram:
                let compute = (productFLOPs + attentionFLOPs + rebuildFLOPs) / rate, memory = (weightBytes + cacheBytes) / memoryRate
                layerPs = max(compute, memory)
                if memory > compute { memoryBound += 1 }
            case .mram:
                let crossbar = tokens * weightBytes / mramRate
                layerPs = max(crossbar, attentionFLOPs / rate, cacheBytes / memoryRate)
            }
            let headBytes = h * Double(m.vocabulary) * bytesPerValue / t  // the output head stays dense
            let headFLOPs = 2 * Double(s.batch) * h * Double(m.vocabulary) / t
            let headPs: Double
            switch s.weights {
            case .dram: headPs = max(headFLOPs / rate, headBytes / memoryRate)
            case .mram: headPs = Double(s.batch) * headBytes / mramRate
            }
            let activation = tokens * h * 2
            for stage in 0..<p {
                var ops: [TrainingOp] = []
                if stage > 0 { ops.append(TrainingOp(kind: .receive(stages: -1, key: 2 * step))) }
                if stage == 0 && step > 0 && p > 1 { ops.append(TrainingOp(kind: .receive(stages: p - 1, key: 2 * (step - 1) + 1))) }
                for _ in 0..<layersOf[stage] {
                    // The layer as two halves, each ending in its all-reduce.
                    for _ in 0..<2 {
                        ops.append(TrainingOp(kind: .compute(picoseconds: layerPs / 2, recompute: false)))
                        if s.tensor > 1 { ops.append(TrainingOp(kind: .collective(.tensor, .allReduce, bytes: activation))) }
                    }
                }
                let layers = Double(layersOf[stage])
                switch s.weights {
                case .dram:
                    energy.weightsPJ += layers * weightBytes * 8 * c.memoryPicojoulesPerBit * perStage
                case .mram:
                    energy.weightsPJ += layers * tokens * weightBytes * 8 * c.mramPicojoulesPerBit * perStage
                }
                energy.cachePJ += layers * cacheBytes * 8 * c.memoryPicojoulesPerBit * perStage
                if stage == p - 1 {
                    ops.append(TrainingOp(kind: .compute(picoseconds: headPs, recompute: false)))
                    energy.weightsPJ +=
                        headBytes * 8 * perStage
                        * (s.weights == .dram ? c.memoryPicojoulesPerBit : Double(s.batch) * c.mramPicojoulesPerBit)
                    ops.append(TrainingOp(kind: .mark(step)))
                    if p > 1 && step < s.generate - 1 {
                        ops.append(TrainingOp(kind: .send(stages: -(p - 1), key: 2 * step + 1, bytes: Double(s.batch) * 4)))
                    }
                } else {
                    ops.append(TrainingOp(kind: .send(stages: 1, key: 2 * step, bytes: activation / t)))
                }
                stages[stage] += ops
            }
        }
        program = TrainingProgram(
            stages: stages, layers: layersOf, hardwareFLOPs: Array(repeating: 0, count: p))
        self.energy = energy
        self.memoryBound = memoryBound
        steps = s.generate
    }
}
