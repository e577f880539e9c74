import SpindleCollectives
import SpindleCore
import SpindleParallelism
import SpindleWorkload

/// A scenario on a cluster file: a transformer's training iteration or a collective micro-benchmark.
public struct ClusterScenario: Sendable {
    /// What the scenario runs.
    public enum Workload: Sendable {
        case training(Training)
        case collective(Collective)
    }

    /// One training iteration of a built-in transformer.
    public struct Training: Sendable {
        public var model: Transformer
        public var sequence: Int
        public var globalBatch: Int
        /// The plan; nil: the analytic search's best plan that fits.
        public var plan: ParallelismPlan?
        public var schedule: PipelineSchedule
        public var algorithms: [CommunicatorKind: String]
    }

    /// One collective over the first `chips` chips, with ASTRA-sim's knobs.
    public struct Collective: Sendable {
        public var operation: CollectiveOperation
        public var bytes: Double
        /// A flat algorithm's name, or nil for a hierarchical one.
        public var algorithm: String?
        /// The hierarchical algorithm's parts: inside a node and between nodes.
        public var intra: String
        public var inter: String
        public var chips: Int
        public var options: FlowOptions
    }

    public var name: String
    public var file: String
    public var cluster: ClusterDescription
    public var workload: Workload
    /// SHA-256 of the scenario's and the cluster's text and Spindle's model revision.
    public var inputHash: String
}

/// Loads cluster scenarios (a `cluster:` key instead of `topology:`).
public enum ClusterScenarioLoader {
    static let keys = ["name", "description", "cluster", "workload", "parallelism", "collectives"]
    static let trainingKeys = ["training", "sequence", "global_batch"]
    static let collectiveKeys = ["collective", "bytes", "algorithm", "intra", "inter", "chips", "chunks", "active_chunks", "endpoint_delay",
        "local_memory_bandwidth"]
    static let planKeys = ["tensor", "pipeline", "data", "expert", "micro_batch", "recompute", "zero", "sequence_parallel", "schedule"]

    /// Whether the YAML file at `path` is a cluster scenario (it has a top-level `cluster` key).
    public static func isClusterScenario(_ path: String, source: FileSource = FileSource()) -> Bool {
        guard let root = try? source.load(path).anyMapping() else { return false }
        return root["cluster"] != nil && root["topology"] == nil
    }

    /// Loads the cluster scenario at `path`; `overrides` (`--set parallelism.pipeline=8`) replace its fields.
    public static func load(_ path: String, source: FileSource = FileSource(), overrides: [Override] = []) throws(SpindleError)
        -> ClusterScenario
    {
        var source = source
        let recorder = source.recorder ?? InputRecorder()
        source.recorder = recorder
        for o in overrides where !keys.contains(o.path[0]) || o.path[0] == "cluster" && o.path.count > 1 {
            throw SpindleError(
                .unknownKey, "--set '\(o.key)' is not a field of a cluster scenario", at: o.location, choices: keys,
                hint: Spelling.nearest(o.path[0], in: keys).map { "Did you mean '\($0)'?" } ?? "Edit the cluster file for its fields")
        }
        let root = try source.load(path).overriding(overrides).mapping(allowed: keys, required: ["name", "cluster", "workload"])
        let clusterNode = try root.required("cluster")
        let clusterPath = source.resolve(try clusterNode.string(), from: path)
        guard source.exists(clusterPath) else {
            throw SpindleError(
                .fileNotFound, "the scenario names the cluster '\(try clusterNode.string())', but '\(clusterPath)' does not exist",
                at: clusterNode.location, hint: "Paths are relative to the scenario file")
        }
        let cluster = try ClusterLoader.load(clusterPath, source: source)
        let w = try root.required("workload").mapping(allowed: trainingKeys + collectiveKeys)
        let workload: ClusterScenario.Workload
        switch (w["training"], w["collective"]) {
        case (.some, .some), (nil, nil):
            throw try root.required("workload").error(
                "the workload must name either a transformer to train ('training') or a collective ('collective')",
                expected: "training: MODEL, or collective: OPERATION")
        case (.some(let t), nil):
            for k in collectiveKeys where w[k] != nil {
                throw try w.required(k).error("'\(k)' belongs to a collective workload", choices: trainingKeys)
            }
            workload = .training(try training(t, w, root, cluster: cluster))
        case (nil, .some(let c)):
            for k in trainingKeys + ["parallelism", "collectives"] {
                if let v = w[k] ?? root[k] { throw v.error("'\(k)' belongs to a training workload", choices: collectiveKeys) }
            }
            workload = .collective(try collective(c, w, cluster: cluster))
        }
        return ClusterScenario(
            name: try root.required("name").name(), file: path, cluster: cluster, workload: workload,
            inputHash: recorder.hash(overrides: overrides.map { "\($0.key)=\($0.value)" }))
    }

    static func training(_ t: YAMLValue, _ w: YAMLMapping, _ root: YAMLMapping, cluster: ClusterDescription) throws(SpindleError)
        -> ClusterScenario.Training
    {
        let name = try t.string()
        guard let model = TransformerZoo.model(named: name) else {
            throw t.error(
                "'\(name)' is not a built-in transformer", choices: TransformerZoo.names,
                hint: Spelling.nearest(name, in: TransformerZoo.names).map { "Did you mean '\($0)'?" })
        }
        let sequence = try w["sequence"]?.int(in: 1...(1 << 20)) ?? model.context
        let globalBatch = try w["global_batch"]?.int(in: 1...(1 << 24)) ?? 1
        var schedule = PipelineSchedule.oneFOneB
        var plan: ParallelismPlan?
        if let p = root["parallelism"] {
            if (try? p.string()) == "search" {
                plan = nil
            } else {
                let m = try p.mapping(allowed: planKeys)
                let chips = cluster.spec.chips
                let tensor = try m["tensor"]?.int(in: 1...chips) ?? 1
                let pipeline = try m["pipeline"]?.int(in: 1...chips) ?? 1
                let microBatch = try m["micro_batch"]?.int(in: 1...globalBatch) ?? 1
                let data: Int
                if let d = m["data"] {
                    data = try d.int(in: 1...chips)
                    guard tensor * pipeline * data <= chips else {
                        throw d.error(
                            "tensor \(tensor) x pipeline \(pipeline) x data \(data) is \(tensor * pipeline * data) chips; the cluster has \(chips)",
                            expected: "at most \(chips) chips (the plan uses the first ones)")
                    }
                } else {
                    guard chips % (tensor * pipeline) == 0 else {
                        throw p.error(
                            "tensor \(tensor) x pipeline \(pipeline) does not divide the cluster's \(chips) chips",
                            expected: "tensor x pipeline dividing the chips (the data-parallel degree takes the rest), or 'data' given")
                    }
                    data = chips / (tensor * pipeline)
                }
                guard globalBatch % (data * microBatch) == 0 else {
                    throw p.error(
                        "\(data) data-parallel replicas x micro-batch \(microBatch) do not divide the global batch of \(globalBatch)",
                        expected: "a global batch that is a multiple of replicas x micro-batch")
                }
                var plan_ = ParallelismPlan(
                    tensor: tensor, pipeline: pipeline, data: data, expert: try m["expert"]?.int(in: 1...chips) ?? 1,
                    microBatchSize: microBatch, microBatches: globalBatch / (data * microBatch))
                if let r = m["recompute"] {
                    plan_.recompute = ParallelismPlan.Recompute(rawValue: try r.choice(ParallelismPlan.Recompute.allCases.map(\.rawValue)))!
                }
                plan_.zero = try m["zero"]?.int(in: 0...2) ?? 0
                plan_.sequenceParallel = try m["sequence_parallel"]?.bool() ?? (tensor > 1)
                if let s = m["schedule"] { schedule = PipelineSchedule(rawValue: try s.choice(PipelineSchedule.allCases.map(\.rawValue)))! }
                plan = plan_
            }
        }
        var algorithms: [CommunicatorKind: String] = [.tensor: "ring", .data: "ring", .expert: "direct"]
        if let c = root["collectives"] {
            let m = try c.mapping(allowed: ["tensor", "data"])
            for (key, kind) in [("tensor", CommunicatorKind.tensor), ("data", .data)] {
                if let v = m[key] { algorithms[kind] = try v.choice(CollectiveAlgorithms.names) }
            }
        }
        return ClusterScenario.Training(
            model: model, sequence: sequence, globalBatch: globalBatch, plan: plan, schedule: schedule, algorithms: algorithms)
    }

    static func collective(_ c: YAMLValue, _ w: YAMLMapping, cluster: ClusterDescription) throws(SpindleError) -> ClusterScenario.Collective {
        let operation = CollectiveOperation(rawValue: try c.choice(CollectiveOperation.allCases.map(\.rawValue)))!
        let bytes = Double(try w.required("bytes").bytes(in: 1...(1 << 44)))
        let algorithmNames = CollectiveAlgorithms.names + ["hierarchical"]
        let algorithm = try w["algorithm"]?.choice(algorithmNames) ?? "ring"
        let chips = try w["chips"]?.int(in: 2...cluster.spec.chips) ?? cluster.spec.chips
        var options = FlowOptions()
        options.chunks = try w["chunks"]?.int(in: 1...4_096) ?? 1
        options.activeChunks = try w["active_chunks"]?.int(in: 1...4_096) ?? 1
        options.endpointDelayPs = try w["endpoint_delay"]?.picoseconds(allowZero: true) ?? 0
        options.localMemoryGBPerSecond = try w["local_memory_bandwidth"]?.quantity(.bandwidth)
        let intra = try w["intra"]?.choice(CollectiveAlgorithms.names) ?? "ring"
        let inter = try w["inter"]?.choice(CollectiveAlgorithms.names) ?? "ring"
        if algorithm != "hierarchical" {
            for k in ["intra", "inter"] where w[k] != nil {
                throw try w.required(k).error("'\(k)' is a part of a hierarchical algorithm; this one is \(algorithm)", hint: "Set algorithm: hierarchical")
            }
        } else if chips % cluster.levels[0].size != 0 {
            let at = w["chips"] ?? w["algorithm"] ?? w.owner
            throw at.error(
                "a hierarchical collective over \(chips) chips with \(cluster.levels[0].size) per node",
                expected: "whole nodes: a multiple of \(cluster.levels[0].size) chips")
        }
        return ClusterScenario.Collective(
            operation: operation, bytes: bytes, algorithm: algorithm == "hierarchical" ? nil : algorithm, intra: intra, inter: inter,
            chips: chips, options: options)
    }
}
