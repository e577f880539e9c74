import Foundation
import SpindleCore
import SpindleEngine
import SpindleReport
import SpindleScenario

/// Runs every point of a scenario's sweep into a folder: one JSON result per point, written atomically as
/// soon as it is done, and a summary CSV rewritten after every point, so an interrupted sweep leaves a true
/// summary. A stored result is reused only when the SHA-256 of everything that determines it is unchanged.
///
/// Every point is checked before the first one runs. Points may run several at a time (`jobs`), and over
/// the processes of a distributed run (`group`: rank 0 hands out points one at a time to each rank, runs
/// `jobs` itself, and writes every file); results are identical to a serial sweep.
public struct SweepRunner: Sendable {
    /// Sweeps larger than this are refused unless `allowLong` is set.
    public static let maxPoints = 10_000

    /// What happens as the sweep goes, for progress displays.
    public enum Progress: Sendable {
        /// Point `index` (0-based) of `count` has a stored result with the same inputs.
        case reused(index: Int, count: Int, point: String, path: String)
        /// Point `index` has a stored result computed from other inputs; it is simulated again.
        case stale(index: Int, count: Int, point: String, path: String)
        /// Point `index` was simulated (by process `rank` of a distributed sweep, else 0) and written to `path`.
        case finished(index: Int, count: Int, label: String, report: RunReport, path: String, rank: Int)
        /// Something worth saying that changes nothing (a long estimate, files of another sweep).
        case note(String)
        /// The summary was written for the last time.
        case done(summary: String)
    }

    public var scenarioPath: String
    public var overrides: [Override]
    /// Folder for the results (created if missing).
    public var folder: String
    public var jobs = 1
    public var options: EngineOptions
    public var limit: WorkLimit
    /// The processes of a distributed sweep (`nil`: this process alone). Every process calls `run`; each
    /// point runs whole on one process.
    public var group: (any ProcessGroup)?

    public init(scenarioPath: String, overrides: [Override] = [], folder: String, options: EngineOptions, limit: WorkLimit) {
        self.scenarioPath = scenarioPath
        self.overrides = overrides
        self.folder = folder
        self.options = options
        self.limit = limit
    }

    /// Runs the sweep; returns the report of every point, in point order (in a distributed sweep, on rank 0;
    /// the other ranks return an empty list).
    @discardableResult
    public func run(progress: @escaping @Sendable (Progress) -> Void = { _ in }) async throws -> [RunReport] {
        let leader = (group?.rank ?? 0) == 0
        // Every process checks the sweep; rank 0 also looks at the folder. A failure anywhere stops all.
        var checked: Checked?
        var failure: SpindleError?
        do {
            checked = try check(progress: leader ? progress : { _ in }, leader: leader)
        } catch {
            failure = error
        }
        if let group { try group.agree(failure?.description) } else if let failure { throw failure }
        let plan = checked!
        guard leader else {
            if let group { try await DistributedSweep.follow(group: group, run: { i in try await runPoint(i, plan) }) }
            return []
        }
        var reports = plan.reports
        var summary = plan.summary
        let count = plan.count, width = plan.width, sweep = plan.sweep
        let completions = DistributedSweep.Completions()
        let queue = DistributedSweep.PointQueue(plan.pending)
        let jobs = min(self.jobs, max(1, plan.pending.count))
        let localRuns = (0..<jobs).map { _ in
            Task {
                while let i = queue.take() {
                    do {
                        completions.yield(.done(index: i, report: try await runPoint(i, plan), data: nil, rank: 0))
                    } catch {
                        queue.close()
                        completions.yield(.failed(error as? SpindleError ?? SpindleError(.invalidValue, "\(error)"), rank: 0))
                    }
                }
                completions.yield(.producerDone)
            }
        }
        let producers = jobs + ((group?.size ?? 1) > 1 ? 1 : 0)
        if let group, group.size > 1 {
            DistributedSweep.serve(group: group, queue: queue, completions: completions)
        }
        var finishedProducers = 0
        var firstFailure: (any Error)?
        for await c in completions.stream {
            switch c {
            case .producerDone:
                finishedProducers += 1
            case .failed(let error, _):
                if firstFailure == nil { firstFailure = error }
            case .done(let i, let report, let data, let rank):
                let path = folder + "/" + Self.fileName(i, width: width)
                try AtomicFile.write((try data ?? report.jsonData()) + Data("\n".utf8), to: path)
                reports[i] = report
                summary.set(i, values: sweep.point(i).map(\.value), report)
                try summary.write(to: folder + "/summary.csv")
                let label = sweep.point(i).map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                progress(.finished(index: i, count: count, label: label, report: report, path: path, rank: rank))
            }
            if finishedProducers == producers { break }
        }
        for t in localRuns { await t.value }
        if let firstFailure { throw firstFailure }
        progress(.done(summary: folder + "/summary.csv"))
        return reports.map { $0! }
    }

    /// A checked sweep: its points, and (on rank 0) the stored results and the points still to run.
    struct Checked: Sendable {
        var sweep: Sweep
        var count: Int
        var width: Int
        var loaded: [Int: Scenario]
        var reports: [RunReport?]
        var summary: SweepSummary
        var pending: [Int]
    }

    /// Loads and checks every point; on rank 0 also prepares the folder, reuses stored results and writes
    /// the first summary.
    private func check(progress: @Sendable (Progress) -> Void, leader: Bool) throws(SpindleError) -> Checked {
        let base = try ScenarioLoader.load(scenarioPath, overrides: overrides)
        let sweep = Sweep(base)
        guard !sweep.keys.isEmpty else {
            throw SpindleError(
                .invalidValue, "'\(scenarioPath)' has no sweep section",
                hint: "Add e.g. 'sweep: {compression.method: [dense, smartdeal, osc]}', or use spindle run")
        }
        guard let count = sweep.count, count <= Self.maxPoints || limit.allowLong else {
            throw SpindleError(
                .capacity,
                "the sweep of '\(scenarioPath)' has \(sweep.count.map(String.init) ?? "more than 9.2e18") points ("
                    + sweep.keys.map { "\($0.values.count) \($0.key)" }.joined(separator: " x ") + ")",
                expected: "at most \(Self.maxPoints) points",
                hint: "Split the sweep into smaller ones, or pass --allow-long to run it anyway")
        }
        // Check every value alone, then (for sweeps of reasonable size) every point, before running any.
        for single in sweep.singleValues { _ = try ScenarioLoader.load(scenarioPath, overrides: overrides + single) }
        var loaded: [Int: Scenario] = [:]
        if count <= 1_000 {
            for i in 0..<count { loaded[i] = try ScenarioLoader.load(scenarioPath, overrides: overrides + sweep.point(i)) }
        }
        let width = max(3, String(count).count)
        var summary = SweepSummary(keys: sweep.keys.map(\.key), count: count)
        var reports = [RunReport?](repeating: nil, count: count)
        guard leader else {
            return Checked(sweep: sweep, count: count, width: width, loaded: loaded, reports: reports, summary: summary, pending: [])
        }
        try prepareFolder()
        if let note = foreignFiles(count: count, width: width) { progress(.note(note)) }

        // Reuse stored results whose inputs are unchanged; queue the rest.
        var pending: [Int] = []
        for i in 0..<count {
            let s: Scenario
            if let known = loaded[i] { s = known } else { s = try ScenarioLoader.load(scenarioPath, overrides: overrides + sweep.point(i)) }
            let path = folder + "/" + Self.fileName(i, width: width)
            if let data = FileManager.default.contents(atPath: path), let old = try? JSONDecoder().decode(RunReport.self, from: data) {
                if old.inputHash == s.inputHash {
                    reports[i] = old
                    summary.set(i, values: sweep.point(i).map(\.value), old)
                    progress(.reused(index: i, count: count, point: s.point ?? "", path: path))
                    continue
                }
                progress(.stale(index: i, count: count, point: s.point ?? "", path: path))
            }
            pending.append(i)
        }
        try summary.write(to: folder + "/summary.csv")
        return Checked(sweep: sweep, count: count, width: width, loaded: loaded, reports: reports, summary: summary, pending: pending)
    }

    /// Maps and simulates point `i` in this process.
    private func runPoint(_ i: Int, _ plan: Checked) async throws -> RunReport {
        let point = overrides + plan.sweep.point(i)
        // Already loaded while checking the points (sweeps up to 1,000 points).
        let prepared = try ScenarioRunner.prepare(try plan.loaded[i] ?? ScenarioLoader.load(scenarioPath, overrides: point))
        _ = try ScenarioRunner.checkWork(prepared, limit: limit)
        var options = self.options
        options.group = nil
        return try await ScenarioRunner.run(prepared, options: options)
    }

    /// The result file of point `i` (0-based): `point-001.json`, numbered with at least `width` digits.
    public static func fileName(_ i: Int, width: Int) -> String {
        "point-" + String(repeating: "0", count: max(0, width - String(i + 1).count)) + String(i + 1) + ".json"
    }

    private func prepareFolder() throws(SpindleError) {
        if InputFile.kind(folder) != .missing && InputFile.kind(folder) != .directory {
            throw SpindleError(.io, "--out '\(folder)' is a file, not a folder", expected: "a folder for the results (created if missing)")
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw SpindleError(.io, "cannot create the folder '\(folder)': \(error.localizedDescription)")
        }
    }

    /// Names result files in the folder that belong to no point of this sweep; they are left alone and not
    /// summarised.
    private func foreignFiles(count: Int, width: Int) -> String? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let foreign = names.filter { name in
            guard name.hasPrefix("point-"), name.hasSuffix(".json") else { return false }
            let digits = name.dropFirst(6).dropLast(5)
            guard let n = Int(digits) else { return true }
            return n < 1 || n > count || digits.count != width
        }.sorted()
        guard !foreign.isEmpty else { return nil }
        return
            "\(folder) holds \(foreign.count) result file(s) from another sweep (\(foreign.prefix(3).joined(separator: ", "))\(foreign.count > 3 ? ", ..." : "")); they are left as they are and not in summary.csv"
    }
}

/// The sweep's summary CSV: one row per finished point, in point order.
struct SweepSummary: Sendable {
    let header: String
    var rows: [String?]

    init(keys: [String], count: Int) {
        header =
            (["point"] + keys + [
                "plan", "latency_ps", "energy_pj", "throughput_per_s", "dram_read_bytes", "dram_write_bytes", "package_bytes", "macs",
                "events", "gops_per_w", "gops_per_w_on_chip", "chip_core_mm2", "gops_per_mm2", "input_hash",
            ]).joined(separator: ",")
        rows = Array(repeating: nil, count: count)
    }

    /// Fills point `i`'s row: its swept values, then the report's figures.
    mutating func set(_ i: Int, values: [String], _ report: RunReport) {
        let quoted = values.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        rows[i] =
            ([String(i + 1)] + quoted + [
                "\"\(report.plan)\"", String(report.latencyPs), String(report.energyPJ.total), String(report.throughput),
                String(report.dataBytes.dramRead), String(report.dataBytes.dramWrite), String(report.dataBytes.package),
                String(report.macs), String(report.events), report.efficiency.map { String($0.gopsPerWatt) } ?? "",
                report.efficiency.map { String($0.gopsPerWattOnChip) } ?? "", report.area.map { String($0.coreMM2) } ?? "",
                report.efficiency?.gopsPerMM2.map { String($0) } ?? "", report.inputHash ?? "",
            ]).joined(separator: ",")
    }

    func write(to path: String) throws(SpindleError) {
        let text = ([header] + rows.compactMap { $0 }).joined(separator: "\n") + "\n"
        try AtomicFile.write(Data(text.utf8), to: path)
    }
}
