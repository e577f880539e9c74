import SpindleCore
import SpindleHardware
import SpindleWorkload

/// Builds the schedule of one plan: for each stage, the layers' slices and their placement on a chip's
/// tiles; for each replica, its program (weights written once, forward and backward micro-batch by
/// micro-batch with the stage-boundary transfers, then the gradient exchange and the updates); and the
/// mapping table.
struct ScheduleBuilder {
    let network: Network
    let batch: Int
    let plan: Plan
    let topology: Topology
    let options: MappingOptions

    private var labels = StepLabels()
    private var tags = TagAllocator()
    private var programs: [[LayerStep]]
    private var rows: [Mapping.Row] = []
    private var resident = true
    private let jobBuilder: LayerJobBuilder
    /// Samples of each replica.
    private let replicaSamples: [Int]
    private var training: Bool { options.mode == .training }
    private var hasCrossbars: Bool { topology.tiles.contains { $0.type.crossbar != nil } }

    init(network: Network, batch: Int, plan: Plan, topology: Topology, options: MappingOptions, loopNestMemo: LoopNestMemo = LoopNestMemo())
    {
        self.network = network
        self.batch = batch
        self.plan = plan
        self.topology = topology
        self.options = options
        programs = Array(repeating: [], count: topology.chips)
        jobBuilder = LayerJobBuilder(options: options, memo: loopNestMemo)
        replicaSamples = (0..<plan.replicas).map { r in batch / plan.replicas + (r < batch % plan.replicas ? 1 : 0) }
    }

    /// One stage as every chip of it sees it: each slice's share of the stage's layers, where its tiles
    /// hold them, and the job lists already built (replicas run the same jobs for the same sample counts).
    private struct Stage {
        let index: Int
        let range: Range<Int>
        /// `sliced[slice]`: (network index, the slice's part of the layer) for each layer of the stage.
        let sliced: [[(index: Int, layer: Layer)]]
        let compression: [[String: WeightEncoding]]
        let layouts: [ChipLayout]
        var jobMemo: [JobKey: [[TileJob]]] = [:]
    }

    /// What a tile job list depends on within one stage.
    private struct JobKey: Hashable {
        var index: Int
        var phase: Phase
        var samples: Int
        var accumulate: Bool
        var slice: Int
    }

    /// The steps of one replica of a stage, per slice, as they are built.
    private struct ReplicaProgram {
        let replica: Int
        /// Chip of each slice.
        let group: [Int]
        var steps: [[LayerStep]]
    }

    /// Builds the schedule and the mapping table (predictions are filled in by the caller).
    mutating func build() throws(SpindleError) -> Mapping {
        for s in 0..<plan.stages { try buildStage(s) }
        guard labels.labels.count <= Schedule.maxLabels else {
            throw SpindleError(
                .capacity, "the schedule has \(labels.labels.count) step labels; at most \(Schedule.maxLabels) are supported")
        }
        var notes: [String] = []
        if hasCrossbars && !resident {
            notes.append(
                "spin-crossbar weights are reloaded (and rewritten) for every layer step"
                    + (ChipLayout(topology: topology).crossbarOnly == nil
                        ? " (chips that mix tile kinds share every layer over all tiles)" : ""))
        }
        return Mapping(
            schedule: Schedule(chips: programs, labels: labels.labels), plan: plan, options: options, rows: rows, candidates: [],
            predictedLatencyPs: 0, predictedEnergyPJ: 0, crossbarsResident: hasCrossbars && resident, notes: notes)
    }

    private mutating func buildStage(_ s: Int) throws(SpindleError) {
        var stage = try slices(of: s)
        try checkCrossbarsFit(stage)
        if hasCrossbars && stage.layouts.contains(where: { !$0.resident }) { resident = false }
        let exchange = gradientExchange(stage)
        for replica in 0..<plan.replicas where replicaSamples[replica] > 0 {
            let samples = replicaSamples[replica]
            let micro = (0..<plan.microBatches).map { m in samples / plan.microBatches + (m < samples % plan.microBatches ? 1 : 0) }.filter
            { $0 > 0 }
            var program = ReplicaProgram(
                replica: replica, group: (0..<plan.split).map { plan.chip(stage: s, replica: replica, slice: $0) },
                steps: Array(repeating: [], count: plan.split))
            try programWeights(&program, &stage)
            for (m, n) in micro.enumerated() { try forward(&program, &stage, microBatch: m, samples: n) }
            if training {
                for (m, n) in micro.enumerated() { try backward(&program, &stage, microBatch: m, samples: n) }
                try exchangeAndUpdate(&program, &stage, exchange: exchange)
            }
            for sl in 0..<plan.split { programs[program.group[sl]] = program.steps[sl] }
        }
        addRows(stage)
    }

    /// Each slice's share of every layer of stage `s`, and where its tiles hold them.
    private func slices(of s: Int) throws(SpindleError) -> Stage {
        let range = plan.stageLayers[s]
        var sliced: [[(index: Int, layer: Layer)]] = []
        var compression: [[String: WeightEncoding]] = []
        var layouts: [ChipLayout] = []
        for sl in 0..<plan.split {
            var layers: [(index: Int, layer: Layer)] = []
            var comp: [String: WeightEncoding] = [:]
            for i in range {
                let (layer, fraction) = try TensorSplit.slice(network.layers[i], sl, of: plan.split)
                layers.append((i, layer))
                if let c = network.encodings[layer.name] { comp[layer.name] = fraction == 1 ? c : c.scaled(by: fraction) }
            }
            var layout = ChipLayout(topology: topology)
            layout.place(
                layers, samples: max(1, (replicaSamples.max() ?? 1) / plan.microBatches), encodings: comp,
                reload: options.crossbarWeights == .reload)
            sliced.append(layers)
            compression.append(comp)
            layouts.append(layout)
        }
        return Stage(index: s, range: range, sliced: sliced, compression: compression, layouts: layouts)
    }

    /// Refuses resident crossbar weights that do not fit a chip's crossbars, saying by how much.
    private func checkCrossbarsFit(_ stage: Stage) throws(SpindleError) {
        for layout in stage.layouts
        where hasCrossbars && !layout.resident && options.crossbarWeights == .resident && layout.crossbarOnly != nil {
            let tiles = topology.tiles
            let worst = layout.footprint.indices.max { a, b in
                layout.footprint[a] - tiles[a].type.crossbars < layout.footprint[b] - tiles[b].type.crossbars
            }!
            let need = layout.footprint.indices.reduce(0) { $0 + max(0, layout.footprint[$1] - tiles[$1].type.crossbars) }
            let have = tiles.reduce(0) { $0 + $1.type.crossbars }
            let what = plan.split > 1 ? "a \(plan.split)-way slice of stage \(stage.index)" : "stage \(stage.index)"
            let first = network.layers[stage.range.lowerBound].name, last = network.layers[stage.range.upperBound - 1].name
            throw SpindleError(
                .capacity,
                "\(what) (layers \(first) to \(last)) does not fit the crossbars of one chip: tile \(worst) needs \(layout.footprint[worst]) crossbars and holds \(tiles[worst].type.crossbars); the chip is short by \(need) crossbars (it has \(have))",
                hint:
                    "Pipeline over more chips (strategy pipeline or hybrid), split layers over chips (mapping split), use more or larger crossbars, compress the weights, or set crossbar_weights: reload"
            )
        }
    }

    /// The gradient all-reduce between the replicas holding each slice (nil with one replica).
    private mutating func gradientExchange(_ stage: Stage) -> [AllReduce?] {
        let members = (0..<plan.replicas).filter { replicaSamples[$0] > 0 }
        return (0..<plan.split).map { sl in
            guard members.count > 1 else { return nil }
            let gradBytes = stage.sliced[sl].reduce(UInt64(0)) { $0 + (UInt64($1.layer.parameters) * UInt64(options.gradientBits) + 7) / 8 }
            let group = members.map { plan.chip(stage: stage.index, replica: $0, slice: sl) }
            var ar = AllReduce(group: group, bytes: gradBytes, tagBase: 0, elementBits: options.gradientBits)
            ar.tagBase = tags.collective(rounds: ar.rounds)
            return ar
        }
    }

    /// The job list of a slice's part of layer `i` in `phase`, built once per stage.
    private func jobs(
        _ stage: inout Stage, _ part: Layer, _ i: Int, _ phase: Phase, samples n: Int, accumulate: Bool = false, slice sl: Int
    ) throws(SpindleError) -> [[TileJob]] {
        let key = JobKey(index: i, phase: phase, samples: n, accumulate: accumulate, slice: sl)
        if let j = stage.jobMemo[key] { return j }
        let j = try jobBuilder.jobs(
            part, index: i, phase: phase, samples: n, accumulate: accumulate, chip: stage.layouts[sl],
            encoding: stage.compression[sl][part.name])
        stage.jobMemo[key] = j
        return j
    }

    /// Appends a layer's passes as steps of slice `sl` (an empty step when there is no pass).
    private func add(_ program: inout ReplicaProgram, _ sl: Int, _ name: String, _ label: Int, _ passes: [[TileJob]]) {
        for (p, jobs) in passes.enumerated() {
            program.steps[sl].append(LayerStep(name: passes.count > 1 ? "\(name)#\(p + 1)" : name, jobs: jobs, label: label))
        }
        if passes.isEmpty { program.steps[sl].append(LayerStep(name: name, jobs: [], label: label)) }
    }

    /// A ring collective among the group's slices, as a step of its own on each (nothing without a split).
    private mutating func collective(
        _ program: inout ReplicaProgram, _ kind: AllReduce.Kind, bytes: UInt64, bits: Int, _ name: String, _ label: Int
    ) {
        guard plan.split > 1 else { return }
        var ar = AllReduce(group: program.group, bytes: bytes, tagBase: 0, elementBits: bits, kind: kind)
        ar.tagBase = tags.collective(rounds: ar.rounds)
        for sl in 0..<plan.split {
            var step = LayerStep(name: name, jobs: [], label: label)
            step.allReduce = ar
            program.steps[sl].append(step)
        }
    }

    /// Bytes of layer `i`'s outputs (or their gradients) that slice `sl` holds, for `n` samples.
    private func sliceOutput(_ i: Int, _ sl: Int, _ n: Int) throws(SpindleError) -> UInt64 {
        try TensorSplit.slice(network.layers[i], sl, of: plan.split).layer.outputBytesPerSample * UInt64(n)
    }

    /// Inference on resident crossbars that asks for it: write every layer's weights once, first.
    private mutating func programWeights(_ program: inout ReplicaProgram, _ stage: inout Stage) throws(SpindleError) {
        guard !training && options.programWeights && stage.layouts.allSatisfy(\.resident) && hasCrossbars else { return }
        for sl in 0..<plan.split {
            for (i, layer) in stage.sliced[sl] {
                var passes = try jobs(&stage, layer, i, .update, samples: 1, slice: sl)
                for p in passes.indices {
                    for q in passes[p].indices {
                        passes[p][q].fpMuls = 0
                        passes[p][q].fpAdds = 0
                        passes[p][q].rebuildOps = 0
                    }
                }
                add(&program, sl, "\(layer.name).program", labels(layer.name, .program), passes)
            }
        }
    }

    /// One micro-batch forward through the stage: a split layer first gathers its whole input; the first step
    /// waits for the previous stage's outputs and the last sends this stage's on.
    private mutating func forward(_ program: inout ReplicaProgram, _ stage: inout Stage, microBatch m: Int, samples n: Int)
        throws(SpindleError)
    {
        let first = program.steps.map(\.count)
        for position in 0..<stage.range.count {
            let i = stage.range.lowerBound + position
            let layer = network.layers[i]
            let label = labels(layer.name, .forward)
            if i > 0 {
                collective(
                    &program, .allGather, bytes: layer.inputBytesPerSample * UInt64(n), bits: layer.activationBits, "\(layer.name).gather",
                    label)
            }
            for sl in 0..<plan.split {
                let part = stage.sliced[sl][position].layer
                add(&program, sl, layer.name, label, try jobs(&stage, part, i, .forward, samples: n, slice: sl))
            }
        }
        let s = stage.index, r = program.replica
        for sl in 0..<plan.split {
            if s > 0 {
                let from = plan.chip(stage: s - 1, replica: r, slice: sl)
                let tag = tags.tag(.init(boundary: s, replica: r, microBatch: m, backward: false, slice: sl))
                program.steps[sl][first[sl]].receives.append(
                    PackageTransfer(peer: from, bytes: try sliceOutput(stage.range.lowerBound - 1, sl, n), tag: tag))
            }
            if s + 1 < plan.stages {
                let to = plan.chip(stage: s + 1, replica: r, slice: sl)
                let tag = tags.tag(.init(boundary: s + 1, replica: r, microBatch: m, backward: false, slice: sl))
                program.steps[sl][program.steps[sl].count - 1].sends.append(
                    PackageTransfer(peer: to, bytes: try sliceOutput(stage.range.upperBound - 1, sl, n), tag: tag))
            }
        }
    }

    /// One micro-batch backward, layers in reverse: input gradients (reduce-scattered over a split) and
    /// weight gradients (accumulated after the first micro-batch); gradients cross stage boundaries backwards.
    private mutating func backward(_ program: inout ReplicaProgram, _ stage: inout Stage, microBatch m: Int, samples n: Int)
        throws(SpindleError)
    {
        let first = program.steps.map(\.count)
        let k = plan.split
        for position in stride(from: stage.range.count - 1, through: 0, by: -1) {
            let i = stage.range.lowerBound + position
            let layer = network.layers[i]
            for sl in 0..<k {
                let part = stage.sliced[sl][position].layer
                if i > 0 {
                    add(
                        &program, sl, layer.name, labels(layer.name, .backwardData),
                        try jobs(&stage, part, i, .backwardData, samples: n, slice: sl))
                }
                add(
                    &program, sl, layer.name, labels(layer.name, .backwardWeight),
                    try jobs(&stage, part, i, .backwardWeight, samples: n, accumulate: m > 0, slice: sl))
            }
            // Each slice's input gradients are partial sums: reduce-scatter them over the slices.
            if i > 0 {
                let label = labels(layer.name, .backwardData)
                collective(
                    &program, .reduceScatter, bytes: layer.inputBytesPerSample * UInt64(n), bits: layer.activationBits,
                    "\(layer.name).scatter", label)
            }
        }
        let s = stage.index, r = program.replica
        for sl in 0..<k {
            if s + 1 < plan.stages {
                let from = plan.chip(stage: s + 1, replica: r, slice: sl)
                let tag = tags.tag(.init(boundary: s, replica: r, microBatch: m, backward: true, slice: sl))
                program.steps[sl][first[sl]].receives.append(
                    PackageTransfer(peer: from, bytes: try sliceOutput(stage.range.upperBound - 1, sl, n), tag: tag))
            }
            if s > 0 {
                let to = plan.chip(stage: s - 1, replica: r, slice: sl)
                // This slice's chunk of the first layer's input gradients (the reduce-scatter's share).
                let whole = network.layers[stage.range.lowerBound].inputBytesPerSample * UInt64(n)
                let tag = tags.tag(.init(boundary: s - 1, replica: r, microBatch: m, backward: true, slice: sl))
                program.steps[sl][program.steps[sl].count - 1].sends.append(
                    PackageTransfer(peer: to, bytes: (whole + UInt64(k) - 1) / UInt64(k), tag: tag))
            }
        }
    }

    /// The gradient all-reduce between the stage's replicas, then every layer's weight update.
    private mutating func exchangeAndUpdate(_ program: inout ReplicaProgram, _ stage: inout Stage, exchange: [AllReduce?])
        throws(SpindleError)
    {
        for sl in 0..<plan.split {
            if let ar = exchange[sl] {
                var s = LayerStep(name: "gradients", jobs: [], label: labels("stage \(stage.index) gradients", .exchange))
                s.allReduce = ar
                program.steps[sl].append(s)
            }
            for (i, layer) in stage.sliced[sl] where layer.parameters > 0 {
                add(&program, sl, layer.name, labels(layer.name, .update), try jobs(&stage, layer, i, .update, samples: 1, slice: sl))
            }
        }
    }

    /// The mapping table's rows for the stage's layers (as slice 0 holds them).
    private mutating func addRows(_ stage: Stage) {
        let layout = stage.layouts[0]
        let onSD = topology.tiles.contains { $0.type.kind == .smartdeal }
        for (i, layer) in stage.sliced[0] {
            let shares = layout.shares[i]!
            let used = layout.crossbars[i]!
            let c = stage.compression[0][layer.name]
            let base = topology.tiles.indices.reduce(0) { acc, t in
                guard shares[t] > 0, let x = topology.tiles[t].type.crossbar else { return acc }
                let (rows, xc) = ChipLayout.crossbarShape(layer, x, c)
                return acc + TileType.crossbarTiles(window: rows, filters: shares[t], crossbar: xc)
            }
            let total = used.reduce(0, +)
            let whole = network.layers[i]
            let k = plan.split
            rows.append(
                Mapping.Row(
                    layer: layer.name, stage: stage.index,
                    chips: (0..<plan.replicas).flatMap { r in (0..<k).map { plan.chip(stage: stage.index, replica: r, slice: $0) } },
                    tiles: shares.filter { $0 > 0 }.count, crossbars: total, copies: base > 0 ? max(1, total / base) : 1,
                    weightBytes: onSD && c != nil ? (c!.storageBits + 7) / 8 : layer.weightBytes,
                    macs: whole.macsPerSample * UInt64(batch) * (training ? 3 : 1)
                        - (training && i == 0 ? whole.macsPerSample * UInt64(batch) : 0),
                    predictedPs: 0, predictedPJ: 0))
        }
    }
}
