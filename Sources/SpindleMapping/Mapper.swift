import SpindleCore
import SpindleHardware
import SpindleWorkload

/// A way of using the chips: `stages` pipeline stages of consecutive layers, each run by `replicas` chips
/// on their share of the batch, with `microBatches` micro-batches flowing through the pipeline.
public struct Plan: Sendable, Equatable, CustomStringConvertible {
    public var stages: Int
    public var replicas: Int
    public var microBatches: Int
    /// Network layer indices of each stage.
    public var stageLayers: [Range<Int>]
    public var description: String {
        if stages == 1 { return replicas == 1 ? "one chip" : "data-parallel x\(replicas)" }
        let pipe = "pipeline \(stages) stages, \(microBatches) micro-batch\(microBatches == 1 ? "" : "es")"
        return replicas == 1 ? pipe : "hybrid: \(pipe) x \(replicas) replicas"
    }
    /// Chip running stage `stage` of replica `replica`.
    public func chip(stage: Int, replica: Int) -> Int { stage * replicas + replica }
}

/// The mapper's result: the schedule to simulate, the mapping table, and the analytic predictions.
public struct Mapping: Sendable {
    /// One row of the mapping table: a layer and where it runs.
    public struct Row: Sendable, Equatable {
        public var layer: String
        public var stage: Int
        /// Chips running the layer (one per replica).
        public var chips: [Int]
        /// Tiles per chip holding part of the layer.
        public var tiles: Int
        /// Spin-crossbar tiles: crossbars per chip used by the layer, copies included (0 elsewhere).
        public var crossbars: Int
        /// Copies of the layer's crossbar footprint (1 without spare crossbars).
        public var copies: Int
        /// Weights (as stored for computing) per chip.
        public var weightBytes: UInt64
        /// MACs of the whole batch, all phases.
        public var macs: UInt64
        public var predictedPs: Picoseconds
        public var predictedPJ: Double
    }
    /// A plan the mapper considered.
    public struct Candidate: Sendable, Equatable {
        public var plan: String
        public var predictedPs: Picoseconds
        public var predictedPJ: Double
        /// Why the plan cannot run, or nil.
        public var infeasible: String?
    }
    public var schedule: Schedule
    public var plan: Plan
    public var options: MappingOptions
    public var rows: [Row]
    public var candidates: [Candidate]
    public var predictedLatencyPs: Picoseconds
    public var predictedEnergyPJ: Double
    /// Whether spin-crossbar weights stay in place.
    public var crossbarsResident: Bool
    public var notes: [String]
}

/// Places a network on a multi-chip topology: enumerates plans (data-parallel, pipeline, hybrid), builds
/// each plan's schedule (tile jobs per layer and phase, package transfers, gradient all-reduce), ranks the
/// plans with the analytic cost model by the objective, and returns the best.
///
/// Within a chip, each layer's output channels are split over the tiles (on chips of spin-crossbar tiles,
/// in blocks of one crossbar's columns); each tile is served by its nearest DRAM channel; a tile whose data
/// do not fit its buffer runs its job in passes.
public struct Mapper: Sendable {
    public var options: MappingOptions
    public init(options: MappingOptions = MappingOptions()) { self.options = options }

    public func map(
        _ network: Network, batch: Int, on topology: Topology, compressed: [String: CompressedLayer] = [:]
    ) throws(SpindleError) -> Mapping {
        guard batch >= 1 else { throw SpindleError(.invalidValue, "batch must be at least 1 (got \(batch))") }
        guard !topology.tiles.isEmpty else { throw SpindleError(.invalidValue, "topology '\(topology.name)' has no tiles to compute on") }
        guard !topology.dram.isEmpty else { throw SpindleError(.invalidValue, "topology '\(topology.name)' has no DRAM channel") }
        guard !network.layers.isEmpty else { throw SpindleError(.invalidValue, "network '\(network.name)' has no layers") }
        let chips = topology.chips
        var shapes: [(stages: Int, replicas: Int)] = []
        let divisors = (1...chips).filter { chips % $0 == 0 && $0 <= network.layers.count }
        switch options.strategy {
        case .dataParallel: shapes = [(1, chips)]
        case .pipeline:
            guard chips <= network.layers.count else {
                throw SpindleError(
                    .invalidValue, "a pipeline over \(chips) chips needs at least \(chips) layers; '\(network.name)' has \(network.layers.count)",
                    hint: "Use strategy data-parallel or hybrid")
            }
            shapes = [(chips, 1)]
        case .hybrid:
            if let s = options.stages {
                guard chips % s == 0, s <= network.layers.count else {
                    throw SpindleError(
                        .invalidValue, "\(s) stages do not divide \(chips) chips (or exceed the \(network.layers.count) layers)",
                        expected: "one of " + divisors.map(String.init).joined(separator: ", "))
                }
                shapes = [(s, chips / s)]
            } else {
                shapes = divisors.map { ($0, chips / $0) }
            }
        case .auto: shapes = divisors.map { ($0, chips / $0) }
        }
        let model = CostModel(topology: topology, options: options)
        var best: (mapping: Mapping, score: Double)?
        var candidates: [Mapping.Candidate] = []
        var firstError: SpindleError?
        for shape in shapes {
            let plan = makePlan(network, batch: batch, stages: shape.stages, replicas: shape.replicas, topology: topology, compressed: compressed)
            do {
                var m = try build(network, batch: batch, plan: plan, topology: topology, compressed: compressed)
                let cost = model.evaluate(m.schedule)
                m.predictedLatencyPs = cost.latencyPs
                m.predictedEnergyPJ = cost.energyPJ
                for r in m.rows.indices {
                    m.rows[r].predictedPs = cost.byLayerPs[m.rows[r].layer] ?? 0
                    m.rows[r].predictedPJ = cost.byLayerPJ[m.rows[r].layer] ?? 0
                }
                candidates.append(.init(plan: plan.description, predictedPs: cost.latencyPs, predictedPJ: cost.energyPJ, infeasible: nil))
                let score: Double
                switch options.objective {
                case .latency: score = Double(cost.latencyPs) + cost.energyPJ * 1e-12
                case .energy: score = cost.energyPJ + Double(cost.latencyPs) * 1e-12
                case .edp: score = Double(cost.latencyPs) * cost.energyPJ
                }
                if best == nil || score < best!.score { best = (m, score) }
            } catch {
                candidates.append(.init(plan: plan.description, predictedPs: 0, predictedPJ: 0, infeasible: error.message))
                if firstError == nil { firstError = error }
            }
        }
        guard var chosen = best?.mapping else {
            if candidates.count > 1, let e = firstError {
                throw SpindleError(
                    e.kind, "no plan fits '\(network.name)' on '\(topology.name)': " + candidates.map { "\($0.plan): \($0.infeasible ?? "")" }.joined(separator: "; "),
                    hint: e.hint)
            }
            throw firstError!
        }
        chosen.candidates = candidates
        return chosen
    }

    /// Balances stages by each layer's analytic cost on one chip (contiguous layers, minimum largest stage).
    func makePlan(
        _ network: Network, batch: Int, stages: Int, replicas: Int, topology: Topology, compressed: [String: CompressedLayer]
    ) -> Plan {
        let perReplica = (batch + replicas - 1) / replicas
        let micro = stages == 1 ? 1 : max(1, min(perReplica, options.microBatches ?? 2 * stages))
        guard stages > 1 else { return Plan(stages: 1, replicas: replicas, microBatches: 1, stageLayers: [0..<network.layers.count]) }
        // Weight per layer: on chips of crossbars, the weights they must hold; elsewhere MACs plus weight bytes.
        let crossbarOnly = ChipLayout(topology: topology).crossbarOnly != nil
        let cost = network.layers.map {
            crossbarOnly ? Double($0.parameters) + 1 : Double($0.macsPerSample) * Double(max(1, perReplica / micro)) / 256 + Double($0.weightBytes) / 16
        }
        let n = cost.count
        var prefix = [0.0]
        for c in cost { prefix.append(prefix.last! + c) }
        // dp[k][i]: best largest stage for the first i layers in k stages.
        var dp = [[Double]](repeating: [Double](repeating: .infinity, count: n + 1), count: stages + 1)
        var cut = [[Int]](repeating: [Int](repeating: 0, count: n + 1), count: stages + 1)
        dp[0][0] = 0
        for k in 1...stages {
            for i in k...n {
                for j in (k - 1)..<i {
                    let v = max(dp[k - 1][j], prefix[i] - prefix[j])
                    if v < dp[k][i] { dp[k][i] = v; cut[k][i] = j }
                }
            }
        }
        var ranges: [Range<Int>] = []
        var end = n
        for k in stride(from: stages, through: 1, by: -1) {
            let start = cut[k][end]
            ranges.insert(start..<end, at: 0)
            end = start
        }
        return Plan(stages: stages, replicas: replicas, microBatches: micro, stageLayers: ranges)
    }

    /// Builds the schedule of a plan.
    func build(
        _ network: Network, batch: Int, plan: Plan, topology: Topology, compressed: [String: CompressedLayer]
    ) throws(SpindleError) -> Mapping {
        let training = options.mode == .training
        var labels: [StepLabel] = []
        var labelIndex: [StepLabel: Int] = [:]
        func label(_ layer: String, _ phase: Phase) -> Int {
            let l = StepLabel(layer: layer, phase: phase)
            if let i = labelIndex[l] { return i }
            labels.append(l)
            labelIndex[l] = labels.count - 1
            return labels.count - 1
        }
        var programs = [[LayerStep]](repeating: [], count: topology.chips)
        var rows: [Mapping.Row] = []
        var notes: [String] = []
        var resident = true
        var nextTag: UInt32 = 1
        let builder = LayerJobBuilder(options: options)
        // Samples of each replica, and of each micro-batch.
        let replicaSamples = (0..<plan.replicas).map { r in batch / plan.replicas + (r < batch % plan.replicas ? 1 : 0) }
        // Tags of stage-boundary transfers: [stage boundary][replica][micro-batch][direction].
        var tags: [[Int]: UInt32] = [:]
        func tag(_ key: [Int]) -> UInt32 {
            if let t = tags[key] { return t }
            tags[key] = nextTag
            nextTag += 1
            return tags[key]!
        }
        let exchangeBase = UInt32(1 << 24)
        for stage in 0..<plan.stages {
            let range = plan.stageLayers[stage]
            let layers = range.map { ($0, network.layers[$0]) }
            var layout = ChipLayout(topology: topology)
            layout.place(
                layers.map { (index: $0.0, layer: $0.1) }, samples: max(1, (replicaSamples.max() ?? 1) / plan.microBatches),
                compressed: compressed, reload: options.crossbarWeights == .reload)
            let hasXbar = topology.tiles.contains { $0.type.crossbar != nil }
            if hasXbar && !layout.resident && options.crossbarWeights == .resident && layout.crossbarOnly != nil {
                let worst = layout.footprint.indices.max { a, b in
                    layout.footprint[a] - topology.tiles[a].type.crossbars < layout.footprint[b] - topology.tiles[b].type.crossbars
                }!
                let need = layout.footprint.indices.reduce(0) { $0 + max(0, layout.footprint[$1] - topology.tiles[$1].type.crossbars) }
                let have = topology.tiles.reduce(0) { $0 + $1.type.crossbars }
                throw SpindleError(
                    .capacity,
                    "stage \(stage) (layers \(network.layers[range.lowerBound].name) to \(network.layers[range.upperBound - 1].name)) does not fit the crossbars of one chip: tile \(worst) needs \(layout.footprint[worst]) crossbars and holds \(topology.tiles[worst].type.crossbars); the chip is short by \(need) crossbars (it has \(have))",
                    hint: "Pipeline over more chips (strategy pipeline or hybrid), use more or larger crossbars, compress the weights, or set crossbar_weights: reload")
            }
            if hasXbar && !layout.resident { resident = false }
            for replica in 0..<plan.replicas {
                let chip = plan.chip(stage: stage, replica: replica)
                let samples = replicaSamples[replica]
                guard samples > 0 else { continue }
                let micro = (0..<plan.microBatches).map { m in samples / plan.microBatches + (m < samples % plan.microBatches ? 1 : 0) }.filter { $0 > 0 }
                var steps: [LayerStep] = []
                func add(_ name: String, _ lbl: Int, _ passes: [[TileJob]]) {
                    for (p, jobs) in passes.enumerated() {
                        steps.append(LayerStep(name: passes.count > 1 ? "\(name)#\(p + 1)" : name, jobs: jobs, label: lbl))
                    }
                    if passes.isEmpty { steps.append(LayerStep(name: name, jobs: [], label: lbl)) }
                }
                if !training && options.programWeights && layout.resident && hasXbar {
                    for (i, layer) in layers {
                        var job = try builder.jobs(layer, index: i, phase: .update, samples: 1, accumulate: false, chip: layout, compressed: compressed[layer.name])
                        for p in job.indices { for k in job[p].indices { job[p][k].fpMuls = 0; job[p][k].fpAdds = 0; job[p][k].rebuildOps = 0 } }
                        add("\(layer.name).program", label(layer.name, .program), job)
                    }
                }
                // Forward, micro-batch by micro-batch.
                for (m, n) in micro.enumerated() {
                    let first = steps.count
                    for (i, layer) in layers {
                        add(layer.name, label(layer.name, .forward),
                            try builder.jobs(layer, index: i, phase: .forward, samples: n, accumulate: false, chip: layout, compressed: compressed[layer.name]))
                    }
                    let lastLayer = network.layers[range.upperBound - 1]
                    if stage > 0 {
                        let prevLayer = network.layers[range.lowerBound - 1]
                        steps[first].receives.append(
                            PackageTransfer(peer: plan.chip(stage: stage - 1, replica: replica), bytes: prevLayer.outputBytesPerSample * UInt64(n), tag: tag([stage, replica, m, 0])))
                    }
                    if stage + 1 < plan.stages {
                        steps[steps.count - 1].sends.append(
                            PackageTransfer(peer: plan.chip(stage: stage + 1, replica: replica), bytes: lastLayer.outputBytesPerSample * UInt64(n), tag: tag([stage + 1, replica, m, 0])))
                    }
                }
                guard training else { programs[chip] = steps; continue }
                // Backward, micro-batch by micro-batch, layers in reverse.
                for (m, n) in micro.enumerated() {
                    let first = steps.count
                    for (i, layer) in layers.reversed() {
                        if i > 0 {
                            add(layer.name, label(layer.name, .backwardData),
                                try builder.jobs(layer, index: i, phase: .backwardData, samples: n, accumulate: false, chip: layout, compressed: compressed[layer.name]))
                        }
                        add(layer.name, label(layer.name, .backwardWeight),
                            try builder.jobs(layer, index: i, phase: .backwardWeight, samples: n, accumulate: m > 0, chip: layout, compressed: compressed[layer.name]))
                    }
                    if stage + 1 < plan.stages {
                        let lastLayer = network.layers[range.upperBound - 1]
                        steps[first].receives.append(
                            PackageTransfer(peer: plan.chip(stage: stage + 1, replica: replica), bytes: lastLayer.outputBytesPerSample * UInt64(n), tag: tag([stage, replica, m, 1])))
                    }
                    if stage > 0 {
                        let firstLayer = network.layers[range.lowerBound]
                        steps[steps.count - 1].sends.append(
                            PackageTransfer(peer: plan.chip(stage: stage - 1, replica: replica), bytes: firstLayer.inputBytesPerSample * UInt64(n), tag: tag([stage - 1, replica, m, 1])))
                    }
                }
                // Gradient all-reduce between this stage's replicas, then the updates.
                let group = (0..<plan.replicas).filter { replicaSamples[$0] > 0 }.map { plan.chip(stage: stage, replica: $0) }
                if group.count > 1 {
                    let gradBytes = layers.reduce(UInt64(0)) { $0 + (UInt64($1.1.parameters) * UInt64(options.gradientBits) + 7) / 8 }
                    var s = LayerStep(name: "gradients", jobs: [], label: label("stage \(stage) gradients", .exchange))
                    s.allReduce = AllReduce(group: group, bytes: gradBytes, tagBase: exchangeBase + UInt32(stage) * 4096, elementBits: options.gradientBits)
                    steps.append(s)
                }
                for (i, layer) in layers where layer.parameters > 0 {
                    add(layer.name, label(layer.name, .update),
                        try builder.jobs(layer, index: i, phase: .update, samples: 1, accumulate: false, chip: layout, compressed: compressed[layer.name]))
                }
                programs[chip] = steps
            }
            for (i, layer) in layers {
                let shares = layout.shares[i]!
                let used = layout.crossbars[i]!
                let base = topology.tiles.indices.reduce(0) { acc, t in
                    guard shares[t] > 0, let x = topology.tiles[t].type.crossbar else { return acc }
                    let (rows, xc) = ChipLayout.crossbarShape(layer, x, compressed[layer.name])
                    return acc + TileType.crossbarTiles(window: rows, filters: shares[t], crossbar: xc)
                }
                let total = used.reduce(0, +)
                let c = compressed[layer.name]
                let onSD = topology.tiles.contains { $0.type.kind == .smartdeal }
                rows.append(
                    Mapping.Row(
                        layer: layer.name, stage: stage, chips: (0..<plan.replicas).map { plan.chip(stage: stage, replica: $0) },
                        tiles: shares.filter { $0 > 0 }.count, crossbars: total, copies: base > 0 ? max(1, total / base) : 1,
                        weightBytes: onSD && c != nil ? (c!.storageBits + 7) / 8 : layer.weightBytes,
                        macs: layer.macsPerSample * UInt64(batch) * (training ? 3 : 1) - (training && i == 0 ? layer.macsPerSample * UInt64(batch) : 0),
                        predictedPs: 0, predictedPJ: 0))
            }
        }
        guard labels.count <= Schedule.maxLabels else {
            throw SpindleError(.capacity, "the schedule has \(labels.count) step labels; at most \(Schedule.maxLabels) are supported")
        }
        if hasCrossbars(topology) && !resident {
            notes.append(
                "spin-crossbar weights are reloaded (and rewritten) for every layer step"
                    + (ChipLayout(topology: topology).crossbarOnly == nil ? " (chips that mix tile kinds share every layer over all tiles)" : ""))
        }
        return Mapping(
            schedule: Schedule(chips: programs, labels: labels), plan: plan, options: options, rows: rows, candidates: [],
            predictedLatencyPs: 0, predictedEnergyPJ: 0, crossbarsResident: hasCrossbars(topology) && resident, notes: notes)
    }

    private func hasCrossbars(_ t: Topology) -> Bool { t.tiles.contains { $0.type.crossbar != nil } }
}
