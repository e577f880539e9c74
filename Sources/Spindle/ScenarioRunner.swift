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
        public var schedule: Schedule
        public var placements: [SimpleMapper.LayerPlacement]
        /// Sum of the per-layer analytic estimates.
        public var predictedLatencyPs: Picoseconds { placements.reduce(0) { $0 + $1.predictedPs } }
    }

    /// Maps the scenario's network onto its topology.
    public static func prepare(_ scenario: Scenario) throws(SpindleError) -> Prepared {
        var compressed: [String: SimpleMapper.CompressedLayer] = [:]
        if let settings = scenario.compression {
            // Seeded synthetic weights for the network's shapes, compressed as the scenario says.
            let layers = Compressor.synthetic(scenario.network.weightShapes, seed: scenario.seed)
            let report = Compressor.run(layers, settings: settings, source: scenario.network.name).report
            let bits = Dictionary(scenario.network.layers.map { ($0.name, $0.weightBits) }, uniquingKeysWith: { a, _ in a })
            for l in report.layers {
                // Layers the method leaves dense travel at the layer's own weight width.
                let storage = l.bits["dense"] != nil ? UInt64(l.parameters * (bits[l.name] ?? 8)) : l.totalBits
                compressed[l.name] = SimpleMapper.CompressedLayer(
                    storageBits: storage, nonZeros: l.nonZeros, rows: l.structure.rows, zeroRows: l.structure.zeroRows,
                    skipsMACs: l.shape.count == 4 && l.shape[2] > 1)
            }
        }
        let (schedule, placements) = try SimpleMapper().map(
            scenario.network, batch: scenario.batch, on: scenario.topology, compressed: compressed)
        return Prepared(scenario: scenario, schedule: schedule, placements: placements)
    }

    /// Simulates a prepared scenario. `progress` receives the fraction of the analytic estimate reached
    /// (it may pass 1 when the simulation is slower than the estimate).
    public static func run(
        _ prepared: Prepared, options: EngineOptions, profile: Bool = false,
        progress: (@Sendable (Double, RunProgress) -> Void)? = nil
    ) async throws(SpindleError) -> RunReport {
        var model = AcceleratorModel(topology: prepared.scenario.topology, schedule: prepared.schedule)
        let simulation = try model.build(options: options)
        let predicted = max(prepared.predictedLatencyPs, 1)
        let result = await simulation.run(progress: progress.map { report in
            { @Sendable p in report(Double(p.time) / Double(predicted), p) }
        })
        return report(prepared, model: model, result: result, profile: profile)
    }

    /// Loads nothing, maps and runs: the one-call form.
    public static func run(_ scenario: Scenario, options: EngineOptions) async throws(SpindleError) -> RunReport {
        try await run(try prepare(scenario), options: options)
    }

    static func report(_ prepared: Prepared, model: AcceleratorModel, result: SimulationResult, profile: Bool) -> RunReport {
        let scenario = prepared.scenario
        let topology = scenario.topology
        let prices = model.prices
        var byComponent: [String: Double] = [:]
        var byAction: [String: Double] = [:]
        var counts = Counters()
        var total = 0.0
        var latency: Picoseconds = 0
        var busy: UInt64 = 0
        var macs: UInt64 = 0
        var dramRead: UInt64 = 0, dramWritten: UInt64 = 0
        var cellWrites: UInt64 = 0
        var marks = Counters()
        for (id, counters) in result.counters {
            let kind = model.kinds[Int(id.raw)]
            for key in counters.sortedKeys {
                let n = counters[key]
                if let price = prices[key] {
                    let e = Double(n) * price
                    byComponent[kind.rawValue, default: 0] += e
                    byAction[key, default: 0] += e
                    total += e
                    counts.add(key, n)
                }
            }
            busy += counters["tile.busy_ps"]
            macs += counters["tile.macs"]
            cellWrites = max(cellWrites, counters["xbar.writes_per_cell"])
            dramRead += counters["dram.bytes.read"]
            dramWritten += counters["dram.bytes.written"]
            if kind == .package { latency = counters["run.end_ps"] }
            if kind == .controller && model.chipOf[Int(id.raw)] == 0 { marks = counters }
        }
        let tiles = topology.tiles.count * topology.chips
        let layers = prepared.placements.enumerated().map { i, p in
            RunReport.LayerRow(
                name: p.layer, startPs: marks[ChipControllerKeys.key(i, "start_ps")], endPs: marks[ChipControllerKeys.key(i, "end_ps")],
                macs: p.macs, tiles: p.tilesUsed, weightBytes: p.weightBytes, predictedPs: p.predictedPs)
        }
        var warnings: [String] = []
        let nodes = topology.technology.nodes
        if nodes.count > 1 {
            warnings.append(
                "technology '\(topology.technology.name)' mixes nodes " + nodes.map { "\($0) nm" }.joined(separator: ", ")
                    + "; energies are used at their own node, without scaling")
        }
        let technology = prices.keys.sorted().compactMap { key -> RunReport.TechnologyRow? in
            if key == "noc.link.bits", let wire = topology.technology.actions["noc.wire.bit_mm"] {
                return .init(
                    action: key, energyPJ: prices[key]!, per: "bit per link (\(Units.format(topology.noc.linkLengthMM, 2)) mm)",
                    nodeNm: wire.nodeNm, source: wire.source + " [INF: x link length]")
            }
            if let d = topology.dram.compactMap(\.jedec).first(where: { key.hasPrefix("dram.\($0.name).") }) {
                return .init(
                    action: key, energyPJ: prices[key]!, per: key.hasSuffix("_cycle") ? "rank x cycle" : "command",
                    nodeNm: nil,
                    source: "\(d.name) IDD currents (the datasheet values DRAMsim3 uses) [INF: DRAMsim3's IDD energy formulas x tCK]")
            }
            if key.hasPrefix("sram."), topology.technology.actions[key] == nil, !topology.technology.sramCurve.isEmpty {
                let points = topology.technology.sramCurve.map { "\(Units.formatBytes(UInt64($0.capacityBytes))) \(Units.format($0.energyPJ, 1)) pJ/\($0.widthBits) b" }
                let nodes = Set(topology.technology.sramCurve.compactMap(\.nodeNm))
                return .init(
                    action: key, energyPJ: prices[key]!, per: "byte", nodeNm: nodes.count == 1 ? nodes.first : nil,
                    source: (topology.technology.sramCurve.first?.source ?? "") + " [INF: log-log interpolation at this buffer's size of " + points.joined(separator: ", ") + "]")
            }
            guard let a = topology.technology.actions[key] else { return nil }
            return .init(action: key, energyPJ: a.energyPJ, per: a.per, nodeNm: a.nodeNm, source: a.source)
        }
        let data = RunReport.DataMoved(
            dramRead: dramRead, dramWrite: dramWritten,
            nocLinkHops: counts["noc.link.bits"] / 8, nocRouter: counts["noc.router.bits"] / 8,
            bufferRead: counts.values.filter { $0.key.hasPrefix("sram.") && $0.key.hasSuffix(".read.bytes") }.reduce(0) { $0 + $1.value },
            bufferWrite: counts.values.filter { $0.key.hasPrefix("sram.") && $0.key.hasSuffix(".write.bytes") }.reduce(0) { $0 + $1.value },
            package: counts["nop.link.bits"] / 8)
        let facts = RunFacts(
            wallSeconds: result.profile.wallSeconds, eventsPerSecond: result.profile.eventsPerSecond,
            workers: result.profile.activeWorkers, spindleVersion: Spindle.version, profile: profile ? result.profile : nil)
        return RunReport(
            scenario: scenario.name, topology: topology.name, model: scenario.network.name, batch: scenario.batch,
            chips: topology.chips, tiles: topology.tiles.count, latencyPs: latency, predictedLatencyPs: prepared.predictedLatencyPs,
            events: result.events, macs: macs, energyPJ: .init(total: total, byComponent: byComponent, byAction: byAction),
            dataBytes: data, actionCounts: counts.values,
            tileUtilisation: latency > 0 ? Double(busy) / (Double(tiles) * Double(latency)) : 0,
            crossbarWritesPerCell: cellWrites,
            crossbarEnduranceUsed: Double(cellWrites) / (topology.tiles.compactMap { $0.type.crossbar?.device.endurance }.min() ?? .infinity),
            layers: layers,
            technology: technology, warnings: warnings, run: facts)
    }
}
