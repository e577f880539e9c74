import ArgumentParser
import Foundation
import Spindle
import SpindleCore
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

struct SweepCommand: AsyncParsableCommand {
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
    /// Sweeps larger than this are refused unless --allow-long is given.
    static let maxPoints = 10_000

    @Argument(help: "Scenario YAML file with a 'sweep' section.")
    var scenario: String
    @Option(help: "Folder for the results (created if missing).")
    var out: String = "sweep-results"
    @Option(help: "Points simulated at the same time; results are identical to a serial sweep.")
    var jobs: Int = 1
    @OptionGroup var set: OverrideFlags
    @OptionGroup var engine: EngineFlags

    func validate() throws {
        try CLI.check(jobs, "--jobs", 1...256)
    }

    func run() async throws {
        try await CLI.guarded { try await execute() }
    }

    private func execute() async throws {
        let overrides = try set.overrides()
        let base = try ScenarioLoader.load(scenario, overrides: overrides)
        let sweep = Sweep(base)
        guard !sweep.keys.isEmpty else {
            throw SpindleError(
                .invalidValue, "'\(scenario)' has no sweep section",
                hint: "Add e.g. 'sweep: {compression.method: [dense, smartdeal, osc]}', or use spindle run")
        }
        guard let count = sweep.count, count <= Self.maxPoints || engine.long.allowLong else {
            throw SpindleError(
                .capacity,
                "the sweep of '\(scenario)' has \(sweep.count.map(String.init) ?? "more than 9.2e18") points ("
                    + sweep.keys.map { "\($0.values.count) \($0.key)" }.joined(separator: " x ") + ")",
                expected: "at most \(Self.maxPoints) points",
                hint: "Split the sweep into smaller ones, or pass --allow-long to run it anyway")
        }
        // Check every value alone, then (for sweeps of reasonable size) every point, before running any.
        for single in sweep.singleValues { _ = try ScenarioLoader.load(scenario, overrides: overrides + single) }
        var loaded: [Int: Scenario] = [:]
        if count <= 1_000 {
            for i in 0..<count { loaded[i] = try ScenarioLoader.load(scenario, overrides: overrides + sweep.point(i)) }
        }
        try prepareFolder()
        let width = max(3, String(count).count)
        func fileName(_ i: Int) -> String {
            "point-" + String(repeating: "0", count: max(0, width - String(i + 1).count)) + String(i + 1) + ".json"
        }
        reportForeignFiles(count: count, width: width)

        let keys = sweep.keys.map(\.key)
        let header =
            (["point"] + keys + [
                "plan", "latency_ps", "energy_pj", "throughput_per_s", "dram_read_bytes", "dram_write_bytes", "package_bytes", "macs",
                "events", "input_hash",
            ]).joined(separator: ",")
        var rows = [String?](repeating: nil, count: count)
        func row(_ i: Int, _ report: RunReport) -> String {
            let values = sweep.point(i).map { "\"" + $0.value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
            return
                ([String(i + 1)] + values + [
                    "\"\(report.plan)\"", String(report.latencyPs), String(report.energyPJ.total), String(report.throughput),
                    String(report.dataBytes.dramRead), String(report.dataBytes.dramWrite), String(report.dataBytes.package),
                    String(report.macs), String(report.events), report.inputHash ?? "",
                ]).joined(separator: ",")
        }
        func writeSummary() throws(SpindleError) {
            let text = ([header] + rows.compactMap { $0 }).joined(separator: "\n") + "\n"
            try AtomicFile.write(Data(text.utf8), to: out + "/summary.csv")
        }

        // Reuse stored results whose inputs are unchanged; queue the rest.
        var pending: [Int] = []
        for i in 0..<count {
            let s = try loaded[i] ?? ScenarioLoader.load(scenario, overrides: overrides + sweep.point(i))
            let path = out + "/" + fileName(i)
            if let data = FileManager.default.contents(atPath: path), let old = try? JSONDecoder().decode(RunReport.self, from: data) {
                if old.inputHash == s.inputHash {
                    rows[i] = row(i, old)
                    CLI.progressLine("[\(i + 1)/\(count)] \(s.point ?? ""): already done (\(path))")
                    continue
                }
                CLI.progressLine("[\(i + 1)/\(count)] \(s.point ?? ""): \(path) was computed from other inputs; simulating again")
            }
            pending.append(i)
        }
        try writeSummary()

        let options = try engine.options()
        let limit = engine.long.limit
        let scenarioPath = scenario
        let jobs = min(self.jobs, max(1, pending.count))
        try await withThrowingTaskGroup(of: (Int, RunReport).self) { group in
            var next = 0
            func launch() {
                guard next < pending.count else { return }
                let i = pending[next]
                next += 1
                let point = overrides + sweep.point(i)
                let checked = loaded[i]  // already loaded while checking the points (sweeps up to 1,000 points)
                group.addTask {
                    let prepared = try ScenarioRunner.prepare(try checked ?? ScenarioLoader.load(scenarioPath, overrides: point))
                    if let note = try ScenarioRunner.checkWork(prepared, limit: limit) { CLI.note(note) }
                    return (i, try await ScenarioRunner.run(prepared, options: options))
                }
            }
            for _ in 0..<jobs { launch() }
            while let (i, report) = try await group.next() {
                let path = out + "/" + fileName(i)
                try AtomicFile.write(try report.jsonData() + Data("\n".utf8), to: path)
                rows[i] = row(i, report)
                try writeSummary()
                let label = sweep.point(i).map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                CLI.progressLine(
                    "[\(i + 1)/\(count)] \(label): \(Units.formatTime(report.latencyPs)), \(Units.formatEnergy(report.energyPJ.total)) -> \(path)"
                )
                launch()
            }
        }
        CLI.progressLine("wrote \(out)/summary.csv")
    }

    private func prepareFolder() throws(SpindleError) {
        if InputFile.kind(out) != .missing && InputFile.kind(out) != .directory {
            throw SpindleError(.io, "--out '\(out)' is a file, not a folder", expected: "a folder for the results (created if missing)")
        }
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        } catch {
            throw SpindleError(.io, "cannot create the folder '\(out)': \(error.localizedDescription)")
        }
    }

    /// Names result files in OUT that belong to no point of this sweep; they are left alone and not summarised.
    private func reportForeignFiles(count: Int, width: Int) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
        let foreign = names.filter { name in
            guard name.hasPrefix("point-"), name.hasSuffix(".json") else { return false }
            let digits = name.dropFirst(6).dropLast(5)
            guard let n = Int(digits) else { return true }
            return n < 1 || n > count || digits.count != width
        }.sorted()
        if !foreign.isEmpty {
            CLI.note(
                "\(out) holds \(foreign.count) result file(s) from another sweep (\(foreign.prefix(3).joined(separator: ", "))\(foreign.count > 3 ? ", ..." : "")); they are left as they are and not in summary.csv"
            )
        }
    }
}

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare run results (JSON from spindle run --out or spindle sweep) side by side, with ratios to the first.")
    @Argument(help: "Two or more result JSON files; ratios are to the first.")
    var files: [String]

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
