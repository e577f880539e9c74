import SpindleCollectives
import SpindleCore
import SpindleWorkload

/// What replaying a trace set on a cluster network measured.
public struct ReplayResult: Sendable, Equatable, Codable {
    /// Per rank: when it finished, and its time computing, in collectives of each kind and waiting for
    /// receives (seconds).
    public struct Rank: Sendable, Equatable, Codable {
        public var finishSeconds: Double
        public var computeSeconds: Double
        public var tensorSeconds: Double
        public var dataSeconds: Double
        public var expertSeconds: Double
        public var receiveWaitSeconds: Double
    }
    public var network: String
    public var fidelity = "flow"
    public var ranks: [Rank]
    /// The last rank's finish.
    public var seconds: Double
    /// Process groups of each kind (tensor, data, expert).
    public var groups: [Int]
    /// Bytes carried by the links of each network level, and their energy (pJ).
    public var linkBytesByLevel: [Double]
    public var linkEnergyPJ: Double
    public var flows: Int
    public var steps: Int
    /// The latest time each mark label was reached (seconds), by label.
    public var marks: [String: Double]
}

extension ChakraTraceSet {
    /// Replays the set on `cluster`'s `network`: every rank a chip (rank r on chip r), collectives by
    /// `algorithms` of their kind (all-to-all direct), transfers as flows sharing links max-min fairly, as
    /// training runs do. Compute takes the trace's durations, whatever the cluster's chips.
    public func replay(cluster: ClusterSpec, network: ClusterNetwork, algorithms: [CommunicatorKind: String] = [:]) throws(SpindleError)
        -> ReplayResult
    {
        try replay(cluster: cluster, network: network, algorithms: algorithms, timeline: nil, traced: []).0
    }

    /// Replays the set and records the spans of the ranks in `traced` into `timeline`.
    public func replay(
        cluster: ClusterSpec, network: ClusterNetwork, algorithms: [CommunicatorKind: String] = [:], timeline: Timeline?, traced: [Int]
    ) throws(SpindleError) -> (ReplayResult, Timeline?) {
        guard ranks >= 1 else { throw SpindleError(.invalidValue, "the trace set has no ranks") }
        guard ranks <= network.endpoints else {
            throw SpindleError(
                .capacity, "the trace set has \(ranks) ranks but the network '\(network.name)' has \(network.endpoints) chips",
                expected: "a cluster with at least one chip per rank")
        }
        // The engine runs a simulation's program; here the programs are the trace's own, one per chip, so the
        // model and the one-stage plan only size the engine (every chip one data-parallel rank).
        let plan = ParallelismPlan(tensor: 1, pipeline: 1, data: ranks, microBatchSize: 1, microBatches: 1)
        var spec = cluster
        spec.chips = ranks
        guard let model = TransformerZoo.model(named: "gpt2") else { throw SpindleError(.invalidValue, "no built-in gpt2") }
        var sim = TrainingSimulation(model, sequence: 1, plan: plan, cluster: spec, network: network)
        for (k, v) in algorithms { sim.algorithms[k] = v }
        var program = TrainingProgram(stages: [[]], layers: [0], hardwareFLOPs: [0])
        program.chipPrograms = programs
        program.groups = groups
        var engine = TrainingEngine(sim, program: program, timeline: timeline, traced: traced)
        try engine.simulate()
        let rankResults = (0..<ranks).map { c in
            ReplayResult.Rank(
                finishSeconds: engine.finishAt[c] * 1e-12, computeSeconds: engine.computePs[c] * 1e-12,
                tensorSeconds: engine.communicatorPs[0][c] * 1e-12, dataSeconds: engine.communicatorPs[1][c] * 1e-12,
                expertSeconds: engine.communicatorPs[2][c] * 1e-12, receiveWaitSeconds: engine.pipelinePs[c] * 1e-12)
        }
        let result = ReplayResult(
            network: network.name, ranks: rankResults, seconds: (engine.finishAt.max() ?? 0) * 1e-12, groups: groups.map(\.count),
            linkBytesByLevel: engine.linkBytesByLevel, linkEnergyPJ: engine.linkEnergyPJ, flows: engine.flows, steps: engine.steps,
            marks: Dictionary(uniqueKeysWithValues: engine.marks.map { (String($0.key), $0.value * 1e-12) }))
        return (result, engine.timeline)
    }
}

extension TrainingSimulation {
    /// The iteration as a Chakra trace set: each chip's program, with stage-relative sends and receives
    /// turned into named peers, and the plan's tensor, data and expert groups.
    public func chakraTrace() throws(SpindleError) -> ChakraTraceSet {
        try validate()
        let engine = TrainingEngine(self)
        return ChakraTraceSet(
            programs: engine.chipPrograms(), groups: engine.members, flopsPerPs: cluster.peakTFLOPs * cluster.efficiency)
    }
}

extension InferenceSimulation {
    /// The serving run (prefill and every decode step) as a Chakra trace set: each chip's program with its
    /// peers named, the tensor groups, and a mark per generated token.
    public func chakraTrace() throws(SpindleError) -> ChakraTraceSet {
        try validate()
        let engine = TrainingEngine(carrier, program: InferenceProgram(self).program)
        return ChakraTraceSet(programs: engine.chipPrograms(), groups: engine.members, flopsPerPs: cluster.peakTFLOPs * cluster.efficiency)
    }
}

extension TrainingEngine {
    /// Every chip's ops with its peers named: `send`/`receive` between stages become `sendTo`/`receiveFrom`.
    func chipPrograms() -> [[TrainingOp]] {
        (0..<chips).map { c in
            program.ops(chip: c, perStage: perStage).map { op in
                switch op.kind {
                case .send(let stages, let key, let bytes): TrainingOp(kind: .sendTo(chip: c + perStage * stages, key: key, bytes: bytes))
                case .receive(let stages, let key): TrainingOp(kind: .receiveFrom(chip: c + perStage * stages, key: key))
                default: op
                }
            }
        }
    }
}
