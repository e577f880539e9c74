import SpindleCore
import SpindleEngine

/// What kind of hardware a component is, for grouping results.
public enum ComponentKind: String, Sendable, Codable, CaseIterable {
    case router, dram
    case peArray = "pe-array"
    case spinCrossbar = "spin-crossbar"
    case smartdeal, controller, package
}

/// Builds the engine model of a topology running a schedule, and turns the run's counts into results.
public struct AcceleratorModel: Sendable {
    public let topology: Topology
    public let schedule: Schedule
    /// Kind and chip of every component, indexed by `ComponentID.raw`.
    public private(set) var kinds: [ComponentKind] = []
    public private(set) var chipOf: [Int] = []
    /// Each component's number among the components of its kind on its chip (routers row-major, tiles and
    /// DRAM channels in topology order), indexed by `ComponentID.raw`.
    public private(set) var localIndex: [Int] = []

    /// The counters this model's components count into, numbered.
    public let catalogue: CounterCatalogue
    /// The price of every action the topology can count.
    public let prices: PriceTable
    /// What the components record over time (`nil`: nothing, at no cost); set before `build`.
    public var activity: ActivityOptions?

    public init(topology: Topology, schedule: Schedule) {
        self.topology = topology
        self.schedule = schedule
        catalogue = CounterCatalogue(actions: Self.actions(of: topology))
        prices = PriceTable(topology: topology)
    }

    /// The whole-run totals of every component of a run of this model.
    public func totals(_ result: SimulationResult) -> CounterTotals {
        CounterTotals(result.counters.map(\.counters), catalogue: catalogue)
    }

    /// The whole-run totals of one component's counters.
    public func totals(_ counters: Counters) -> CounterTotals { CounterTotals([counters], catalogue: catalogue) }

    /// Every action components of `topology` can count.
    public static func actions(of topology: Topology) -> [Action] {
        var list: [Action] = [.nocRouterBits, .nocLinkBits, .nopLinkBits, .dramReadBits, .dramWriteBits, .fp32Mul, .fp32Add]
        for d in topology.dram {
            if let j = d.jedec { list += DRAMCommandAction.allCases.map { .dram(config: j.name, $0) } }
        }
        for tile in topology.tiles {
            let buffer = topology.technology.bufferActions(bankBytes: tile.type.bankBytes)
            if tile.type.countsBuffer { list += [buffer.read, buffer.write] }
            list += tile.type.workActions.map(\.action) + tile.type.storageActions
        }
        return list
    }

    /// Creates the components (one partition per chip) and the start event.
    public mutating func build(options: EngineOptions) throws(SpindleError) -> Simulation {
        let t = topology
        precondition(schedule.chips.count == t.chips, "schedule must have one entry per chip")
        precondition(schedule.labels.count <= Schedule.maxLabels, "at most \(Schedule.maxLabels) step labels")
        // Chips go to workers round-robin (the builder's default). Contiguous runs balanced by each chip's
        // estimated events (BalancedContiguousPartitioner) balance the totals but not the time: a pipeline's
        // stages are busy one after another, and runs of whole stages leave a worker idle (measured in
        // Docs/performance.md); round-robin interleaves them.
        let builder = try SimulationBuilder(options: options)
        if let group = options.group, group.size > 1 {
            builder.planProcesses(weights: EventEstimate.perChip(schedule, on: t), partitioner: Self.rankPartitioner(schedule))
        }
        let w = t.noc.width, h = t.noc.height
        let perChip = w * h + t.tiles.count + t.dram.count + 1
        let coordinatorID = ComponentID(UInt32(t.chips * perChip))
        // Plan ids: chip c holds routers (row-major), tiles, DRAM channels, controller; the coordinator is last.
        func routerID(_ c: Int, _ x: Int, _ y: Int) -> ComponentID { ComponentID(UInt32(c * perChip + y * w + x)) }
        func tileID(_ c: Int, _ i: Int) -> ComponentID { ComponentID(UInt32(c * perChip + w * h + i)) }
        func dramID(_ c: Int, _ i: Int) -> ComponentID { ComponentID(UInt32(c * perChip + w * h + t.tiles.count + i)) }
        func controllerID(_ c: Int) -> ComponentID { ComponentID(UInt32(c * perChip + perChip - 1)) }
        var position = [(x: Int, y: Int)](repeating: (0, 0), count: t.chips * perChip + 1)
        kinds = []
        chipOf = []
        localIndex = []
        for c in 0..<t.chips {
            for y in 0..<h { for x in 0..<w { position[Int(routerID(c, x, y).raw)] = (x, y) } }
            for (i, tile) in t.tiles.enumerated() { position[Int(tileID(c, i).raw)] = (tile.at.x, tile.at.y) }
            for (i, d) in t.dram.enumerated() { position[Int(dramID(c, i).raw)] = (d.at.x, d.at.y) }
        }
        let map = NoCMap(positions: position)
        let catalogue = self.catalogue
        var components: [any Component] = []
        for c in 0..<t.chips {
            let p = builder.addPartition()
            for y in 0..<h {
                for x in 0..<w {
                    let wrap = t.noc.shape != .mesh
                    let n: [ComponentID?] = [
                        x + 1 < w ? routerID(c, x + 1, y) : (wrap && w > 1 ? routerID(c, 0, y) : nil),
                        x > 0 ? routerID(c, x - 1, y) : (wrap && w > 1 ? routerID(c, w - 1, y) : nil),
                        y + 1 < h ? routerID(c, x, y + 1) : (wrap && h > 1 ? routerID(c, x, 0) : nil),
                        y > 0 ? routerID(c, x, y - 1) : (wrap && h > 1 ? routerID(c, x, h - 1) : nil),
                    ]
                    components.append(
                        Router(
                            slot: slot(builder, p, routerID(c, x, y)), x: x, y: y, map: map, spec: t.noc, neighbours: n,
                            catalogue: catalogue, activity: activity))
                    kinds.append(.router)
                    chipOf.append(c)
                    localIndex.append(y * w + x)
                }
            }
            // Resolve the chip's steps; every tile gets its own job list in step order.
            var tileJobs: [[ResolvedJob]] = Array(repeating: [], count: t.tiles.count)
            // Each tile numbers the labels of its jobs in order of first appearance.
            var tileLabels: [[Int]] = Array(repeating: [], count: t.tiles.count)
            var tileLabelIndex: [[Int: Int]] = Array(repeating: [:], count: t.tiles.count)
            var steps: [ResolvedStep] = []
            for step in schedule.chips[c] {
                var jobs: [ResolvedJob] = []
                for j in step.jobs {
                    let local: Int
                    if let l = tileLabelIndex[j.tile][step.label] {
                        local = l
                    } else {
                        local = tileLabels[j.tile].count
                        tileLabelIndex[j.tile][step.label] = local
                        tileLabels[j.tile].append(step.label)
                    }
                    let r = ResolvedJob(
                        tile: tileID(c, j.tile), dram: dramID(c, j.dramChannel), index: tileJobs[j.tile].count, label: step.label,
                        tileLabel: local,
                        weightBytes: j.weightBytes, inputBytes: j.inputBytes, outputBytes: j.outputBytes, macs: j.macs,
                        rebuildOps: j.rebuildOps, bufferRereadBytes: j.bufferRereadBytes, programWeights: j.programWeights,
                        programRound: j.programRound,
                        crossbarsUsed: j.crossbarsUsed,
                        crossbarWeightBits: j.crossbarWeightBits, digital: j.digital, fpMuls: j.fpMuls, fpAdds: j.fpAdds,
                        gemm: j.gemmWindow > 0 ? (j.gemmWindow, j.gemmFilters, j.gemmPixels) : nil, loopNest: j.loopNest)
                    tileJobs[j.tile].append(r)
                    jobs.append(r)
                }
                steps.append(
                    ResolvedStep(jobs: jobs, label: step.label, receives: step.receives, sends: step.sends, allReduce: step.allReduce))
            }
            for (i, tile) in t.tiles.enumerated() {
                components.append(
                    ComputeTile(
                        slot: slot(builder, p, tileID(c, i)), type: tile.type, router: routerID(c, tile.at.x, tile.at.y), noc: t.noc,
                        buffer: t.technology.bufferActions(bankBytes: tile.type.bankBytes), jobs: tileJobs[i], labels: tileLabels[i],
                        catalogue: catalogue, activity: activity, recordJobs: activity?.recordsJobs(onChip: c) ?? false))
                kinds.append(tile.type.kind == .smartdeal ? .smartdeal : tile.type.kind == .spinCrossbar ? .spinCrossbar : .peArray)
                chipOf.append(c)
                localIndex.append(i)
            }
            for (i, d) in t.dram.enumerated() {
                components.append(
                    DRAMChannel(
                        slot: slot(builder, p, dramID(c, i)), spec: d, router: routerID(c, d.at.x, d.at.y),
                        controller: controllerID(c), packetBytes: t.noc.packetBytes, controlLatencyPs: t.controlLatencyPs,
                        catalogue: catalogue, activity: activity))
                kinds.append(.dram)
                chipOf.append(c)
                localIndex.append(i)
            }
            let ports = PackagePorts(
                chip: c, controllers: (0..<t.chips).map(controllerID), hops: (0..<t.chips).map { t.package.hops(c, $0, chips: t.chips) },
                linkLatencyPs: t.package.linkLatencyPs, linkBandwidthGBps: t.package.linkBandwidthGBps,
                dram: t.dram.indices.map { dramID(c, $0) })
            components.append(
                ChipController(
                    slot: slot(builder, p, controllerID(c)), steps: steps, coordinator: coordinatorID,
                    controlLatencyPs: t.controlLatencyPs, packageLatencyPs: packageDelay(c), ports: ports, catalogue: catalogue,
                    activity: activity))
            kinds.append(.controller)
            chipOf.append(c)
            localIndex.append(0)
        }
        let coordinator = PackageCoordinator(
            slot: slot(builder, PartitionID(0), coordinatorID), controllers: (0..<t.chips).map(controllerID),
            delaysPs: (0..<t.chips).map(packageDelay), hops: (0..<t.chips).map { t.package.hops(0, $0, chips: t.chips) },
            catalogue: catalogue)
        components.append(coordinator)
        kinds.append(.package)
        chipOf.append(0)
        localIndex.append(0)
        for c in components { builder.add(c) }
        for c in 0..<t.chips {
            try builder.connect(coordinatorID, controllerID(c), latency: packageDelay(c))
            try builder.connect(controllerID(c), coordinatorID, latency: packageDelay(c))
        }
        // Chip-to-chip data: every pair the schedule's transfers and all-reduces use.
        var pairs = Set<[Int]>()
        for (c, steps) in schedule.chips.enumerated() {
            for s in steps {
                for x in s.sends { pairs.insert([c, x.peer]) }
                if let ar = s.allReduce, let i = ar.group.firstIndex(of: c), ar.group.count > 1 {
                    pairs.insert([c, ar.group[(i + 1) % ar.group.count]])
                }
            }
        }
        for pair in pairs.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            guard pair[0] != pair[1] else { continue }
            guard t.package.linkLatencyPs > 0 else {
                throw SpindleError(
                    .invalidValue, "chips \(pair[0]) and \(pair[1]) exchange data, but the package link latency is 0",
                    expected: "a positive package link_latency (it is the lookahead between chips)")
            }
            try builder.connect(controllerID(pair[0]), controllerID(pair[1]), latency: t.package.linkLatencyPs)
        }
        builder.schedule(to: coordinatorID, at: 0, Message(.start))
        return try builder.build()
    }

    /// How the chips of a distributed run go to ranks: chips that run the same steps (a pipeline stage, or all
    /// chips of a data-parallel plan) form a class, and every rank gets an even, contiguous share of every class
    /// (`StagedPartitioner`): per-window work stays balanced while a pipeline's stages take turns, and a stage's
    /// neighbouring replicas stay together. Within a rank, chips go to its workers round-robin.
    public static func rankPartitioner(_ schedule: Schedule) -> StagedPartitioner {
        var classOf: [[Int]: Int] = [:]
        let classes = schedule.chips.map { steps in
            let signature = steps.map(\.label)
            if let c = classOf[signature] { return c }
            classOf[signature] = classOf.count
            return classOf.count - 1
        }
        return StagedPartitioner(classes: classes)
    }

    /// The rank of each chip in a distributed run of `ranks` ranks.
    public static func rankLayout(_ schedule: Schedule, on topology: Topology, ranks: Int) -> [Int] {
        rankPartitioner(schedule).assign(weights: EventEstimate.perChip(schedule, on: topology), workers: ranks)
    }

    /// Delay of a control message between the coordinator (on chip 0) and chip c's controller: per
    /// chip-to-chip link its latency plus the serialisation of one message; on chip 0, the control wires.
    func packageDelay(_ c: Int) -> Picoseconds {
        let hops = topology.package.hops(0, c, chips: topology.chips)
        guard hops > 0 else { return max(topology.controlLatencyPs, 1) }
        let serial = Units.transferPs(bytes: PackageCoordinator.controlMessageBits / 8, gbPerSecond: topology.package.linkBandwidthGBps)
        return Picoseconds(hops) * (topology.package.linkLatencyPs + serial)
    }

    private func slot(_ b: SimulationBuilder, _ p: PartitionID, _ expected: ComponentID) -> ComponentSlot {
        let s = b.makeSlot(in: p)
        precondition(s.id == expected, "component id plan out of step: \(s.id) != \(expected)")
        return s
    }
}
