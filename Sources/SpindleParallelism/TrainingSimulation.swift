import SpindleCollectives
import SpindleCore
import SpindleWorkload

/// One training iteration of a transformer simulated chip by chip on a flow-level cluster network.
///
/// Every chip runs its stage's program (`TrainingProgram`): compute for FLOPs / (peak x efficiency), blocking
/// collectives over its tensor, data and expert groups, and sends and receives of activations and gradients
/// between pipeline stages. The pipeline bubble, the waits for slow groups and the contention between
/// transfers emerge from the simulation. Ranks are Megatron's: tensor innermost, then data, then pipeline
/// (chip = tensor rank + t x (replica + d x stage)); an expert group is `expert` consecutive replicas.
///
/// The network: a transfer is a flow over its route, flows sharing a link share it max-min fairly
/// (`FlowNetwork`), and a transfer arrives its route's latency after its last byte leaves. A collective
/// starts when its group's last chip reaches it and runs its algorithm's steps as flows. When no other
/// traffic ever crosses a group's links (tensor groups inside a node, usually), its collectives cannot be
/// disturbed, so each size is simulated once (`FlowSimulation`) and its time reused: exact, not an estimate.
/// Deterministic: events are ordered by (time, kind, chip, sequence); one sequential event loop.
public struct TrainingSimulation: Sendable {
    public var model: Transformer
    public var sequence: Int
    public var plan: ParallelismPlan
    public var schedule: PipelineSchedule
    public var cluster: ClusterSpec
    public var network: ClusterNetwork
    /// The algorithm of each communicator's collectives (all-to-all is always direct).
    public var algorithms: [CommunicatorKind: String] = [.tensor: "ring", .data: "ring", .expert: "direct"]
    /// Simulate a plan that does not fit in the chips' memory (its report still says so).
    public var allowOverCapacity = false
    /// Time each collective size of a group whose links carry no other traffic once, and reuse it (exact, and
    /// much faster); when false every collective runs on the shared network.
    public var reuseIsolatedCollectives = true

    public init(
        _ model: Transformer, sequence: Int, plan: ParallelismPlan, schedule: PipelineSchedule = .oneFOneB, cluster: ClusterSpec,
        network: ClusterNetwork? = nil
    ) {
        self.model = model
        self.sequence = sequence
        self.plan = plan
        self.schedule = schedule
        self.cluster = cluster
        self.network = network ?? cluster.network()
    }

    /// Program steps the run executes (its work, before running it).
    public var steps: Double {
        let p = plan.pipeline, perStage = Double(plan.tensor * plan.data)
        let layers = Double((model.layers + p - 1) / p)
        let perLayer = 4.0 + (plan.recompute == .full ? 4 : 0) + (model.experts > 1 && plan.expert > 1 ? 6 : 0)
        return Double(p) * perStage * Double(plan.microBatches) * 2 * (layers * perLayer + 2)
    }

    /// The memory each stage's chips need, by the schedule's peak of micro-batches in flight.
    public func memoryPerStage() -> [(bytes: Double, inFlight: Int, memory: TrainingMemory)] {
        let base = TrainingMemory(model, sequence: sequence, plan: plan)
        let perLayer = TrainingMemory.activationsPerLayer(model, sequence: sequence, plan: plan)
        let p = plan.pipeline
        return (0..<p).map { stage in
            let layers = model.layers / p + (stage < model.layers % p ? 1 : 0)
            let inFlight = schedule.peakInFlight(stage: stage, stages: p, microBatches: plan.microBatches)
            var m = base
            m.activations = Double(layers) * Double(inFlight) * perLayer
            return (m.total, inFlight, m)
        }
    }

    /// Program steps simulated per second (release build, one core of this machine class; 3-5 M measured on
    /// the shipped GPT-3 scenarios), for the estimate before a run.
    public static let stepsPerSecond = 3e6

    /// The most program steps one stage's program may hold (each is a few words of memory).
    public static let maxStepsPerStage = 1 << 25

    /// Checks the plan against the model and the cluster.
    public func validate() throws(SpindleError) {
        let p = plan
        guard p.tensor >= 1, p.pipeline >= 1, p.data >= 1, p.expert >= 1, p.microBatchSize >= 1, p.microBatches >= 1 else {
            throw SpindleError(.invalidValue, "the plan \(p) has a size below 1", expected: "every degree and count 1 or more")
        }
        guard p.chips <= network.endpoints else {
            throw SpindleError(
                .capacity, "the plan \(p) needs \(p.chips) chips; the cluster '\(network.name)' has \(network.endpoints)",
                hint: "Make tensor x pipeline x data at most the cluster's chips")
        }
        guard model.heads % p.tensor == 0, model.kvHeads % p.tensor == 0 || p.tensor % model.kvHeads == 0 else {
            throw SpindleError(
                .invalidValue,
                "tensor parallelism \(p.tensor) does not divide \(model.name)'s \(model.heads) heads (\(model.kvHeads) key/value heads)",
                expected: "a divisor of the heads")
        }
        let perStage = steps / Double(max(1, p.pipeline * p.tensor * p.data))
        guard perStage <= Double(Self.maxStepsPerStage) else {
            throw SpindleError(
                .capacity,
                "\(p) would give each pipeline stage a program of about \(WorkLimit.format(perStage)) steps; at most \(WorkLimit.format(Double(Self.maxStepsPerStage))) fit in memory",
                hint: "Use fewer micro-batches (a smaller global batch or larger micro-batches)")
        }
        guard p.pipeline <= model.layers else {
            throw SpindleError(
                .invalidValue, "\(p.pipeline) pipeline stages for \(model.layers) layers", expected: "at most one stage per layer")
        }
        if p.expert > 1 {
            guard model.experts > 1, model.experts % p.expert == 0, p.data % p.expert == 0 else {
                throw SpindleError(
                    .invalidValue, "expert parallelism \(p.expert) for \(model.name) (\(model.experts) experts) over \(p.data) replicas",
                    expected: "a divisor of both the experts and the data-parallel replicas, and a mixture-of-experts model")
            }
        }
        guard p.zero <= 2 || p.data == 1 else {
            throw SpindleError(
                .unsupported, "ZeRO-3 (weights gathered layer by layer) is not simulated",
                hint: "Use ZeRO-1 or 2 here; `spindle plan` estimates ZeRO-3")
        }
        for name in algorithms.values where !CollectiveAlgorithms.names.contains(name) {
            _ = try CollectiveAlgorithms.named(name)
        }
        if !allowOverCapacity {
            let stages = memoryPerStage()
            if let worst = stages.indices.max(by: { stages[$0].bytes < stages[$1].bytes }), stages[worst].bytes > cluster.memoryBytes {
                let m = stages[worst].memory
                func f(_ x: Double) -> String { Units.formatBytes(UInt64(max(0, x))) }
                throw SpindleError(
                    .capacity,
                    "\(p) does not fit: stage \(worst) needs \(f(m.total)) per chip, \(f(m.total - cluster.memoryBytes)) over the \(f(cluster.memoryBytes)) it has (weights \(f(m.weights)), gradients \(f(m.gradients)), optimizer \(f(m.optimizer)), activations \(f(m.activations)) for \(stages[worst].inFlight) micro-batches in flight)",
                    hint:
                        "Use more pipeline stages or tensor parallelism, recomputation, ZeRO, or smaller micro-batches; `spindle plan` ranks the plans that fit"
                )
            }
        }
    }

    /// Runs the iteration.
    public func run() throws(SpindleError) -> TrainingResult {
        try validate()
        var engine = TrainingEngine(self)
        return try engine.run()
    }

    /// Runs the iteration and records the first `chips` chips' spans (compute, collectives, waits) into
    /// `timeline`, up to its limit.
    public func run(recording timeline: Timeline, chips: Int) throws(SpindleError) -> (TrainingResult, Timeline) {
        try run(recording: timeline, chips: Array(0..<max(chips, 0)))
    }

    /// Runs the iteration and records the spans of the chips in `list` into `timeline`.
    public func run(recording timeline: Timeline, chips list: [Int]) throws(SpindleError) -> (TrainingResult, Timeline) {
        try validate()
        var engine = TrainingEngine(self, timeline: timeline, traced: list)
        let result = try engine.run()
        return (result, engine.timeline ?? timeline)
    }

    /// Up to `count` chips spread over the pipeline stages: the first chips of every stage, stage by stage.
    public func chipsAcrossStages(_ count: Int) -> [Int] {
        let stages = max(plan.pipeline, 1), perStage = max(plan.chips / stages, 1)
        let each = max(1, count / stages)
        var list: [Int] = []
        for s in 0..<stages { for k in 0..<min(each, perStage) where list.count < count { list.append(s * perStage + k) } }
        return list
    }
}

extension ClusterSpec {
    /// The cluster as a two-level network: the chips of a node fully connected, one link per chip to a
    /// switch between nodes.
    public func network() -> ClusterNetwork {
        let perNode = max(1, min(chipsPerNode, chips))
        // `chips` is a multiple of `perNode` for the clusters `spindle plan` builds; a remainder gets its own node.
        let nodes = (chips + perNode - 1) / perNode
        let levels = [
            ClusterLevel(name: "node", size: perNode, kind: .fullyConnected, gbPerSecond: intraGBPerSecond, latencyPs: intraLatencyPs),
            ClusterLevel(name: "cluster", size: nodes, kind: .switch, gbPerSecond: interGBPerSecond, latencyPs: interLatencyPs),
        ]
        do {
            return try ClusterNetwork.hierarchical(name: "\(nodes) nodes x \(perNode)", levels: levels)
        } catch {
            // Both sizes are at least 1 and only the first level is fully connected, so this cannot happen.
            preconditionFailure("a two-level cluster was refused: \(error)")
        }
    }
}
