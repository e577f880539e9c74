import Foundation
import SpindleCompression
import SpindleCore
import SpindleEngine
import SpindleHardware
import SpindleMapping
import SpindleReport
import SpindleScenario
import SpindleWorkload

/// Runs scenarios end to end: map, simulate, price the action counts, and report.
///
/// ```swift
/// import Spindle
/// let scenario = try ScenarioLoader.load("scenarios/quickstart.yaml")
/// let report = try await ScenarioRunner.run(scenario, options: EngineOptions(workers: 2))
/// print(report.latencyPs, report.energyPJ.total)
/// ```
public enum ScenarioRunner {
    /// A scenario mapped onto its topology, ready to simulate.
    public struct Prepared: Sendable {
        public var scenario: Scenario
        public var mapping: Mapping
        public var schedule: Schedule { mapping.schedule }
        public var predictedLatencyPs: Picoseconds { mapping.predictedLatencyPs }
    }

    /// The scenario's network with the encoding of each compressed layer attached: seeded synthetic weights
    /// of the network's shapes, compressed as the scenario says (unchanged for dense scenarios).
    public static func encodedNetwork(_ scenario: Scenario) -> Network {
        var network = scenario.network
        guard let settings = scenario.compression else { return network }
        // The model's own weights (of the layers the scenario keeps), or seeded synthetic ones.
        let names = Set(network.weightShapes.map(\.name))
        let layers =
            scenario.modelWeights?.filter { names.contains($0.shape.name) }
            ?? Compressor.synthetic(network.weightShapes, seed: scenario.seed)
        let report = Compressor.run(layers, settings: settings, source: network.name).report
        network.encodings = Compressor.encodings(of: report, settings: settings, network: network)
        return network
    }

    /// The longest simulated time Spindle accepts, 10^18 ps (11.6 days): times are `UInt64` picoseconds,
    /// which end at 1.8 x 10^19.
    public static let maxSimulatedPs = 1e18

    /// Refuses a scenario whose work, done serially on its slowest tile through its slowest link, could run
    /// simulated time past `maxSimulatedPs` (an upper bound: every plan is faster).
    static func checkScale(_ scenario: Scenario) throws(SpindleError) {
        let t = scenario.topology
        // Every router, tile, DRAM channel and controller is a component with its own state and queues:
        // about 1 KiB each when idle (measured: 262,144 routers take 257 MB).
        let components = Double(t.chips) * Double(t.noc.width * t.noc.height + t.tiles.count + t.dram.count + 1)
        let modelBytes = components * 1_024 * 2
        let memory = Double(ProcessInfo.processInfo.physicalMemory)
        guard modelBytes <= memory * 0.5 else {
            throw SpindleError(
                .capacity,
                "'\(scenario.name)' has \(WorkLimit.format(components)) components (\(t.chips) chips of a \(t.noc.width)x\(t.noc.height) NoC with \(t.tiles.count) tiles), which would need about \(Units.formatBytes(UInt64(modelBytes))) of memory; this machine has \(Units.formatBytes(UInt64(memory)))",
                expected: "a model that fits in half of the memory", hint: "Use fewer chips or a smaller NoC")
        }
        let passes = scenario.mapping.mode == .training ? 3.0 : 1.0
        let macs = Double(scenario.network.macsPerSample) * Double(scenario.batch) * passes
        // Bytes moved are at most a few per MAC plus the weights (and, in training, gradients and state).
        let bytes =
            (Double(scenario.network.macsPerSample) * Double(scenario.batch) + Double(scenario.network.parameters) * 16) * passes * 4
        let slowestMAC = t.tiles.map { 1_000 / $0.type.clockGHz / Double(max($0.type.macsPerCycle, 1)) }.max() ?? 1
        let slowestLink = ([t.noc.linkBandwidthGBps, t.package.linkBandwidthGBps] + t.dram.map(\.bandwidthGBps)).min() ?? 1
        let bound = macs * slowestMAC + bytes * 1_000 / slowestLink
        guard bound <= maxSimulatedPs else {
            throw SpindleError(
                .capacity,
                "'\(scenario.name)' could simulate up to \(WorkLimit.format(bound / 1e12)) s of time (\(WorkLimit.format(macs)) MACs at \(Units.format(slowestMAC, 1)) ps each on the slowest tile, data at \(Units.format(slowestLink, 3)) GB/s on the slowest link)",
                expected: "at most 10^6 s (Spindle's clock is 64-bit picoseconds)",
                hint: "Lower the batch, or use faster tiles and links")
        }
    }

    /// Maps the scenario's network onto its topology.
    public static func prepare(_ scenario: Scenario) throws(SpindleError) -> Prepared {
        try checkScale(scenario)  // before compressing: a scenario too large fails at once
        return try map(scenario, encodedNetwork(scenario))
    }

    /// Maps `network`, the scenario's network with its encodings already attached (`encodedNetwork`), onto
    /// the scenario's topology: for callers that compress once for several scenarios.
    public static func prepare(_ scenario: Scenario, encodedNetwork network: Network) throws(SpindleError) -> Prepared {
        try checkScale(scenario)
        return try map(scenario, network)
    }

    private static func map(_ scenario: Scenario, _ network: Network) throws(SpindleError) -> Prepared {
        var mapping = try Mapper(options: scenario.mapping).map(network, batch: scenario.batch, on: scenario.topology)
        // A legal plan that leaves most of the machine idle is worth saying out loud.
        let used = mapping.schedule.chips.filter { steps in steps.contains { !$0.jobs.isEmpty } }.count
        if scenario.topology.chips > 1 && 2 * used <= scenario.topology.chips {
            mapping.notes.append(
                "the plan uses \(used) of \(scenario.topology.chips) chips; the others stay idle"
                    + (scenario.batch < scenario.topology.chips ? " (batch \(scenario.batch) is smaller than the chip count)" : ""))
        }
        return Prepared(scenario: scenario, mapping: mapping)
    }

    /// Events per second of wall time a simulation sustains on one core of a current server (release build),
    /// for turning `estimatedEvents` into a time estimate.
    public static let eventsPerSecond = 4e6

    /// Roughly how many events simulating `prepared` takes (see `EventEstimate`).
    public static func estimatedEvents(_ prepared: Prepared) -> Double {
        EventEstimate.events(prepared.schedule, on: prepared.scenario.topology)
    }

    /// Checks the estimated work of `prepared` against `limit`: returns a note for a long run, throws for
    /// one over the limit.
    public static func checkWork(_ prepared: Prepared, limit: WorkLimit) throws(SpindleError) -> String? {
        try limit.check(
            "simulating '\(prepared.scenario.name)\(prepared.scenario.point.map { " [" + $0 + "]" } ?? "")'",
            units: estimatedEvents(prepared),
            unitName: "events", perSecond: eventsPerSecond,
            hint: "Lower the batch, select fewer layers, or use spindle map --no-simulate for the analytic estimate alone")
    }

    /// Simulates a prepared scenario. `progress` receives the fraction of the analytic estimate reached
    /// (it may pass 1 when the simulation is slower than the estimate).
    public static func run(
        _ prepared: Prepared, options: EngineOptions, profile: Bool = false,
        progress: (@Sendable (Double, RunProgress) -> Void)? = nil
    ) async throws(SpindleError) -> RunReport {
        try await record(prepared, options: options, profile: profile, progress: progress, activity: false, trace: nil).report
    }

    /// Simulates a prepared scenario recording what happened over time: with `activity`, the report's
    /// `activity` section (series in about 256 bins of the analytic estimate, each chip's steps); with
    /// `trace`, also every tile job, and the timeline of the chips it asks for.
    public static func record(
        _ prepared: Prepared, options: EngineOptions, profile: Bool = false,
        progress: (@Sendable (Double, RunProgress) -> Void)? = nil, activity: Bool, trace: TraceRequest?
    ) async throws(SpindleError) -> (report: RunReport, timeline: Timeline?) {
        var model = AcceleratorModel(topology: prepared.scenario.topology, schedule: prepared.schedule)
        let recording =
            activity || trace != nil ? ActivityOptions.spanning(prepared.predictedLatencyPs, jobChips: trace?.chips ?? 0) : nil
        model.activity = recording
        var options = options
        // The per-window busy and barrier times feed only the profile.
        if !profile { options.timeWindows = false }
        let simulation = try model.build(options: options)
        let predicted = max(prepared.predictedLatencyPs, 1)
        let result = await simulation.run(
            progress: progress.map { report in
                { @Sendable p in report(Double(p.time) / Double(predicted), p) }
            })
        var report = report(prepared, model: model, result: result, profile: profile)
        guard let recording else { return (report, nil) }
        let account = ActivityAccount(model: model, result: result, options: recording)
        if activity { report.activity = account.report() }
        return (report, trace.map { account.timeline($0) })
    }

    /// Loads nothing, maps and runs: the one-call form.
    public static func run(_ scenario: Scenario, options: EngineOptions) async throws(SpindleError) -> RunReport {
        try await run(try prepare(scenario), options: options)
    }

    static func report(_ prepared: Prepared, model: AcceleratorModel, result: SimulationResult, profile: Bool) -> RunReport {
        let scenario = prepared.scenario
        let topology = scenario.topology
        let schedule = prepared.schedule
        let account = EnergyAccount(model: model, result: result, crossbarsResident: prepared.mapping.crossbarsResident)
        let controlEnergy = account.controlEnergy, byLabel = account.byLabel, labelTime = account.labelTime
        let latency = account.latencyPs, total = account.total, unpriced = account.unpriced
        var byPhase: [String: Double] = controlEnergy > 0 ? [Phase.control.rawValue: controlEnergy] : [:]
        var byLayer: [String: Double] = [:]
        var byLayerPhase: [String: [String: Double]] = [:]
        for (l, e) in byLabel.enumerated() {
            byPhase[schedule.labels[l].phase.rawValue, default: 0] += e
            byLayer[schedule.labels[l].layer, default: 0] += e
            if e != 0 { byLayerPhase[schedule.labels[l].layer, default: [:]][schedule.labels[l].phase.rawValue, default: 0] += e }
        }
        var layerTime: [String: UInt64] = [:]
        for chip in 0..<topology.chips {
            var perLayer: [String: UInt64] = [:]
            for (l, t) in labelTime[chip].enumerated() where t > 0 { perLayer[schedule.labels[l].layer, default: 0] += t }
            for (k, t) in perLayer { layerTime[k] = max(layerTime[k] ?? 0, t) }
        }
        let tiles = topology.tiles.count * topology.chips
        var layers = prepared.mapping.rows.map { r in
            RunReport.LayerRow(
                name: r.layer, stage: r.stage, chips: r.chips, tiles: r.tiles, crossbars: r.crossbars, copies: r.copies,
                weightBytes: r.weightBytes, macs: r.macs, energyPJ: byLayer[r.layer] ?? 0, busyPs: layerTime[r.layer] ?? 0,
                predictedPs: r.predictedPs, predictedPJ: r.predictedPJ)
        }
        for i in layers.indices { layers[i].energyByPhasePJ = byLayerPhase[layers[i].name] ?? [:] }
        // Gradient exchanges appear as their own rows.
        for label in schedule.labels where label.phase == .exchange && !layers.contains(where: { $0.name == label.layer }) {
            layers.append(
                RunReport.LayerRow(
                    name: label.layer, stage: 0, chips: [], tiles: 0, crossbars: 0, copies: 0, weightBytes: 0, macs: 0,
                    energyPJ: byLayer[label.layer] ?? 0, busyPs: layerTime[label.layer] ?? 0, predictedPs: 0, predictedPJ: 0))
            layers[layers.count - 1].energyByPhasePJ = byLayerPhase[label.layer] ?? [:]
        }
        var warnings: [String] = prepared.mapping.notes
        let nodes = topology.technology.nodes
        if nodes.count > 1 && topology.technology.basis == nil {
            warnings.append(
                "technology '\(topology.technology.name)' mixes nodes " + nodes.map { "\($0) nm" }.joined(separator: ", ")
                    + "; energies are used at their own node, without scaling (set technology_basis to price them at one node)")
        }
        let ratio = Double(latency) / Double(max(prepared.predictedLatencyPs, 1))
        if ratio > 3 || ratio < 1.0 / 3 {
            warnings.append(
                "the simulated latency is \(Units.format(ratio, 2))x the mapper's analytic estimate, which leaves out NoC contention, "
                    + "DRAM row effects and queueing: its ranking of the plans may not hold for this topology")
        }
        if !total.isFinite {
            warnings.append("the total energy is not a finite number; a price in '\(topology.technology.name)' is not finite")
        }
        if !unpriced.isEmpty {
            warnings.append(
                "technology '\(topology.technology.name)' has no price for " + unpriced.sorted().joined(separator: ", ")
                    + "; those actions are counted but add no energy")
        }
        let technology = technologyRows(topology, prices: model.prices)
        let data = RunReport.DataMoved(
            dramRead: account.dramRead, dramWrite: account.dramWritten,
            nocLinkHops: account.nocLinkBits / 8, nocRouter: account.nocRouterBits / 8,
            bufferRead: account.bufferRead, bufferWrite: account.bufferWrite, package: account.packageBits / 8)
        let facts = RunFacts(
            wallSeconds: result.profile.wallSeconds, eventsPerSecond: result.profile.eventsPerSecond,
            workers: result.profile.activeWorkers, spindleVersion: ModelRevision.current, profile: profile ? result.profile : nil)
        let endurance = topology.tiles.compactMap { $0.type.crossbar?.device.endurance }.min() ?? .infinity
        let training = scenario.mapping.mode == .training
        var report = RunReport(
            scenario: scenario.name + (scenario.point.map { " [\($0)]" } ?? ""), topology: topology.name, model: scenario.network.name,
            mode: scenario.mapping.mode.rawValue, plan: prepared.mapping.plan.description, batch: scenario.batch,
            chips: topology.chips, tiles: topology.tiles.count, latencyPs: latency, predictedLatencyPs: prepared.predictedLatencyPs,
            predictedEnergyPJ: prepared.mapping.predictedEnergyPJ, events: result.events, macs: account.macs,
            energyPJ: .init(
                total: total, byComponent: account.byComponent, byAction: account.byAction, byPhase: byPhase, byChip: account.byChip),
            dataBytes: data, actionCounts: account.counts,
            tileUtilisation: latency > 0 ? Double(account.busyPs) / (Double(tiles) * Double(latency)) : 0,
            crossbarWritesPerCell: account.cellWrites, crossbarEnduranceUsed: Double(account.cellWrites) / endurance,
            crossbarLifetimeIterations: training && account.cellWrites > 0 && endurance.isFinite
                ? endurance / Double(account.cellWrites) : nil,
            layers: layers, technology: technology, warnings: warnings, run: facts)
        report.inputHash = scenario.inputHash
        report.energyPJ.byLevel = account.byLevel
        report.technologyBasis = topology.technology.basis?.description
        let chipArea = AreaModel.chip(topology)
        report.area = chipArea.map { a in
            AreaSummary(
                coreMM2: a.coreMM2, edgeMM2: a.edgeMM2, nodeNm: a.nodeNm,
                items: a.items.map {
                    .init(component: $0.component, area: $0.area, count: $0.count, mm2: $0.totalUm2 / 1e6, core: $0.core, source: $0.source)
                },
                missing: a.missing)
        }
        if let a = chipArea, a.nodeNm == nil {
            report.warnings.append(
                "technology '\(topology.technology.name)' gives areas at nodes " + a.nodes.map { "\($0) nm" }.joined(separator: ", ")
                    + "; they are summed without scaling (set technology_basis to put them on one node)")
        }
        report.efficiency = Efficiency(
            workloadMACs: layers.map(\.macs).reduce(0, +), energyPJ: total, dramPJ: account.byComponent["dram"] ?? 0, latencyPs: latency,
            chips: topology.chips, coreMM2: chipArea?.coreMM2)
        return report
    }

    static func technologyRows(_ topology: Topology, prices: PriceTable) -> [RunReport.TechnologyRow] {
        prices.sortedNames.compactMap { name -> RunReport.TechnologyRow? in
            let entry = prices.entries[name]!
            switch entry.origin {
            case .technology(let a):
                return .init(action: name, energyPJ: a.energyPJ, per: a.per, nodeNm: a.nodeNm, source: a.source)
            case .wire(let wire?, let lengthMM):
                return .init(
                    action: name, energyPJ: entry.energyPJ, per: "bit per link (\(Units.format(lengthMM, 2)) mm)",
                    nodeNm: wire.nodeNm, source: wire.source + " [INF: x link length]")
            case .wire(nil, _):
                return nil
            case .dramCurrents(let d):
                return .init(
                    action: name, energyPJ: entry.energyPJ, per: name.hasSuffix("_cycle") ? "rank x cycle" : "command", nodeNm: nil,
                    source: "\(d.name) IDD currents (the datasheet values DRAMsim3 uses) [INF: DRAMsim3's IDD energy formulas x tCK]")
            case .sramCurve:
                let curve = topology.technology.sramCurve
                let points = curve.map {
                    "\(Units.formatBytes(UInt64($0.capacityBytes))) \(Units.format($0.energyPJ, 1)) pJ/\($0.widthBits) b"
                }
                let nodes = Set(curve.compactMap(\.nodeNm))
                return .init(
                    action: name, energyPJ: entry.energyPJ, per: "byte", nodeNm: nodes.count == 1 ? nodes.first : nil,
                    source: (curve.first?.source ?? "") + " [INF: log-log interpolation at this buffer's size of "
                        + points.joined(separator: ", ") + "]")
            }
        }
    }
}
