import Foundation
import SpindleCore
import SpindleEngine

/// The result of one scenario run, as written to JSON.
///
/// Everything outside `run` depends only on the inputs, never on worker count or wall-clock time, so two
/// reports of the same scenario can be compared byte for byte once `run` is removed.
public struct RunReport: Sendable, Codable, Equatable {
    public struct Energy: Sendable, Codable, Equatable {
        public var total: Double
        /// Component kind (dram, router, pe-array, ...) to pJ.
        public var byComponent: [String: Double]
        /// Action (dram.read.bits, mac.int8, ...) to pJ.
        public var byAction: [String: Double]
        /// Phase (forward, backward-data, backward-weight, exchange, update, program; control for the package
        /// coordinator's start and finish messages) to pJ.
        public var byPhase: [String: Double]
        /// Energy of each chip, chip 0 first (the package's control messages count on chip 0).
        public var byChip: [Double]
        /// Level of the machine (DRAM, NoC, package, buffers, compute, crossbar, ADC) to pJ; `nil` in results
        /// written before levels were reported.
        public var byLevel: [String: Double]?
        public init(
            total: Double, byComponent: [String: Double], byAction: [String: Double], byPhase: [String: Double] = [:], byChip: [Double] = []
        ) {
            self.total = total
            self.byComponent = byComponent
            self.byAction = byAction
            self.byPhase = byPhase
            self.byChip = byChip
        }
        enum CodingKeys: String, CodingKey {
            case total
            case byComponent = "by_component"
            case byAction = "by_action"
            case byPhase = "by_phase"
            case byChip = "by_chip"
            case byLevel = "by_level"
        }
    }
    public struct DataMoved: Sendable, Codable, Equatable {
        public var dramRead: UInt64
        public var dramWrite: UInt64
        /// Bytes summed over every link they crossed.
        public var nocLinkHops: UInt64
        /// Bytes summed over every router they passed through.
        public var nocRouter: UInt64
        public var bufferRead: UInt64
        public var bufferWrite: UInt64
        public var package: UInt64
        public init(
            dramRead: UInt64, dramWrite: UInt64, nocLinkHops: UInt64, nocRouter: UInt64, bufferRead: UInt64, bufferWrite: UInt64,
            package: UInt64
        ) {
            self.dramRead = dramRead
            self.dramWrite = dramWrite
            self.nocLinkHops = nocLinkHops
            self.nocRouter = nocRouter
            self.bufferRead = bufferRead
            self.bufferWrite = bufferWrite
            self.package = package
        }
        enum CodingKeys: String, CodingKey {
            case dramRead = "dram_read"
            case dramWrite = "dram_write"
            case nocLinkHops = "noc_link_hops"
            case nocRouter = "noc_router"
            case bufferRead = "buffer_read"
            case bufferWrite = "buffer_write"
            case package
        }
    }
    /// A layer's place and its simulated and predicted cost.
    public struct LayerRow: Sendable, Codable, Equatable {
        public var name: String
        public var stage: Int
        public var chips: [Int]
        public var tiles: Int
        public var crossbars: Int
        public var copies: Int
        public var weightBytes: UInt64
        public var macs: UInt64
        /// Simulated energy of the layer, all phases and chips.
        public var energyPJ: Double
        /// Simulated time its steps took on the busiest chip running it.
        public var busyPs: UInt64
        public var predictedPs: UInt64
        public var predictedPJ: Double
        /// Simulated energy by phase (`nil` in results written before it was reported).
        public var energyByPhasePJ: [String: Double]?
        public init(
            name: String, stage: Int, chips: [Int], tiles: Int, crossbars: Int, copies: Int, weightBytes: UInt64, macs: UInt64,
            energyPJ: Double, busyPs: UInt64, predictedPs: UInt64, predictedPJ: Double
        ) {
            self.name = name
            self.stage = stage
            self.chips = chips
            self.tiles = tiles
            self.crossbars = crossbars
            self.copies = copies
            self.weightBytes = weightBytes
            self.macs = macs
            self.energyPJ = energyPJ
            self.busyPs = busyPs
            self.predictedPs = predictedPs
            self.predictedPJ = predictedPJ
        }
        enum CodingKeys: String, CodingKey {
            case name, stage, chips, tiles, crossbars, copies, macs
            case weightBytes = "weight_bytes"
            case energyPJ = "energy_pj"
            case busyPs = "busy_ps"
            case predictedPs = "predicted_ps"
            case predictedPJ = "predicted_pj"
            case energyByPhasePJ = "energy_by_phase_pj"
        }
    }
    public struct TechnologyRow: Sendable, Codable, Equatable {
        public var action: String
        public var energyPJ: Double
        public var per: String
        public var nodeNm: Int?
        public var source: String
        public init(action: String, energyPJ: Double, per: String, nodeNm: Int?, source: String) {
            self.action = action
            self.energyPJ = energyPJ
            self.per = per
            self.nodeNm = nodeNm
            self.source = source
        }
        enum CodingKeys: String, CodingKey {
            case action, per, source
            case energyPJ = "energy_pj"
            case nodeNm = "node_nm"
        }
    }

    public var scenario: String
    public var topology: String
    public var model: String
    /// inference or training (one iteration).
    public var mode: String
    /// How the chips were used (data-parallel, pipeline, hybrid).
    public var plan: String
    public var batch: Int
    public var chips: Int
    public var tiles: Int
    public var latencyPs: UInt64
    public var predictedLatencyPs: UInt64
    public var predictedEnergyPJ: Double
    /// Samples per second: the batch over the latency.
    public var throughput: Double
    public var events: UInt64
    /// Multiply-accumulates the tiles performed.
    public var macs: UInt64
    public var energyPJ: Energy
    public var dataBytes: DataMoved
    public var actionCounts: [String: UInt64]
    public var tileUtilisation: Double
    /// Spin crossbars: the most writes any cell took, and that as a fraction of the device endurance.
    public var crossbarWritesPerCell: UInt64
    public var crossbarEnduranceUsed: Double
    /// Training on crossbars: iterations until the most-written cell reaches the device endurance.
    public var crossbarLifetimeIterations: Double?
    public var layers: [LayerRow]
    public var technology: [TechnologyRow]
    /// The process point every CMOS figure was scaled to (`65 nm 1.00 V`), or `nil` when figures stay at
    /// their own nodes.
    public var technologyBasis: String?
    /// One chip's area (`nil`: the technology table has no areas).
    public var area: AreaSummary?
    public var efficiency: Efficiency?
    public var warnings: [String]
    /// SHA-256 of every input that determines this result (see `Scenario.inputHash`); a stored result is
    /// reused only when it matches.
    public var inputHash: String?
    /// Wall-clock and machine facts; the only part that may differ between runs of the same inputs.
    public var run: RunFacts?
    /// What happened over time (`nil` unless the run recorded it).
    public var activity: RunActivity?

    enum CodingKeys: String, CodingKey {
        case scenario, topology, model, mode, plan, throughput, batch, chips, tiles, events, macs, layers, technology, warnings, run, area
        case activity
        case efficiency
        case technologyBasis = "technology_basis"
        case latencyPs = "latency_ps"
        case predictedLatencyPs = "predicted_latency_ps"
        case predictedEnergyPJ = "predicted_energy_pj"
        case crossbarLifetimeIterations = "crossbar_lifetime_iterations"
        case energyPJ = "energy_pj"
        case dataBytes = "data_bytes"
        case actionCounts = "action_counts"
        case tileUtilisation = "tile_utilisation"
        case crossbarWritesPerCell = "crossbar_writes_per_cell"
        case crossbarEnduranceUsed = "crossbar_endurance_used"
        case inputHash = "input_hash"
    }

    public init(
        scenario: String, topology: String, model: String, mode: String = "inference", plan: String = "", batch: Int, chips: Int,
        tiles: Int, latencyPs: UInt64, predictedLatencyPs: UInt64, predictedEnergyPJ: Double = 0, events: UInt64, macs: UInt64,
        energyPJ: Energy, dataBytes: DataMoved, actionCounts: [String: UInt64],
        tileUtilisation: Double, crossbarWritesPerCell: UInt64 = 0, crossbarEnduranceUsed: Double = 0,
        crossbarLifetimeIterations: Double? = nil, layers: [LayerRow],
        technology: [TechnologyRow], warnings: [String], run: RunFacts?
    ) {
        self.scenario = scenario
        self.topology = topology
        self.model = model
        self.mode = mode
        self.plan = plan
        self.batch = batch
        self.chips = chips
        self.tiles = tiles
        self.latencyPs = latencyPs
        self.predictedLatencyPs = predictedLatencyPs
        self.predictedEnergyPJ = predictedEnergyPJ
        self.throughput = latencyPs > 0 ? Double(batch) / (Double(latencyPs) * 1e-12) : 0
        self.events = events
        self.macs = macs
        self.energyPJ = energyPJ
        self.dataBytes = dataBytes
        self.actionCounts = actionCounts
        self.tileUtilisation = tileUtilisation
        self.crossbarWritesPerCell = crossbarWritesPerCell
        self.crossbarEnduranceUsed = crossbarEnduranceUsed
        self.crossbarLifetimeIterations = crossbarLifetimeIterations
        self.layers = layers
        self.technology = technology
        self.warnings = warnings
        self.run = run
    }
}

/// Wall-clock facts of a run (under the `run` key).
public struct RunFacts: Sendable, Codable, Equatable {
    public var wallSeconds: Double
    public var eventsPerSecond: Double
    public var workers: Int
    public var spindleVersion: String
    /// Present with `--profile`: per worker and partition statistics.
    public var profile: RunProfile?
    enum CodingKeys: String, CodingKey {
        case workers, profile
        case wallSeconds = "wall_s"
        case eventsPerSecond = "events_per_s"
        case spindleVersion = "spindle_version"
    }
    public init(wallSeconds: Double, eventsPerSecond: Double, workers: Int, spindleVersion: String, profile: RunProfile?) {
        self.wallSeconds = wallSeconds
        self.eventsPerSecond = eventsPerSecond
        self.workers = workers
        self.spindleVersion = spindleVersion
        self.profile = profile
    }
}

extension RunReport {
    /// Encodes as pretty JSON with sorted keys (deterministic).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// The summary table for people.
    public func summary() -> String {
        var lines: [String] = []
        lines.append("scenario \(scenario): \(model) \(mode), batch \(batch), on \(topology) (\(chips) chip(s), \(tiles) tiles per chip)")
        lines.append("plan: \(plan)")
        lines.append("")
        lines.append("latency            \(Units.formatTime(latencyPs))   (analytic estimate \(Units.formatTime(predictedLatencyPs)))")
        lines.append(
            "energy             \(Units.formatEnergy(energyPJ.total))   (analytic estimate \(Units.formatEnergy(predictedEnergyPJ)))")
        lines.append("throughput         \(Units.format(throughput, 1)) samples/s")
        lines.append("tile utilisation   \(Units.format(tileUtilisation * 100, 1)) %")
        lines.append("events             \(events)")
        if crossbarWritesPerCell > 0 {
            lines.append("crossbar writes    \(crossbarWritesPerCell) per cell (\(crossbarEnduranceUsed) of the device endurance)")
        }
        if let life = crossbarLifetimeIterations {
            lines.append("crossbar lifetime  \(Units.format(life, 0)) training iterations until the most-written cell wears out")
        }
        func share(_ v: Double) -> String { Units.format(energyPJ.total > 0 ? v / energyPJ.total * 100 : 0, 1) + " %" }
        func table(_ title: String, _ rows: [(String, Double)]) {
            lines.append("")
            lines.append(pad(title, 22) + pad("pJ", 16, right: true) + pad("share", 9, right: true))
            for (k, v) in rows {
                lines.append(
                    pad("  " + k, 22) + pad(Units.format(v, 1), 16, right: true) + pad(share(v), 9, right: true) + "  "
                        + TextBar.bar(energyPJ.total > 0 ? v / energyPJ.total : 0))
            }
        }
        table(
            "energy by component",
            energyPJ.byComponent.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) })
        if let levels = energyPJ.byLevel {
            table(
                "energy by level", levels.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }
            )
        }
        if energyPJ.byPhase.filter({ $0.key != Phase.control.rawValue }).count > 1 {
            table("energy by phase", Phase.allCases.compactMap { p in energyPJ.byPhase[p.rawValue].map { (p.rawValue, $0) } })
        }
        lines.append("")
        lines.append("data moved")
        lines.append(pad("  DRAM read", 22) + pad(Units.formatBytes(dataBytes.dramRead), 14, right: true))
        lines.append(pad("  DRAM write", 22) + pad(Units.formatBytes(dataBytes.dramWrite), 14, right: true))
        lines.append(pad("  NoC (byte x hops)", 22) + pad(Units.formatBytes(dataBytes.nocLinkHops), 14, right: true))
        lines.append(pad("  buffers read", 22) + pad(Units.formatBytes(dataBytes.bufferRead), 14, right: true))
        lines.append(pad("  buffers written", 22) + pad(Units.formatBytes(dataBytes.bufferWrite), 14, right: true))
        lines.append(pad("  package (byte x hops)", 22) + pad(Units.formatBytes(dataBytes.package), 14, right: true))
        lines.append("")
        lines.append(
            pad("layer", 14) + pad("stage", 6, right: true) + pad("tiles", 6, right: true) + pad("xbars", 6, right: true)
                + pad("MACs", 14, right: true) + pad("busy", 12, right: true) + pad("energy", 12, right: true)
                + pad("predicted", 12, right: true))
        for l in layers {
            lines.append(
                pad(l.name, 14) + pad(String(l.stage), 6, right: true) + pad(String(l.tiles), 6, right: true)
                    + pad(l.crossbars > 0 ? String(l.crossbars) : "-", 6, right: true) + pad(String(l.macs), 14, right: true)
                    + pad(Units.formatTime(l.busyPs), 12, right: true) + pad(Units.formatEnergy(l.energyPJ), 12, right: true)
                    + pad(Units.formatTime(l.predictedPs), 12, right: true))
        }
        if let e = efficiency {
            lines.append("")
            let basis = technologyBasis.map { " (priced at \($0))" } ?? ""
            lines.append("efficiency\(basis), 2 ops per dense MAC")
            lines.append(
                pad("  energy per MAC", 22) + Units.format(e.pjPerMAC, 3) + " pJ (on chip " + Units.format(e.pjPerMACOnChip, 3) + " pJ)")
            lines.append(
                pad("  GOPS/W", 22) + Units.format(e.gopsPerWatt, 1) + " (on chip " + Units.format(e.gopsPerWattOnChip, 1) + ")")
            if let a = area {
                lines.append(
                    pad("  chip area", 22) + Units.format(a.coreMM2, 3) + " mm2 core + " + Units.format(a.edgeMM2, 3) + " mm2 edge"
                        + (a.nodeNm.map { " at \($0) nm" } ?? " (mixed nodes)")
                        + (a.missing.isEmpty ? "" : "; no area for " + a.missing.joined(separator: ", ")))
            }
            if let g = e.gopsPerMM2 {
                lines.append(pad("  GOPS/mm2", 22) + Units.format(g, 2) + " achieved (" + Units.format(e.gops, 1) + " GOPS)")
            }
        }
        for w in warnings { lines.append("warning: \(w)") }
        if let run {
            lines.append("")
            lines.append(
                "wall time \(Units.format(run.wallSeconds, 3)) s, \(Units.format(run.eventsPerSecond / 1e6, 2)) M events/s, \(run.workers) worker(s)"
            )
        }
        return lines.joined(separator: "\n")
    }

    private func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
        if s.count >= n { return s + " " }
        let fill = String(repeating: " ", count: n - s.count)
        return right ? fill + s : s + fill
    }
}
