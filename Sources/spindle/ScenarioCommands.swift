import ArgumentParser
import Foundation
import Spindle
import SpindleCore
import SpindleDistributed
import SpindleEngine
import SpindleMapping
import SpindleReport
import SpindleRun
import SpindleScenario

/// `--set key=value` overrides shared by run, map and sweep.
struct OverrideFlags: ParsableArguments {
    @Option(
        name: .customLong("set"),
        help: "Override a scenario or topology field, e.g. --set compression.method=osc --set chips=2 (repeatable).")
    var values: [String] = []

    func overrides() throws(SpindleError) -> [Override] {
        try values.map { v throws(SpindleError) in
            guard let eq = v.firstIndex(of: "="), eq != v.startIndex else {
                throw SpindleError(.invalidValue, "--set '\(v)' is not of the form key=value", expected: "for example --set batch=16")
            }
            return Override(path: v[..<eq].split(separator: ".").map(String.init), value: String(v[v.index(after: eq)...]))
        }
    }
}

extension MapCommand {
    /// For a training scenario on a cluster: the analytic search's ranked plans, and the simulation of the
    /// scenario's plan (or of the best that fits).
    func mapCluster() throws {
        let s = try ClusterScenarioLoader.load(scenario, overrides: try set.overrides())
        guard case .training(let t) = s.workload else {
            throw SpindleError(.unsupported, "'\(s.name)' runs a collective; there is nothing to map", hint: "Use spindle run")
        }
        let all = PlanSearch.candidates(t.model, sequence: t.sequence, globalBatch: t.globalBatch, cluster: s.cluster.spec)
        print(
            "scenario \(s.name): \(t.model.name), \(t.globalBatch) x \(t.sequence) tokens per iteration, on \(s.cluster.name) (\(s.cluster.spec.chips) chips); \(all.count) plans, \(all.filter(\.fits).count) fit"
        )
        print(
            CLI.pad("plan", 62) + CLI.pad("memory", 11, right: true) + CLI.pad("s/iter", 10, right: true) + CLI.pad("MFU", 8, right: true))
        for e in all.prefix(10) {
            let mark = t.plan == e.plan ? " *" : ""
            print(
                CLI.pad(e.plan.description + mark, 62)
                    + CLI.pad(Units.formatBytes(UInt64(e.memory.total)) + (e.fits ? "" : "!"), 11, right: true)
                    + CLI.pad(Units.format(e.seconds, 3), 10, right: true)
                    + CLI.pad(Units.format(e.modelFLOPsUtilisation * 100, 1) + "%", 8, right: true))
        }
        if let p = t.plan, !all.prefix(10).contains(where: { $0.plan == p }) {
            let e = IterationEstimate(t.model, sequence: t.sequence, plan: p, cluster: s.cluster.spec)
            print(
                "the scenario's plan: \(p): \(Units.format(e.seconds, 3)) s estimated, \(Units.formatBytes(UInt64(e.memory.total))) per chip"
            )
        }
        guard !noSimulate else { return }
        if let note = try ClusterRunner.checkWork(s, limit: engine.long.limit) { CLI.note(note) }
        print("")
        print(try ClusterRunner.run(s).summary())
    }
}

struct MapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map",
        abstract: "Show how a scenario is mapped: the plans considered, the mapping table, and predicted vs simulated cost.",
        discussion: """
            The mapper ranks every plan (data-parallel, pipeline, hybrid) with its analytic cost model by the \
            scenario's objective; the chosen schedule is then simulated unless --no-simulate is given.
            """)
    @Argument(help: "Scenario YAML file.")
    var scenario: String
    @OptionGroup var set: OverrideFlags
    @OptionGroup var engine: EngineFlags
    @Flag(help: "Only map and predict; do not simulate.")
    var noSimulate = false

    func run() async throws {
        try await CLI.guarded {
            if ClusterScenarioLoader.isClusterScenario(scenario) {
                try mapCluster()
                return
            }
            let s = try ScenarioLoader.load(scenario, overrides: try set.overrides())
            let prepared = try ScenarioRunner.prepare(s)
            let m = prepared.mapping
            print(
                "scenario \(s.name): \(s.network.name) \(s.mapping.mode.rawValue), batch \(s.batch), on \(s.topology.name) (\(s.topology.chips) chip(s))"
            )
            print("objective \(s.mapping.objective.rawValue); plans considered:")
            for c in m.candidates {
                let cost =
                    c.infeasible.map { "does not fit: " + $0 } ?? "\(Units.formatTime(c.predictedPs)), \(Units.formatEnergy(c.predictedPJ))"
                print("  " + CLI.pad(c.plan + (c.plan == m.plan.description ? " *" : ""), 46) + cost)
            }
            print("")
            print(
                CLI.pad("layer", 14) + CLI.pad("stage", 6, right: true) + CLI.pad("chips", 10, right: true)
                    + CLI.pad("tiles", 6, right: true)
                    + CLI.pad("xbars", 7, right: true) + CLI.pad("copies", 7, right: true) + CLI.pad("weights", 12, right: true)
                    + CLI.pad("MACs", 14, right: true) + CLI.pad("predicted", 12, right: true) + CLI.pad("energy", 12, right: true))
            for r in m.rows {
                let chips = r.chips.count > 3 ? "\(r.chips.first!)-\(r.chips.last!)" : r.chips.map(String.init).joined(separator: ",")
                print(
                    CLI.pad(r.layer, 14) + CLI.pad(String(r.stage), 6, right: true) + CLI.pad(chips, 10, right: true)
                        + CLI.pad(String(r.tiles), 6, right: true) + CLI.pad(r.crossbars > 0 ? String(r.crossbars) : "-", 7, right: true)
                        + CLI.pad(r.crossbars > 0 ? String(r.copies) : "-", 7, right: true)
                        + CLI.pad(Units.formatBytes(r.weightBytes), 12, right: true)
                        + CLI.pad(String(r.macs), 14, right: true) + CLI.pad(Units.formatTime(r.predictedPs), 12, right: true)
                        + CLI.pad(Units.formatEnergy(r.predictedPJ), 12, right: true))
            }
            for n in m.notes { CLI.note(n) }
            print("")
            print("predicted   latency \(Units.formatTime(m.predictedLatencyPs)), energy \(Units.formatEnergy(m.predictedEnergyPJ))")
            guard !noSimulate else { return }
            if let note = try ScenarioRunner.checkWork(prepared, limit: engine.long.limit) { CLI.note(note) }
            let report = try await ScenarioRunner.run(prepared, options: try engine.options())
            print(
                "simulated   latency \(Units.formatTime(report.latencyPs)), energy \(Units.formatEnergy(report.energyPJ.total))"
                    + "   (predicted/simulated: \(Units.format(Double(m.predictedLatencyPs) / Double(max(report.latencyPs, 1)), 2))x time, \(Units.format(m.predictedEnergyPJ / max(report.energyPJ.total, 1e-30), 2))x energy)"
            )
        }
    }
}

struct SweepCommand: DistributedCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run every point of a scenario's sweep; write one JSON result per point and a summary CSV.",
        discussion: """
            Points are the Cartesian product of the sweep's values (first key slowest). Every point is checked \
            before the first one runs. Each result goes to OUT/point-NNN.json as soon as it is done, and \
            OUT/summary.csv is rewritten after every point, so an interrupted sweep leaves a true summary. Run \
            again with the same OUT to resume: a stored result is reused only when the SHA-256 of everything \
            that determines it (the scenario, topology, technology and model files with the point's values, and \
            Spindle's model revision) is unchanged; edited points are simulated again.
            """)
    @Argument(help: "Scenario YAML file with a 'sweep' section.")
    var scenario: String
    @Option(help: "Folder for the results (created if missing).")
    var out: String = "sweep-results"
    @Option(help: "Points simulated at the same time; results are identical to a serial sweep.")
    var jobs: Int = 1
    @Option(help: "Also write an HTML page comparing the points (bars per metric, each swept key, the Pareto front).")
    var html: String?
    @OptionGroup var set: OverrideFlags
    @OptionGroup var engine: EngineFlags

    func validate() throws {
        try CLI.check(jobs, "--jobs", 1...256)
    }

    func run(world: MPIWorld?) async throws {
        try await CLI.guarded {
            let (overrides, options) = try await Distributed.agree(world) { () throws -> ([Override], EngineOptions) in
                (try set.overrides(), try engine.options())
            }
            var runner = SweepRunner(scenarioPath: scenario, overrides: overrides, folder: out, options: options, limit: engine.long.limit)
            runner.jobs = jobs
            runner.group = world?.group
            let reports = try await runner.run { event in
                switch event {
                case .reused(let i, let count, let point, let path):
                    CLI.progressLine("[\(i + 1)/\(count)] \(point): already done (\(path))")
                case .stale(let i, let count, let point, let path):
                    CLI.progressLine("[\(i + 1)/\(count)] \(point): \(path) was computed from other inputs; simulating again")
                case .finished(let i, let count, let label, let report, let path, let rank):
                    let by = world.map { $0.group.size > 1 ? " (rank \(rank))" : "" } ?? ""
                    CLI.progressLine(
                        "[\(i + 1)/\(count)] \(label): \(Units.formatTime(report.latencyPs)), \(Units.formatEnergy(report.energyPJ.total)) -> \(path)\(by)"
                    )
                case .note(let text):
                    CLI.note(text)
                case .done(let summary):
                    CLI.progressLine("wrote \(summary)")
                }
            }
            if let html, !reports.isEmpty {
                let base = try ScenarioLoader.load(scenario, overrides: overrides)
                let points = ScenarioLoader.sweepPoints(base)
                let width = String(max(points.count, 1)).count
                let entries = zip(reports, points).enumerated().map { i, pair in
                    ComparisonHTML.Entry(
                        name: pair.1.isEmpty
                            ? SweepRunner.fileName(i, width: width) : pair.1.map { "\($0.key)=\($0.value)" }.joined(separator: ","),
                        report: pair.0, axes: pair.1.map { ($0.key, $0.value) })
                }
                let page = try ComparisonHTML.page(title: "Spindle sweep: \(base.name)", entries)
                try AtomicFile.write(Data(page.utf8), to: html)
                CLI.progressLine("wrote \(html)")
            }
        }
    }
}

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare run results (JSON from spindle run --out or spindle sweep) side by side, with ratios to the first.")
    @Argument(help: "Two or more result JSON files; ratios are to the first.")
    var files: [String]
    @Option(help: "Also write an HTML page with the results side by side (bars per metric, the Pareto front).")
    var html: String?

    func run() throws {
        do {
            guard files.count >= 2 else {
                throw SpindleError(.invalidValue, "compare needs at least two result files (got \(files.count))")
            }
            let reports = try files.map { f throws(SpindleError) -> RunReport in
                let data = try InputFile.bytes(f, what: "result JSON", maxBytes: 1 << 28)
                do {
                    return try JSONDecoder().decode(RunReport.self, from: data)
                } catch {
                    throw SpindleError(
                        .syntax, "'\(f)' is not a Spindle result: \(error)",
                        expected: "the JSON written by spindle run --out or spindle sweep")
                }
            }
            print(Self.table(reports, names: files))
            if let html {
                let page = try ComparisonHTML.page(
                    title: "Spindle comparison", zip(files, reports).map { ComparisonHTML.Entry(name: $0, report: $1) })
                try AtomicFile.write(Data(page.utf8), to: html)
                print("\nwrote \(html)")
            }
        } catch let e as SpindleError {
            FileHandle.standardError.write(Data((e.description + "\n").utf8))
            throw ExitCode(2)
        }
    }

    /// The side-by-side table: every row is a metric, every column a result, then ratios to the first.
    static func table(_ reports: [RunReport], names: [String]) -> String {
        var metrics: [(String, [Double], (Double) -> String)] = [
            ("latency", reports.map { Double($0.latencyPs) }, { Units.formatTime(Picoseconds($0)) }),
            ("energy", reports.map(\.energyPJ.total), { Units.formatEnergy($0) }),
            ("throughput (samples/s)", reports.map(\.throughput), { Units.format($0, 1) }),
            ("MACs", reports.map { Double($0.macs) }, { Units.format($0, 0) }),
            ("DRAM read", reports.map { Double($0.dataBytes.dramRead) }, { Units.formatBytes(UInt64($0)) }),
            ("DRAM write", reports.map { Double($0.dataBytes.dramWrite) }, { Units.formatBytes(UInt64($0)) }),
            ("NoC byte x hops", reports.map { Double($0.dataBytes.nocLinkHops) }, { Units.formatBytes(UInt64($0)) }),
            ("package byte x hops", reports.map { Double($0.dataBytes.package) }, { Units.formatBytes(UInt64($0)) }),
        ]
        let kinds = Set(reports.flatMap { $0.energyPJ.byComponent.keys }).sorted()
        for k in kinds { metrics.append(("energy: " + k, reports.map { $0.energyPJ.byComponent[k] ?? 0 }, { Units.formatEnergy($0) })) }
        let phases = Phase.allCases.filter { $0 != .control }.map(\.rawValue).filter { p in
            reports.contains { $0.energyPJ.byPhase[p] != nil }
        }
        for p in phases { metrics.append(("energy: " + p, reports.map { $0.energyPJ.byPhase[p] ?? 0 }, { Units.formatEnergy($0) })) }
        var lines: [String] = []
        for (i, r) in reports.enumerated() { lines.append("[\(i + 1)] \(names[i]): \(r.scenario), \(r.model) \(r.mode), \(r.plan)") }
        lines.append("")
        var header = CLI.pad("", 24)
        for i in reports.indices { header += CLI.pad("[\(i + 1)]", 14, right: true) }
        for i in reports.indices.dropFirst() { header += CLI.pad("[\(i + 1)]/[1]", 10, right: true) }
        lines.append(header)
        for (name, values, format) in metrics {
            var line = CLI.pad(name, 24)
            for v in values { line += CLI.pad(format(v), 14, right: true) }
            for v in values.dropFirst() { line += CLI.pad(values[0] > 0 ? Units.format(v / values[0], 3) : "-", 10, right: true) }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
