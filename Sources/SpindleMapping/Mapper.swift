import SpindleCore
import SpindleHardware
import SpindleWorkload

/// A way of using the chips: `stages` pipeline stages of consecutive layers, each run by `replicas`
/// groups of chips on their share of the batch, with `microBatches` micro-batches flowing through the
/// pipeline. Each group has `split` chips that share every layer of the stage (tensor splitting: each
/// holds a slice of the output channels; outputs are all-gathered before the next layer, and input
/// gradients reduce-scattered).
public struct Plan: Sendable, Equatable, CustomStringConvertible {
    public var stages: Int
    public var replicas: Int
    public var microBatches: Int
    /// Network layer indices of each stage.
    public var stageLayers: [Range<Int>]
    public var split = 1
    public var description: String {
        let cut = split > 1 ? ", layers split over \(split) chips" : ""
        if stages == 1 { return (replicas == 1 ? (split > 1 ? "one group" : "one chip") : "data-parallel x\(replicas)") + cut }
        let pipe = "pipeline \(stages) stages, \(microBatches) micro-batch\(microBatches == 1 ? "" : "es")"
        return (replicas == 1 ? pipe : "hybrid: \(pipe) x \(replicas) replicas") + cut
    }
    /// Chip running slice `slice` of stage `stage` of replica `replica`.
    public func chip(stage: Int, replica: Int, slice: Int = 0) -> Int { (stage * replicas + replica) * split + slice }
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
        if let k = options.split {
            guard chips % k == 0 else {
                throw SpindleError(
                    .invalidValue, "split \(k) does not divide the \(chips) chips",
                    expected: "one of " + (1...chips).filter { chips % $0 == 0 }.map(String.init).joined(separator: ", "))
            }
        }
        /// (stages, replicas) for groups of `k` chips.
        func shapes(split k: Int) throws(SpindleError) -> [(stages: Int, replicas: Int)] {
            let groups = chips / k
            let divisors = (1...groups).filter { groups % $0 == 0 && $0 <= network.layers.count }
            switch options.strategy {
            case .dataParallel: return [(1, groups)]
            case .pipeline:
                guard groups <= network.layers.count else {
                    throw SpindleError(
                        .invalidValue, "a pipeline over \(groups) chips needs at least \(groups) layers; '\(network.name)' has \(network.layers.count)",
                        hint: "Use strategy data-parallel or hybrid")
                }
                return [(groups, 1)]
            case .hybrid:
                if let s = options.stages {
                    guard groups % s == 0, s <= network.layers.count else {
                        throw SpindleError(
                            .invalidValue, "\(s) stages do not divide \(groups) chip groups (or exceed the \(network.layers.count) layers)",
                            expected: "one of " + divisors.map(String.init).joined(separator: ", "))
                    }
                    return [(s, groups / s)]
                }
                return divisors.map { ($0, groups / $0) }
            case .auto: return divisors.map { ($0, groups / $0) }
            }
        }
        let model = CostModel(topology: topology, options: options)
        var best: (mapping: Mapping, score: Double)?
        var candidates: [Mapping.Candidate] = []
        var firstError: SpindleError?
        // Unsplit plans first; when none fits, the fewest chips per layer that do.
        let splits = options.split.map { [$0] } ?? (1...chips).filter { chips % $0 == 0 }
        for k in splits where best == nil {
            for shape in try shapes(split: k) {
                var plan = makePlan(network, batch: batch, stages: shape.stages, replicas: shape.replicas, topology: topology, compressed: compressed)
                plan.split = k
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
        let k = plan.split
        /// Tags for a ring collective's rounds, unique in the schedule.
        func collectiveTags(_ rounds: Int) -> UInt32 {
            let base = nextTag
            nextTag += UInt32(max(rounds, 1))
            return base
        }
        for stage in 0..<plan.stages {
            let range = plan.stageLayers[stage]
            // Each slice's share of every layer of the stage, and where its tiles hold them.
            var sliced: [[(Int, Layer)]] = []
            var slicedCompression: [[String: CompressedLayer]] = []
            var layouts: [ChipLayout] = []
            for sl in 0..<k {
                var layers: [(Int, Layer)] = []
                var comp: [String: CompressedLayer] = [:]
                for i in range {
                    let (layer, fraction) = try Self.slice(network.layers[i], sl, of: k)
                    layers.append((i, layer))
                    if let c = compressed[layer.name] { comp[layer.name] = fraction == 1 ? c : c.scaled(by: fraction) }
                }
                var layout = ChipLayout(topology: topology)
                layout.place(
                    layers.map { (index: $0.0, layer: $0.1) }, samples: max(1, (replicaSamples.max() ?? 1) / plan.microBatches),
                    compressed: comp, reload: options.crossbarWeights == .reload)
                sliced.append(layers)
                slicedCompression.append(comp)
                layouts.append(layout)
            }
            let hasXbar = topology.tiles.contains { $0.type.crossbar != nil }
            for layout in layouts where hasXbar && !layout.resident && options.crossbarWeights == .resident && layout.crossbarOnly != nil {
                let worst = layout.footprint.indices.max { a, b in
                    layout.footprint[a] - topology.tiles[a].type.crossbars < layout.footprint[b] - topology.tiles[b].type.crossbars
                }!
                let need = layout.footprint.indices.reduce(0) { $0 + max(0, layout.footprint[$1] - topology.tiles[$1].type.crossbars) }
                let have = topology.tiles.reduce(0) { $0 + $1.type.crossbars }
                let what = k > 1 ? "a \(k)-way slice of stage \(stage)" : "stage \(stage)"
                throw SpindleError(
                    .capacity,
                    "\(what) (layers \(network.layers[range.lowerBound].name) to \(network.layers[range.upperBound - 1].name)) does not fit the crossbars of one chip: tile \(worst) needs \(layout.footprint[worst]) crossbars and holds \(topology.tiles[worst].type.crossbars); the chip is short by \(need) crossbars (it has \(have))",
                    hint: "Pipeline over more chips (strategy pipeline or hybrid), split layers over chips (mapping split), use more or larger crossbars, compress the weights, or set crossbar_weights: reload")
            }
            if hasXbar && layouts.contains(where: { !$0.resident }) { resident = false }
            // Gradient all-reduce between the replicas holding the same slice.
            let members = (0..<plan.replicas).filter { replicaSamples[$0] > 0 }
            let exchange: [AllReduce?] = (0..<k).map { sl in
                guard members.count > 1 else { return nil }
                let gradBytes = sliced[sl].reduce(UInt64(0)) { $0 + (UInt64($1.1.parameters) * UInt64(options.gradientBits) + 7) / 8 }
                let group = members.map { plan.chip(stage: stage, replica: $0, slice: sl) }
                var ar = AllReduce(group: group, bytes: gradBytes, tagBase: 0, elementBits: options.gradientBits)
                ar.tagBase = collectiveTags(ar.rounds)
                return ar
            }
            // Replicas of a stage run the same jobs for the same sample counts: build each job list once.
            var jobMemo: [JobKey: [[TileJob]]] = [:]
            func jobs(_ part: Layer, _ i: Int, _ phase: Phase, samples n: Int, accumulate: Bool, slice sl: Int) throws(SpindleError) -> [[TileJob]] {
                let key = JobKey(index: i, phase: phase, samples: n, accumulate: accumulate, slice: sl)
                if let j = jobMemo[key] { return j }
                let j = try builder.jobs(
                    part, index: i, phase: phase, samples: n, accumulate: accumulate, chip: layouts[sl], compressed: slicedCompression[sl][part.name])
                jobMemo[key] = j
                return j
            }
            for replica in 0..<plan.replicas {
                let samples = replicaSamples[replica]
                guard samples > 0 else { continue }
                let micro = (0..<plan.microBatches).map { m in samples / plan.microBatches + (m < samples % plan.microBatches ? 1 : 0) }.filter { $0 > 0 }
                let group = (0..<k).map { plan.chip(stage: stage, replica: replica, slice: $0) }
                var steps = [[LayerStep]](repeating: [], count: k)
                func add(_ sl: Int, _ name: String, _ lbl: Int, _ passes: [[TileJob]]) {
                    for (p, jobs) in passes.enumerated() {
                        steps[sl].append(LayerStep(name: passes.count > 1 ? "\(name)#\(p + 1)" : name, jobs: jobs, label: lbl))
                    }
                    if passes.isEmpty { steps[sl].append(LayerStep(name: name, jobs: [], label: lbl)) }
                }
                /// A ring collective among the group's slices, as a step of its own on each.
                func collective(_ kind: AllReduce.Kind, bytes: UInt64, bits: Int, _ name: String, _ lbl: Int) {
                    guard k > 1 else { return }
                    var ar = AllReduce(group: group, bytes: bytes, tagBase: 0, elementBits: bits, kind: kind)
                    ar.tagBase = collectiveTags(ar.rounds)
                    for sl in 0..<k {
                        var step = LayerStep(name: name, jobs: [], label: lbl)
                        step.allReduce = ar
                        steps[sl].append(step)
                    }
                }
                if !training && options.programWeights && layouts.allSatisfy(\.resident) && hasXbar {
                    for sl in 0..<k {
                        for (i, layer) in sliced[sl] {
                            var job = try jobs(layer, i, .update, samples: 1, accumulate: false, slice: sl)
                            for p in job.indices { for q in job[p].indices { job[p][q].fpMuls = 0; job[p][q].fpAdds = 0; job[p][q].rebuildOps = 0 } }
                            add(sl, "\(layer.name).program", label(layer.name, .program), job)
                        }
                    }
                }
                /// Bytes of layer `i`'s outputs (or their gradients) that slice `sl` holds, for `n` samples.
                func sliceOutput(_ i: Int, _ sl: Int, _ n: Int) throws(SpindleError) -> UInt64 {
                    try Self.slice(network.layers[i], sl, of: k).layer.outputBytesPerSample * UInt64(n)
                }
                // Forward, micro-batch by micro-batch.
                for (m, n) in micro.enumerated() {
                    let first = steps.map(\.count)
                    for position in 0..<range.count {
                        let i = range.lowerBound + position
                        let layer = network.layers[i]
                        // A split layer needs its whole input: gather the previous layer's output slices.
                        if i > 0 {
                            collective(.allGather, bytes: layer.inputBytesPerSample * UInt64(n), bits: layer.activationBits, "\(layer.name).gather", label(layer.name, .forward))
                        }
                        for sl in 0..<k {
                            let (_, part) = sliced[sl][position]
                            add(sl, layer.name, label(layer.name, .forward),
                                try jobs(part, i, .forward, samples: n, accumulate: false, slice: sl))
                        }
                    }
                    for sl in 0..<k {
                        if stage > 0 {
                            let from = plan.chip(stage: stage - 1, replica: replica, slice: sl)
                            steps[sl][first[sl]].receives.append(
                                PackageTransfer(peer: from, bytes: try sliceOutput(range.lowerBound - 1, sl, n), tag: tag([stage, replica, m, 0, sl])))
                        }
                        if stage + 1 < plan.stages {
                            let to = plan.chip(stage: stage + 1, replica: replica, slice: sl)
                            steps[sl][steps[sl].count - 1].sends.append(
                                PackageTransfer(peer: to, bytes: try sliceOutput(range.upperBound - 1, sl, n), tag: tag([stage + 1, replica, m, 0, sl])))
                        }
                    }
                }
                guard training else {
                    for sl in 0..<k { programs[group[sl]] = steps[sl] }
                    continue
                }
                // Backward, micro-batch by micro-batch, layers in reverse.
                for (m, n) in micro.enumerated() {
                    let first = steps.map(\.count)
                    for position in stride(from: range.count - 1, through: 0, by: -1) {
                        let i = range.lowerBound + position
                        let layer = network.layers[i]
                        for sl in 0..<k {
                            let (_, part) = sliced[sl][position]
                            if i > 0 {
                                add(sl, layer.name, label(layer.name, .backwardData),
                                    try jobs(part, i, .backwardData, samples: n, accumulate: false, slice: sl))
                            }
                            add(sl, layer.name, label(layer.name, .backwardWeight),
                                try jobs(part, i, .backwardWeight, samples: n, accumulate: m > 0, slice: sl))
                        }
                        // Each slice's input gradients are partial sums: reduce-scatter them over the slices.
                        if i > 0 {
                            collective(.reduceScatter, bytes: layer.inputBytesPerSample * UInt64(n), bits: layer.activationBits, "\(layer.name).scatter", label(layer.name, .backwardData))
                        }
                    }
                    for sl in 0..<k {
                        if stage + 1 < plan.stages {
                            let from = plan.chip(stage: stage + 1, replica: replica, slice: sl)
                            steps[sl][first[sl]].receives.append(
                                PackageTransfer(peer: from, bytes: try sliceOutput(range.upperBound - 1, sl, n), tag: tag([stage, replica, m, 1, sl])))
                        }
                        if stage > 0 {
                            let to = plan.chip(stage: stage - 1, replica: replica, slice: sl)
                            // This slice's chunk of the first layer's input gradients (the reduce-scatter's share).
                            let whole = network.layers[range.lowerBound].inputBytesPerSample * UInt64(n)
                            let bytes = (whole + UInt64(k) - 1) / UInt64(k)
                            steps[sl][steps[sl].count - 1].sends.append(PackageTransfer(peer: to, bytes: bytes, tag: tag([stage - 1, replica, m, 1, sl])))
                        }
                    }
                }
                // Gradient all-reduce between this stage's replicas, then the updates.
                for sl in 0..<k {
                    if let ar = exchange[sl] {
                        var s = LayerStep(name: "gradients", jobs: [], label: label("stage \(stage) gradients", .exchange))
                        s.allReduce = ar
                        steps[sl].append(s)
                    }
                    for (i, layer) in sliced[sl] where layer.parameters > 0 {
                        add(sl, layer.name, label(layer.name, .update),
                            try jobs(layer, i, .update, samples: 1, accumulate: false, slice: sl))
                    }
                    programs[group[sl]] = steps[sl]
                }
            }
            for (i, layer) in sliced[0] {
                let layout = layouts[0]
                let shares = layout.shares[i]!
                let used = layout.crossbars[i]!
                let c = slicedCompression[0][layer.name]
                let base = topology.tiles.indices.reduce(0) { acc, t in
                    guard shares[t] > 0, let x = topology.tiles[t].type.crossbar else { return acc }
                    let (rows, xc) = ChipLayout.crossbarShape(layer, x, c)
                    return acc + TileType.crossbarTiles(window: rows, filters: shares[t], crossbar: xc)
                }
                let total = used.reduce(0, +)
                let onSD = topology.tiles.contains { $0.type.kind == .smartdeal }
                let whole = network.layers[i]
                rows.append(
                    Mapping.Row(
                        layer: layer.name, stage: stage,
                        chips: (0..<plan.replicas).flatMap { r in (0..<k).map { plan.chip(stage: stage, replica: r, slice: $0) } },
                        tiles: shares.filter { $0 > 0 }.count, crossbars: total, copies: base > 0 ? max(1, total / base) : 1,
                        weightBytes: onSD && c != nil ? (c!.storageBits + 7) / 8 : layer.weightBytes,
                        macs: whole.macsPerSample * UInt64(batch) * (training ? 3 : 1) - (training && i == 0 ? whole.macsPerSample * UInt64(batch) : 0),
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

    /// Slice `s` of `k` of a layer's output channels (depthwise layers: of its channels), and the fraction
    /// of the layer's weights it holds.
    static func slice(_ layer: Layer, _ s: Int, of k: Int) throws(SpindleError) -> (layer: Layer, fraction: Double) {
        guard k > 1 else { return (layer, 1) }
        guard layer.outChannels >= k else {
            throw SpindleError(
                .capacity, "layer '\(layer.name)' has \(layer.outChannels) output channels and cannot be split over \(k) chips",
                hint: "Split over fewer chips, or pipeline over more stages")
        }
        let depthwise = layer.kind == .conv2d && layer.groups > 1 && layer.groups == layer.inChannels
        guard layer.groups == 1 || depthwise || layer.kind == .matmul else {
            throw SpindleError(
                .unsupported, "layer '\(layer.name)' is a grouped convolution (\(layer.groups) groups); only dense and depthwise layers can be split over chips")
        }
        var part = layer
        part.outChannels = layer.outChannels / k + (s < layer.outChannels % k ? 1 : 0)
        if depthwise {
            part.inChannels = part.outChannels
            part.groups = part.outChannels
        }
        return (part, Double(part.outChannels) / Double(layer.outChannels))
    }
}

/// What a tile job list depends on within one pipeline stage (see `Mapper.build`).
struct JobKey: Hashable {
    var index: Int
    var phase: Phase
    var samples: Int
    var accumulate: Bool
    var slice: Int
}
