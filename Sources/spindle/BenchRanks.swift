import ArgumentParser
import Foundation
import SpindleCore
import SpindleEngine
import SpindleRun
import SpindleScenario

struct BenchRanks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ranks",
        abstract: "Model the parallel efficiency of a distributed run at many ranks from one measured run.",
        discussion: """
            Runs SCENARIO once on one worker, measuring per window how its events would fall on the ranks of \
            each layout (chips in contiguous runs balanced by estimated events, as mpirun runs lay them) and \
            how many would cross ranks; then prices a run at each rank count with the given exchange and \
            network figures (spindle bench exchange measures them). Docs/scaling.md explains the model.
            """)

    @Argument(help: "Scenario YAML file.")
    var scenario = "scenarios/resnet50-64chip-training.yaml"
    @OptionGroup var set: OverrideFlags
    @Option(help: "Rank counts to model, comma-separated.")
    var ranks = "2,16,64,256"
    @Option(help: "Microseconds of one window exchange between two ranks (one round of the collective).")
    var exchangeUs = 1.3
    @Option(help: "Microseconds of one point-to-point message (default: --exchange-us).")
    var messageUs: Double?
    @Option(help: "Bandwidth of a rank's link in GB/s, for the events that cross ranks.")
    var bandwidthGbps = 10.0
    @Flag(help: "Also model chips in contiguous runs (whole pipeline stages per rank), for comparison.")
    var compareContiguous = false
    @Flag(help: "Print one JSON object on stdout.")
    var json = false
    @OptionGroup var long: LongWorkFlags

    func validate() throws {
        _ = try rankCounts()
        try CLI.check(exchangeUs, "--exchange-us", 0...1e6, "microseconds")
        if let messageUs { try CLI.check(messageUs, "--message-us", 0...1e6, "microseconds") }
        try CLI.check(bandwidthGbps, "--bandwidth-gbps", 1e-3...1e6, "GB/s")
    }

    func rankCounts() throws(SpindleError) -> [Int] {
        var out: [Int] = []
        for p in ranks.split(separator: ",", omittingEmptySubsequences: false) {
            guard let n = Int(p.trimmingCharacters(in: .whitespaces)), (1...65_536).contains(n) else {
                throw SpindleError(.invalidValue, "--ranks has '\(p)'", expected: "a comma-separated list of whole numbers from 1 to 65536")
            }
            out.append(n)
        }
        return out
    }

    func run() async throws {
        try await CLI.guarded {
            let counts = try rankCounts()
            let loaded = try ScenarioLoader.load(scenario, overrides: try set.overrides())
            let status = StatusLine()
            status.show("mapping '\(loaded.name)' ...")
            let prepared = try ScenarioRunner.prepare(loaded)
            if let note = try ScenarioRunner.checkWork(prepared, limit: long.limit) { CLI.note(note) }
            status.show("running '\(loaded.name)' on one worker, measuring \(counts.count) layout(s) ...")
            let network = ScalingStudy.Network(
                exchangeMicroseconds: exchangeUs, messageMicroseconds: messageUs ?? exchangeUs, bytesPerSecond: bandwidthGbps * 1e9)
            let result = try await ScalingStudy.run(prepared, ranks: counts, network: network, compareContiguous: compareContiguous)
            status.clear()
            if json {
                try CLI.printJSON(result)
                return
            }
            print(
                "\(result.scenario): \(result.chips) chips, \(result.events) events in \(result.windows) windows, \(Units.format(result.wallSeconds, 2)) s on one worker (\(Units.format(result.secondsPerEvent * 1e9, 1)) ns per event)"
            )
            print(
                "network: \(Units.format(exchangeUs, 2)) us per exchange round, \(Units.format(network.messageMicroseconds, 2)) us per message, \(Units.format(bandwidthGbps, 1)) GB/s"
            )
            print("  ranks  layout      balance  cut events/window  compute s  exchange s  transfer s  predicted s  speed-up  efficiency")
            for p in result.predictions {
                print(
                    "  "
                        + [
                            CLI.pad(String(p.ranks), 6), CLI.pad(p.layout.rawValue, 11),
                            CLI.pad(Units.format(p.balance * 100, 1) + " %", 8),
                            CLI.pad(Units.format(Double(p.measured.cutEvents) / Double(max(p.measured.windows, 1)), 4), 18),
                            CLI.pad(Units.format(p.computeSeconds, 2), 10), CLI.pad(Units.format(p.exchangeSeconds, 2), 11),
                            CLI.pad(Units.format(p.transferSeconds, 3), 11), CLI.pad(Units.format(p.seconds, 2), 12),
                            CLI.pad(Units.format(p.speedup, 2) + "x", 9), Units.format(p.efficiency * 100, 1) + " %",
                        ].joined(separator: " "))
            }
        }
    }
}
