import ArgumentParser
import Foundation
import Spindle
import SpindleCompression
import SpindleCore
import SpindleDistributed
import SpindleEngine
import SpindleHardware
import SpindleMapping
import SpindleReport
import SpindleRun
import SpindleScenario
import SpindleWorkload

#if canImport(Glibc)
    import Glibc
#endif

/// Options every simulating command shares.
struct EngineFlags: ParsableArguments {
    @Option(help: "Worker threads (default: the number of cores).")
    var workers: Int?
    @Option(help: "Pin workers to NUMA nodes: auto, off, or a node list such as 0,1.")
    var numa: String = "off"
    @Flag(help: "Report events, events/s, barrier waits, windows, NUMA node and CPU per worker and partition, and peak memory.")
    var profile = false
    @OptionGroup var long: LongWorkFlags

    func validate() throws {
        if let workers { try CLI.check(workers, "--workers", 1...1_024, "worker threads") }
        _ = try NUMAPolicy.parse(numa)
    }

    func options() throws(SpindleError) -> EngineOptions {
        EngineOptions(workers: workers ?? EngineOptions.defaultWorkers, numa: try NUMAPolicy.parse(numa))
    }
}

struct RunCommand: DistributedCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Simulate a scenario and report latency, energy by component and data moved.",
        discussion: """
            Without SCENARIO, runs the built-in quickstart scenario (tiny-cnn, batch 4, on one 4x4 chip). \
            Everything in the JSON outside the "run" key is identical for any --workers.
            """)

    @Argument(help: "Scenario YAML file (default: the built-in quickstart).")
    var scenario: String?
    @OptionGroup var set: OverrideFlags
    @OptionGroup var engine: EngineFlags
    @Flag(help: "Print one JSON object on stdout instead of the summary table.")
    var json = false
    @Option(help: "Also write the JSON result to this file (atomically).")
    var out: String?
    @Flag(help: "Never show the progress bar.")
    var noProgress = false
    @Option(
        help: ArgumentHelp(
            "Cluster training and serving scenarios: write the chips' programs as Chakra execution traces (spindle.RANK.et and comm_group.json, as ASTRA-sim reads them) into this folder.",
            valueName: "folder"))
    var chakra: String?
    @Option(help: "Write a timeline of the chips' work (Chrome trace-event JSON, for ui.perfetto.dev) to this file.")
    var trace: String?
    @Option(help: "With --trace: the most spans, counter samples and arrows to record (the rest are counted in the file's metadata).")
    var traceLimit: Int = 1_000_000
    @Option(help: "With --trace: trace the first this many chips.")
    var traceChips: Int = 64
    @Option(help: "With --trace on a topology scenario: draw arrows only for this layer's chip-to-chip transfers (default: every layer's).")
    var traceLayer: String?
    @Option(help: "With --trace: keep only this interval of simulated time, START:END with units (2ms:3ms, :500us, 1s:).")
    var traceWindow: String?
    @Option(help: "Write a self-contained HTML report with charts to this file (records the run's activity over time).")
    var html: String?
    @Flag(help: "Record activity over time (per-chip utilisation, DRAM and network rates, steps) into the JSON result.")
    var activity = false

    func run(world: MPIWorld?) async throws {
        try await CLI.guarded { try await execute(world: world) }
    }

    private func execute(world: MPIWorld?) async throws {
        let path = self.scenario ?? ScenarioLoader.defaultScenario
        if trace != nil {
            try CLI.check(traceLimit, "--trace-limit", 1...100_000_000)
            try CLI.check(traceChips, "--trace-chips", 1...(1 << 20))
        }
        let window = try Self.window(traceWindow)
        if ClusterScenarioLoader.isClusterScenario(path) {
            try runCluster(path, world: world, window: window)
            return
        }
        if chakra != nil {
            throw SpindleError(
                .unsupported, "--chakra writes the chip programs of cluster scenarios (training iterations, replayed traces)",
                hint: "Topology scenarios' per-tile schedules have no Chakra form yet")
        }
        do {
            // Every process checks and maps the scenario; an error anywhere stops all of them, reported once.
            let (prepared, options) = try await Distributed.agree(world) { () async throws -> (ScenarioRunner.Prepared, EngineOptions) in
                let scenario = try ScenarioLoader.load(self.scenario ?? ScenarioLoader.defaultScenario, overrides: try set.overrides())
                if !scenario.sweep.isEmpty && scenario.point == nil {
                    CLI.note(
                        "the scenario sweeps \(scenario.sweep.map(\.key).joined(separator: ", ")); this runs its base values (spindle sweep runs every point)"
                    )
                }
                let status = StatusLine()
                status.show(
                    "mapping '\(scenario.name)' (\(scenario.network.name), batch \(scenario.batch)) onto \(scenario.topology.chips) chip(s)"
                        + (scenario.compression != nil ? ", compressing its weights first" : "") + " ...")
                let prepared = try ScenarioRunner.prepare(scenario)
                status.clear()
                if let note = try ScenarioRunner.checkWork(prepared, limit: engine.long.limit) { CLI.note(note) }
                var options = try engine.options()
                options.group = world?.group
                return (prepared, options)
            }
            let bar = ProgressBar(enabled: !noProgress && isatty(STDERR_FILENO) == 1)
            let update: @Sendable (Double, RunProgress) -> Void = { fraction, p in bar.update(fraction, p) }
            let onProgress = bar.enabled ? update : nil
            if let layer = traceLayer, !prepared.schedule.labels.contains(where: { $0.layer == layer }) {
                let names = Array(Set(prepared.schedule.labels.map(\.layer))).sorted()
                throw SpindleError(
                    .invalidValue, "--trace-layer '\(layer)' is not a layer of '\(prepared.scenario.name)'",
                    expected: "one of " + names.prefix(40).joined(separator: ", ") + (names.count > 40 ? ", ..." : ""))
            }
            let request = trace.map { _ in TraceRequest(chips: traceChips, limit: traceLimit, arrowsLayer: traceLayer, window: window) }
            var (report, timeline) = try await ScenarioRunner.record(
                prepared, options: options, profile: engine.profile, progress: onProgress, activity: activity || html != nil,
                trace: request)
            bar.finish(RunProgress(time: report.latencyPs, events: report.events, wallSeconds: report.run?.wallSeconds ?? 0))
            if !engine.profile { report.run?.profile = nil }
            // Every process holds the whole result; rank 0 speaks for the job.
            if let world, world.group.rank != 0 { return }
            let data = try report.jsonData()
            if let out { try AtomicFile.write(data + Data("\n".utf8), to: out) }
            if let trace, let timeline {
                try writeTrace(timeline, to: trace, about: ["scenario": report.scenario, "topology": report.topology])
            }
            if let html { try writeHTML(try report.html(), to: html) }
            if json {
                FileHandle.standardOutput.write(data + Data("\n".utf8))
                if engine.profile, let profile = report.run?.profile {
                    FileHandle.standardError.write(Data((ProfileTable.render(profile) + "\n").utf8))
                }
            } else {
                print(report.summary())
                if engine.profile, let profile = report.run?.profile { print("\n" + ProfileTable.render(profile)) }
                if let out { print("\nwrote \(out)") }
            }
            if let profile = report.run?.profile {
                for n in profile.notes { CLI.note(n) }
                CLI.note(
                    "\(report.events) events simulated; the estimate before the run was \(WorkLimit.format(ScenarioRunner.estimatedEvents(prepared)))"
                )
            }
        }
    }
}

extension RunCommand {
    /// Runs a cluster scenario (a transformer's training iteration or a collective on a flow-level network):
    /// one sequential event loop, so `--workers` does not change it; under MPI rank 0 runs it alone.
    func runCluster(_ path: String, world: MPIWorld?, window: ClosedRange<Double>?) throws {
        let scenario = try ClusterScenarioLoader.load(path, overrides: try set.overrides())
        if let world, world.group.rank != 0 { return }
        if let note = try ClusterRunner.checkWork(scenario, limit: engine.long.limit) { CLI.note(note) }
        let status = StatusLine()
        status.show("simulating '\(scenario.name)' on '\(scenario.cluster.name)' (\(scenario.cluster.spec.chips) chips) ...")
        // The HTML report draws the first chips' timeline: recorded even without --trace.
        let request =
            trace != nil
            ? TraceRequest(chips: traceChips, limit: traceLimit, window: window)
            : html != nil && scenario.hasChipPrograms ? Self.htmlTrace : nil
        let (report, timeline) = try ClusterRunner.run(scenario, trace: request)
        status.clear()
        if let chakra {
            let set = try ClusterRunner.chakraTrace(scenario)
            // About 2.6 us and 136 bytes a node (Docs/performance.md).
            if let note = try engine.long.limit.check(
                "writing Chakra traces (about \(Units.formatBytes(count: Double(set.nodes) * 136)))", units: Double(set.nodes),
                unitName: "nodes", perSecond: 4e5, hint: "Write the traces of a smaller cluster or fewer micro-batches")
            {
                CLI.note(note)
            }
            let paths = try set.write(to: chakra)
            CLI.note("wrote \(paths.count - 1) Chakra traces (\(set.nodes) nodes) and \(ChakraTraceSet.groupFile) to \(chakra)")
        }
        let data = try report.jsonData()
        if let out { try AtomicFile.write(data + Data("\n".utf8), to: out) }
        if let trace, let timeline {
            try writeTrace(timeline, to: trace, about: ["scenario": scenario.name, "cluster": scenario.cluster.name])
        }
        if let html { try writeHTML(try report.html(timeline: timeline), to: html) }
        if json {
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        } else {
            print(report.summary())
            if let out { print("\nwrote \(out)") }
        }
    }
}

extension RunCommand {
    /// What `--html` records of a cluster run when no trace is asked for: chips spread over the stages.
    static var htmlTrace: TraceRequest {
        var r = TraceRequest(chips: ClusterRunReport.htmlTimelineChips, limit: 200_000)
        r.acrossStages = true
        return r
    }

    /// `--trace-window START:END` in picoseconds; either end may be left out.
    static func window(_ text: String?) throws(SpindleError) -> ClosedRange<Double>? {
        guard let text else { return nil }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        func fail(_ why: String) -> SpindleError {
            SpindleError(
                .invalidValue, "--trace-window '\(text)': \(why)",
                expected: "START:END with time units (ps, ns, us, ms, s), either end left out: 2ms:3ms, :500us, 1s:")
        }
        guard parts.count == 2 else { throw fail("not START:END") }
        func time(_ p: Substring, _ open: Double) throws(SpindleError) -> Double {
            guard !p.trimmingCharacters(in: .whitespaces).isEmpty else { return open }
            switch UnitKind.time.parse(String(p)) {
            case .success(let v) where v.isFinite && v >= 0 && v <= 1e19: return v
            case .success: throw fail("'\(p)' is not a time from 0 to 10^7 s")
            case .failure(let e): throw fail(e.description)
            }
        }
        let start = try time(parts[0], 0), end = try time(parts[1], 1e19)
        guard start < end else { throw fail("the window ends before it starts") }
        return start...end
    }

    func writeTrace(_ timeline: Timeline, to path: String, about: [String: String]) throws {
        var about = about
        about["model_revision"] = ModelRevision.current
        about["time_unit"] = "us"
        try AtomicFile.write(try ChromeTrace.data(timeline, about: about), to: path)
        CLI.note(
            "wrote \(path): \(timeline.spans.count) spans, \(timeline.samples.count) counter samples and \(timeline.arrows.count) arrows in \(Set(timeline.tracks.map(\.process)).count) processes"
                + (timeline.dropped > 0 ? ", \(timeline.dropped) more dropped at --trace-limit" : "") + "; open it in ui.perfetto.dev")
    }

    func writeHTML(_ page: String, to path: String) throws {
        try AtomicFile.write(Data(page.utf8), to: path)
        CLI.note("wrote \(path) (\(Units.formatBytes(UInt64(page.utf8.count)))); open it in a browser")
    }
}

/// The `--profile` table.
enum ProfileTable {
    /// Above this many partitions the table gives their spread instead of a row each.
    static let maxPartitionRows = 64

    static func render(_ p: RunProfile) -> String {
        var lines = [
            "profile: \(Units.format(p.wallSeconds, 3)) s wall, \(CLI.rate(p.eventsPerSecond))events/s, \(p.ranks.map { "\(p.activeWorkers) worker(s) on \($0.count) ranks (\(p.requestedWorkers) per rank requested)" } ?? "\(p.activeWorkers) of \(p.requestedWorkers) worker(s) active"), lookahead \(p.lookaheadPs.map { Units.formatTime($0) } ?? "none (one partition)"), NUMA \(p.numa), peak memory \(Units.formatBytes(p.peakMemoryBytes))",
            "  worker  partitions   events      events/s   barrier wait  windows  cpu  node  pinned",
        ]
        for w in p.workers {
            lines.append(
                "  "
                    + [
                        CLI.pad(String(w.worker), 6), CLI.pad(ranges(w.partitions), 12),
                        CLI.pad(String(w.events), 11), CLI.pad(CLI.rate(w.eventsPerSecond), 10),
                        CLI.pad(Units.format(w.barrierWaitShare * 100, 1) + " %", 13), CLI.pad(String(w.windows), 8),
                        CLI.pad(String(w.cpu), 4), CLI.pad(String(w.numaNode), 5), w.pinned ? "yes" : "no",
                    ].joined(separator: " "))
        }
        if p.partitions.count > maxPartitionRows {
            // Many chips: the spread, not a row each (the JSON has every partition).
            let events = p.partitions.map(\.events).sorted()
            let busy = p.partitions.map(\.busyShare).sorted()
            lines.append(
                "  partitions: \(p.partitions.count); events min \(events.first!), median \(events[events.count / 2]), max \(events.last!); "
                    + "busy min \(Units.format(busy.first! * 100, 1)) %, max \(Units.format(busy.last! * 100, 1)) % (every partition is in the JSON)"
            )
        } else {
            lines.append("  partition  worker  events      events/s   busy")
            for q in p.partitions {
                lines.append(
                    "  "
                        + [
                            CLI.pad(String(q.partition), 9), CLI.pad(String(q.worker), 7), CLI.pad(String(q.events), 11),
                            CLI.pad(CLI.rate(q.eventsPerSecond), 10), Units.format(q.busyShare * 100, 1) + " %",
                        ].joined(separator: " "))
            }
        }
        if let ranks = p.ranks {
            lines.append(
                "  rank  host            partitions   workers  events      events/s   exchange  reduce wait  bytes/window  windows  node")
            for r in ranks {
                lines.append(
                    "  "
                        + [
                            CLI.pad(String(r.rank), 5), CLI.pad(r.host, 15), CLI.pad(ranges(r.partitions), 12),
                            CLI.pad(String(r.workers), 8),
                            CLI.pad(String(r.events), 11), CLI.pad(CLI.rate(r.eventsPerSecond), 10),
                            CLI.pad(Units.format(r.exchangeShare * 100, 1) + " %", 9),
                            CLI.pad(Units.format(r.reductionWaitShare * 100, 1) + " %", 12),
                            CLI.pad(Units.format(r.eventsSentPerWindow, 4) + " ev", 12), CLI.pad(String(r.windows), 8), String(r.numaNode),
                        ].joined(separator: " "))
            }
        }
        for n in p.notes { lines.append("  note: \(n)") }
        return lines.joined(separator: "\n")
    }
}

extension ProfileTable {
    /// Partition numbers as ranges: 0-15,32.
    static func ranges(_ xs: [Int]) -> String {
        guard !xs.isEmpty else { return "-" }
        var parts: [String] = []
        var start = xs[0], last = xs[0]
        for x in xs.dropFirst() {
            if x == last + 1 {
                last = x
                continue
            }
            parts.append(start == last ? "\(start)" : "\(start)-\(last)")
            start = x
            last = x
        }
        parts.append(start == last ? "\(start)" : "\(start)-\(last)")
        return parts.joined(separator: ",")
    }
}

/// A one-line progress bar on stderr, redrawn in place.
final class ProgressBar: Sendable {
    let enabled: Bool
    init(enabled: Bool) { self.enabled = enabled }

    func update(_ fraction: Double, _ p: RunProgress) {
        let width = 30
        let f = min(max(fraction, 0), 1)
        let filled = Int((f * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let rate = p.wallSeconds > 0 ? Double(p.events) / p.wallSeconds : 0
        let line = "\r[\(bar)] ~\(Units.format(f * 100, 0)) %  t = \(Units.formatTime(p.time))  \(p.events) events  \(CLI.rate(rate))ev/s "
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Draws the bar full, then clears the line.
    func finish(_ p: RunProgress? = nil) {
        guard enabled else { return }
        if let p { update(1, p) }
        FileHandle.standardError.write(Data(("\r" + String(repeating: " ", count: 100) + "\r").utf8))
    }
}

/// A one-line status ("mapping ...", "compressing layer 3 of 53") on stderr when it is a terminal, redrawn
/// in place and cleared when the phase ends; silent otherwise.
final class StatusLine: Sendable {
    let enabled = isatty(STDERR_FILENO) == 1

    func show(_ text: String) {
        guard enabled else { return }
        let line = String(text.prefix(99))
        FileHandle.standardError.write(Data(("\r" + line + String(repeating: " ", count: 100 - line.count)).utf8))
    }

    func clear() {
        guard enabled else { return }
        FileHandle.standardError.write(Data(("\r" + String(repeating: " ", count: 100) + "\r").utf8))
    }
}
