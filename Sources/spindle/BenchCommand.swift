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

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure Spindle's own speed.",
        subcommands: [BenchEngine.self, BenchScale.self, BenchCompress.self, BenchExchange.self, BenchRanks.self, BenchFlows.self])
}

struct BenchEngine: DistributedCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Run the PHOLD model on the engine and on a plain heap loop, and compare events per second.")

    @Option(help: "Worker threads for the engine run (default: the number of cores).")
    var workers: Int?
    @Option(help: "NUMA placement: auto, off, or a node list such as 0,1.")
    var numa: String = "off"
    @Option(help: "Partitions in the PHOLD model.")
    var partitions: Int = 8
    @Option(help: "Components per partition.")
    var components: Int = 128
    @Option(help: "Events in flight per component.")
    var population: Int = 8
    @Option(help: "Simulated end time in microseconds.")
    var endUs: Double = 4
    @Option(help: "Extra handler work per event (mixing rounds).")
    var work: Int = 0
    @Option(name: .customLong("repeat"), help: "Repetitions; the best run is reported.")
    var repetitions: Int = 3
    @Flag(help: "Print one JSON object on stdout.")
    var json = false
    @OptionGroup var long: LongWorkFlags

    func validate() throws {
        if let workers { try CLI.check(workers, "--workers", 1...1_024, "worker threads") }
        try CLI.check(partitions, "--partitions", 1...4_096)
        try CLI.check(components, "--components", 1...1_000_000, "components per partition")
        try CLI.check(population, "--population", 1...1_024, "events in flight per component")
        try CLI.check(endUs, "--end-us", 0.001...1_000_000, "simulated microseconds")
        try CLI.check(work, "--work", 0...1_000_000)
        try CLI.check(repetitions, "--repeat", 1...100)
        guard partitions * components * population <= 20_000_000 else {
            throw SpindleError(
                .invalidValue,
                "\(partitions) partitions x \(components) components x population \(population) is \(partitions * components * population) events in flight",
                expected: "at most 20,000,000 events in flight (640 MB)")
        }
        guard partitions * components <= 10_000_000 else {
            throw SpindleError(
                .invalidValue, "--partitions \(partitions) x --components \(components) is \(partitions * components) components",
                expected: "at most 10,000,000 components in all")
        }
        _ = try NUMAPolicy.parse(numa)
    }

    func run(world: MPIWorld?) async throws {
        try await CLI.guarded {
            let leader = (world?.group.rank ?? 0) == 0
            let model = PHOLD(
                partitions: partitions, componentsPerPartition: components, population: population,
                endTime: Picoseconds(endUs * 1e6), work: work)
            let numaPolicy = try NUMAPolicy.parse(numa)
            // Each event takes on average minDelay + meanExtraDelay; both loops run every repetition.
            let events = Double(model.componentCount * population) * Double(model.endTime) / (Double(model.minDelay) + model.meanExtraDelay)
            try long.check(
                "running PHOLD \(2 * repetitions) times", units: events * Double(2 * repetitions) * (1 + Double(work) / 50),
                // Heaps of millions of events miss the caches: the rate falls with the events in flight.
                unitName: "events", perSecond: 5e6 / pow(max(1, Double(model.componentCount * population) / 1e5), 0.3),
                hint: "Lower --end-us, --components, --population or --repeat")
            let status = StatusLine()
            var plain: (PHOLD.Outcome, seconds: Double)?
            // Under MPI only rank 0 runs the plain loop (the others wait for it at the engine run).
            for k in 0..<max(1, repetitions) where leader {
                status.show("plain heap loop run \(k + 1) of \(max(1, repetitions))")
                let p = model.runPlainLoop()
                if plain == nil || p.seconds < plain!.seconds { plain = p }
            }
            var best: (SimulationResult, PHOLD.Outcome)?
            for k in 0..<max(1, repetitions) {
                status.show("engine run \(k + 1) of \(max(1, repetitions))")
                let sim = try model.build(
                    options: EngineOptions(
                        workers: workers ?? EngineOptions.defaultWorkers, numa: numaPolicy, stopTime: model.endTime, group: world?.group))
                let r = await sim.run()
                if best == nil || r.profile.wallSeconds < best!.0.profile.wallSeconds { best = (r, model.outcome(of: r)) }
            }
            status.clear()
            guard leader else { return }
            let (result, outcome) = best!
            let plainRate = Double(plain!.0.events) / plain!.seconds
            let engineRate = Double(result.events) / result.profile.wallSeconds
            let identical = outcome == plain!.0
            if json {
                let report = EngineBenchReport(
                    model: .init(
                        partitions: partitions, componentsPerPartition: components, population: population,
                        endPs: model.endTime, work: work),
                    events: result.events, fingerprint: String(outcome.fingerprint, radix: 16), identical: identical,
                    plainEventsPerSecond: plainRate, engineEventsPerSecond: engineRate,
                    dispatchCostRatio: plainRate / engineRate, workers: result.profile.activeWorkers,
                    windows: result.windows, run: result.profile)
                try CLI.printJSON(report)
            } else {
                print(
                    "PHOLD: \(model.componentCount) components in \(partitions) partitions, population \(population), end \(Units.formatTime(model.endTime)), work \(work)"
                )
                print(
                    "  plain heap loop   : \(CLI.rate(plainRate)) events/s  (\(plain!.0.events) events, \(Units.format(plain!.seconds, 3)) s)"
                )
                let ranks = result.profile.ranks?.count ?? 1
                print(
                    "  engine, \(ranks > 1 ? "\(ranks) ranks, " : "")\(result.profile.activeWorkers) worker(s) : \(CLI.rate(engineRate)) events/s  (\(result.events) events, \(Units.format(result.profile.wallSeconds, 3)) s, \(result.windows) windows)"
                )
                print("  plain / engine    : \(Units.format(plainRate / engineRate, 2))x")
                print("  identical outcome : \(identical ? "yes" : "NO") (\(outcome))")
                for w in result.profile.workers {
                    print(
                        "  worker \(w.worker): \(CLI.rate(w.eventsPerSecond)) ev/s, barrier wait \(Units.format(w.barrierWaitShare * 100, 1)) %, cpu \(w.cpu), node \(w.numaNode)"
                    )
                }
                for r in result.profile.ranks ?? [] {
                    print(
                        "  rank \(r.rank) (\(r.host)): \(CLI.rate(r.eventsPerSecond))ev/s, exchange \(Units.format(r.exchangeShare * 100, 1)) %, reduce wait \(Units.format(r.reductionWaitShare * 100, 1)) %, \(Units.formatBytes(UInt64(r.bytesSentPerWindow))) sent per window"
                    )
                }
            }
            if !identical { throw ExitCode(1) }
        }
    }
}

struct EngineBenchReport: Encodable {
    struct Model: Encodable {
        var partitions: Int
        var componentsPerPartition: Int
        var population: Int
        var endPs: UInt64
        var work: Int
        enum CodingKeys: String, CodingKey {
            case partitions, population, work
            case componentsPerPartition = "components_per_partition"
            case endPs = "end_ps"
        }
    }
    var model: Model
    var events: UInt64
    var fingerprint: String
    var identical: Bool
    var plainEventsPerSecond: Double
    var engineEventsPerSecond: Double
    var dispatchCostRatio: Double
    var workers: Int
    var windows: UInt64
    var run: RunProfile
    enum CodingKeys: String, CodingKey {
        case model, events, fingerprint, identical, workers, windows, run
        case plainEventsPerSecond = "plain_events_per_s"
        case engineEventsPerSecond = "engine_events_per_s"
        case dispatchCostRatio = "plain_over_engine"
    }
}

struct BenchCompress: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compress",
        abstract: "Time SED and OSC on ResNet-18- and ResNet-50-sized synthetic weights.")

    @Option(help: "Models to time (comma-separated).")
    var models: String = "resnet18,resnet50"
    @Option(help: "Threads for SED and OSC (default: the number of cores).")
    var threads: Int?
    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func validate() throws {
        if let threads { try CLI.check(threads, "--threads", 1...256) }
    }

    struct Row: Encodable {
        var model: String
        var weights: Int
        var sedSeconds: Double
        var oscSeconds: Double
        var sedWeightsPerSecond: Double
        var oscWeightsPerSecond: Double
        var oscOverSed: Double
        var sedRatio: Double
        var oscRatio: Double
        var sedError: Double
        var oscError: Double
        var threads: Int
        enum CodingKeys: String, CodingKey {
            case model, weights, threads
            case sedSeconds = "sed_s"
            case oscSeconds = "osc_s"
            case sedWeightsPerSecond = "sed_weights_per_s"
            case oscWeightsPerSecond = "osc_weights_per_s"
            case oscOverSed = "osc_speedup"
            case sedRatio = "sed_compression"
            case oscRatio = "osc_compression"
            case sedError = "sed_relative_error"
            case oscError = "osc_relative_error"
        }
    }

    func run() async throws {
        try await CLI.guarded {
            let names = models.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !names.isEmpty else {
                throw SpindleError(.invalidValue, "--models names no model", expected: "a comma-separated list", choices: ModelZoo.names)
            }
            var rows: [Row] = []
            let status = StatusLine()
            defer { status.clear() }
            let threadCount = threads ?? ProcessInfo.processInfo.activeProcessorCount
            for name in names {
                guard let network = ModelZoo.network(named: name) else {
                    throw SpindleError(.invalidValue, "--models names '\(name)', which is not a built-in model", choices: ModelZoo.names)
                }
                status.show("timing SED and OSC on \(name)")
                let layers = Compressor.synthetic(network.weightShapes, seed: 1)
                var sed = CompressionSettings(method: .smartdeal)
                sed.smartDeal.threads = threadCount
                let s = Compressor.run(layers, settings: sed, source: name).report
                var osc = CompressionSettings(method: .osc)
                osc.osc.threads = threadCount
                let o = Compressor.run(layers, settings: osc, source: name).report
                let weights = s.parameters
                rows.append(
                    Row(
                        model: name, weights: weights, sedSeconds: s.wallSeconds, oscSeconds: o.wallSeconds,
                        sedWeightsPerSecond: Double(weights) / s.wallSeconds, oscWeightsPerSecond: Double(weights) / o.wallSeconds,
                        oscOverSed: s.wallSeconds / o.wallSeconds, sedRatio: s.ratio, oscRatio: o.ratio,
                        sedError: CompressOutput.totalError(s), oscError: CompressOutput.totalError(o), threads: threadCount))
            }
            if json {
                try CLI.printJSON(rows)
                return
            }
            for r in rows {
                print("\(r.model): \(r.weights) weights, \(r.threads) thread(s)")
                print(
                    "  SED : \(Units.format(r.sedSeconds, 3)) s, \(CLI.rate(r.sedWeightsPerSecond))weights/s, \(Units.format(r.sedRatio, 2))x, error \(Units.format(r.sedError, 4))"
                )
                print(
                    "  OSC : \(Units.format(r.oscSeconds, 3)) s, \(CLI.rate(r.oscWeightsPerSecond))weights/s, \(Units.format(r.oscRatio, 2))x, error \(Units.format(r.oscError, 4))"
                )
                print("  OSC is \(Units.format(r.oscOverSed, 1))x faster than SED")
            }
        }
    }
}

struct BenchExchange: DistributedCommand {
    static let configuration = CommandConfiguration(
        commandName: "exchange",
        abstract: "Measure the cost of one window exchange between processes, in microseconds.",
        discussion: """
            Under mpirun -n R, measures MPI between the R ranks (add --mca btl tcp,self for TCP, the path \
            between machines). Started alone, measures two processes simulated as threads of this one (the \
            shared-memory floor).
            """)

    @Option(help: "Windows to time per size.")
    var windows: Int = 20_000
    @Option(help: "Events each rank sends to each other rank per window, comma-separated.")
    var events: String = "0,1,16,256,4096"
    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func validate() throws {
        try CLI.check(windows, "--windows", 1...10_000_000)
        _ = try sizes()
    }

    func sizes() throws(SpindleError) -> [Int] {
        let parts = events.split(separator: ",", omittingEmptySubsequences: false)
        var out: [Int] = []
        for p in parts {
            guard let n = Int(p.trimmingCharacters(in: .whitespaces)), (0...1_000_000).contains(n) else {
                throw SpindleError(
                    .invalidValue, "--events has '\(p)'", expected: "a comma-separated list of whole numbers from 0 to 1000000")
            }
            out.append(n)
        }
        return out
    }

    @OptionGroup var long: LongWorkFlags

    func run(world: MPIWorld?) async throws {
        try await CLI.guarded {
            let sizes = try sizes()
            // Each window moves every size's events to every other rank; about 2 us plus 1 GB/s is a fast guess.
            let peers = Double(max((world?.group.size ?? 2) - 1, 1))
            let seconds = sizes.reduce(0.0) { $0 + Double(self.windows) * 1.1 * (2e-6 + Double($1) * peers * 64 / 1e9) }
            try long.check(
                "timing \(sizes.count) exchange size(s) over \(self.windows) windows", units: seconds, unitName: "seconds of exchanges",
                perSecond: 1, hint: "Lower --windows or the sizes in --events")
            let groups: [any ProcessGroup] = world.map { [$0.group] } ?? LocalProcessGroup.make(size: 2)
            let windows = self.windows
            var results: [ExchangeBenchmark.Result] = []
            for n in sizes {
                // Each simulated process on a thread of its own (they block on each other).
                let all = await withTaskGroup(of: (Int, ExchangeBenchmark.Result).self) { tasks in
                    for (i, g) in groups.enumerated() {
                        tasks.addTask {
                            await onOwnThread(named: "spindle-exchange-\(i)") {
                                (i, ExchangeBenchmark.run(group: g, windows: windows, eventsPerPeer: n))
                            }
                        }
                    }
                    var out: [(Int, ExchangeBenchmark.Result)] = []
                    for await x in tasks { out.append(x) }
                    return out.sorted { $0.0 < $1.0 }.map(\.1)
                }
                results.append(all[0])
            }
            if let world, world.group.rank != 0 { return }
            let ranks = world?.group.size ?? 2
            let transport =
                world == nil
                ? "threads of one process (shared memory)"
                : "\(MPIWorld.libraryVersion), btl \(ProcessInfo.processInfo.environment["OMPI_MCA_btl"] ?? "default")"
            if json {
                struct Report: Encodable {
                    var ranks: Int
                    var transport: String
                    var results: [ExchangeBenchmark.Result]
                }
                try CLI.printJSON(Report(ranks: ranks, transport: transport, results: results))
                return
            }
            print("window exchange between \(ranks) ranks: \(transport); \(Event.wireBytes) bytes per event")
            print("  events/peer  us/window  reduce us  transfer us  MB/s sent")
            for r in results {
                print(
                    "  "
                        + [
                            CLI.pad(String(r.eventsPerPeer), 12), CLI.pad(Units.format(r.microsecondsPerWindow, 2), 10),
                            CLI.pad(Units.format(r.reduceMicroseconds, 2), 10), CLI.pad(Units.format(r.transferMicroseconds, 2), 12),
                            Units.format(r.bytesPerSecond / 1e6, 1),
                        ].joined(separator: " "))
            }
        }
    }
}
