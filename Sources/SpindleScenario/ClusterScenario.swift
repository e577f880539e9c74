import SpindleCollectives
import SpindleCompression
import SpindleCore
import SpindleParallelism
import SpindleWorkload

/// A scenario on a cluster file: a transformer's training iteration or a collective micro-benchmark.
public struct ClusterScenario: Sendable {
    /// What the scenario runs.
    /// Whether the workload runs chip programs (training, serving), which a timeline can trace.
    public var hasChipPrograms: Bool {
        if case .collective = workload { return false }
        return true
    }

    public enum Workload: Sendable {
        case training(Training)
        case inference(Inference)
        case collective(Collective)
        case chakra(Chakra)
    }

    /// A Chakra trace set replayed on the cluster, rank r on chip r.
    public struct Chakra: Sendable {
        /// The folder the traces were read from.
        public var folder: String
        public var trace: ChakraTraceSet
        public var algorithms: [CommunicatorKind: String]
    }

    /// Serving a batch of prompts with a built-in transformer.
    public struct Inference: Sendable {
        public var model: Transformer
        public var batch: Int
        public var prompt: Int
        public var generate: Int
        public var weights: WeightResidence
        public var tensor: Int
        public var pipeline: Int
        /// Weights compressed in DRAM (measured on sampled weights seeded by `seed`); nil: dense.
        public var compression: CompressionSettings?
        public var seed: UInt64
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
    static let keys = ["name", "description", "cluster", "workload", "parallelism", "collectives", "compression", "seed"]
    static let trainingKeys = ["training", "sequence", "global_batch"]
    static let inferenceKeys = ["inference", "batch", "prompt", "generate", "weights"]
    static let chakraKeys = ["chakra"]
    static let collectiveKeys = [
        "collective", "bytes", "algorithm", "intra", "inter", "chips", "chunks", "active_chunks", "endpoint_delay",
        "local_memory_bandwidth", "packet_size",
    ]
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
        let workloadNode = try root.required("workload")
        let w = try workloadNode.mapping(allowed: Array(Set(trainingKeys + inferenceKeys + collectiveKeys + chakraKeys)).sorted())
        let kinds = ["training", "inference", "collective", "chakra"].filter { w[$0] != nil }
        guard kinds.count == 1 else {
            throw workloadNode.error(
                "the workload must name one of a transformer to train ('training'), one to serve ('inference'), a collective ('collective') or a Chakra trace folder ('chakra')",
                expected: "training: MODEL, inference: MODEL, collective: OPERATION or chakra: FOLDER")
        }
        let allowed = ["training": trainingKeys, "inference": inferenceKeys, "collective": collectiveKeys, "chakra": chakraKeys][kinds[0]]!
        if kinds[0] != "inference" {
            for k in ["compression", "seed"] {
                if let v = root[k] { throw v.error("'\(k)' applies to an inference workload (weights streamed from DRAM)") }
            }
        }
        for k in w.keys where !allowed.contains(k) {
            throw try w.required(k).error("'\(k)' does not belong to a \(kinds[0]) workload", choices: allowed)
        }
        let workload: ClusterScenario.Workload
        switch kinds[0] {
        case "training":
            workload = .training(try training(w.required("training"), w, root, cluster: cluster))
        case "inference":
            workload = .inference(try inference(w.required("inference"), w, root, cluster: cluster))
        case "chakra":
            if let v = root["parallelism"] {
                throw v.error("'parallelism' belongs to a training or inference workload: a trace names its own groups")
            }
            let node = try w.required("chakra")
            let folder = source.resolve(try node.string(), from: path)
            let trace: ChakraTraceSet
            do {
                trace = try ChakraTraceSet.read(folder: folder) { file throws(SpindleError) in
                    try source.bytes(file, what: "Chakra trace file", maxBytes: 1 << 32)
                }
            } catch let e where e.kind == .fileNotFound {
                throw node.error(e.message, hint: "Paths are relative to the scenario file")
            }
            guard trace.ranks <= cluster.spec.chips else {
                throw node.error(
                    "the traces in '\(folder)' have \(trace.ranks) ranks, but '\(cluster.name)' has \(cluster.spec.chips) chips",
                    expected: "a cluster with at least one chip per rank")
            }
            workload = .chakra(ClusterScenario.Chakra(folder: folder, trace: trace, algorithms: try algorithms(root)))
        default:
            for k in ["parallelism", "collectives"] {
                if let v = root[k] { throw v.error("'\(k)' belongs to a training or inference workload", choices: collectiveKeys) }
            }
            workload = .collective(try collective(w.required("collective"), w, cluster: cluster))
        }
        return ClusterScenario(
            name: try root.required("name").name(), file: path, cluster: cluster, workload: workload,
            inputHash: recorder.hash(overrides: overrides.map { "\($0.key)=\($0.value)" }))
    }

    static func inference(_ t: YAMLValue, _ w: YAMLMapping, _ root: YAMLMapping, cluster: ClusterDescription) throws(SpindleError)
        -> ClusterScenario.Inference
    {
        let model = try transformer(t)
        var tensor = 1, pipeline = 1
        if let p = root["parallelism"] {
            let m = try p.mapping(allowed: ["tensor", "pipeline"])
            tensor = try m["tensor"]?.int(in: 1...cluster.spec.chips) ?? 1
            pipeline = try m["pipeline"]?.int(in: 1...cluster.spec.chips) ?? 1
        }
        if let c = root["collectives"] { throw c.error("'collectives' applies to training; serving all-reduces with a ring") }
        let weights = WeightResidence(rawValue: try w["weights"]?.choice(WeightResidence.allCases.map(\.rawValue)) ?? "dram")!
        if weights == .mram && cluster.spec.mramBytes == 0, let at = w["weights"] {
            throw at.error(
                "weights in MRAM, but the chips of '\(cluster.name)' have no MRAM crossbars",
                hint: "Give the cluster's chip mram_capacity, mram_bandwidth and mram_energy_per_bit, or serve from DRAM")
        }
        return ClusterScenario.Inference(
            model: model, batch: try w["batch"]?.int(in: 1...(1 << 20)) ?? 1, prompt: try w["prompt"]?.int(in: 1...(1 << 22)) ?? 1_024,
            generate: try w["generate"]?.int(in: 1...(1 << 20)) ?? 128,
            weights: weights, tensor: tensor, pipeline: pipeline, compression: try compression(root["compression"], weights: weights),
            seed: UInt64(try root["seed"]?.int(in: 0...Int.max) ?? 1))
    }

    static func compression(_ node: YAMLValue?, weights: WeightResidence) throws(SpindleError) -> CompressionSettings? {
        guard let node else { return nil }
        let settings = try ScenarioLoader.loadCompression(node)
        if settings != nil && weights == .mram {
            throw node.error("compressed weights are streamed from DRAM; MRAM crossbars hold dense values", hint: "Use weights: dram")
        }
        return settings
    }

    static func transformer(_ t: YAMLValue) throws(SpindleError) -> Transformer {
        let name = try t.string()
        guard let model = TransformerZoo.model(named: name) else {
            throw t.error(
                "'\(name)' is not a built-in transformer", choices: TransformerZoo.names,
                hint: Spelling.nearest(name, in: TransformerZoo.names).map { "Did you mean '\($0)'?" })
        }
        return model
    }

    static func training(_ t: YAMLValue, _ w: YAMLMapping, _ root: YAMLMapping, cluster: ClusterDescription) throws(SpindleError)
        -> ClusterScenario.Training
    {
        let model = try transformer(t)
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
        let algorithms = try algorithms(root)
        return ClusterScenario.Training(
            model: model, sequence: sequence, globalBatch: globalBatch, plan: plan, schedule: schedule, algorithms: algorithms)
    }

    /// The `collectives:` key: each communicator's algorithm.
    static func algorithms(_ root: YAMLMapping) throws(SpindleError) -> [CommunicatorKind: String] {
        var algorithms: [CommunicatorKind: String] = [.tensor: "ring", .data: "ring", .expert: "direct"]
        if let c = root["collectives"] {
            let m = try c.mapping(allowed: ["tensor", "data"])
            for (key, kind) in [("tensor", CommunicatorKind.tensor), ("data", .data)] {
                if let v = m[key] { algorithms[kind] = try v.choice(CollectiveAlgorithms.names) }
            }
        }
        return algorithms
    }

    static func collective(_ c: YAMLValue, _ w: YAMLMapping, cluster: ClusterDescription) throws(SpindleError) -> ClusterScenario.Collective
    {
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
        options.packetBytes = try w["packet_size"].map { v throws(SpindleError) in Double(try v.bytes(in: 1...(1 << 30))) }
        let intra = try w["intra"]?.choice(CollectiveAlgorithms.names) ?? "ring"
        let inter = try w["inter"]?.choice(CollectiveAlgorithms.names) ?? "ring"
        if algorithm != "hierarchical" {
            for k in ["intra", "inter"] where w[k] != nil {
                throw try w.required(k).error(
                    "'\(k)' is a part of a hierarchical algorithm; this one is \(algorithm)", hint: "Set algorithm: hierarchical")
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
