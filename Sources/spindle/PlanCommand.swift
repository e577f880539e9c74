import ArgumentParser
import Foundation
import SpindleCore
import SpindleParallelism
import SpindleWorkload

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract:
            "Rank training plans (tensor, pipeline, data and expert parallelism; micro-batches; recompute; ZeRO) for a transformer on a cluster."
    )

    @Argument(help: "A built-in transformer: \(TransformerZoo.names.joined(separator: ", ")).")
    var model: String
    @Option(help: "Chips in the cluster.")
    var chips: Int = 1_024
    @Option(help: "Sequences per iteration.")
    var globalBatch: Int = 1_536
    @Option(help: "Tokens per sequence (default: the model's context).")
    var sequence: Int?
    @Option(help: "Chips per node (tensor parallelism stays inside one).")
    var chipsPerNode: Int = 8
    @Option(help: "Peak 16-bit rate of one chip.")
    var chipTflops: Double = 312
    @Option(help: "Fraction of the peak the matrix products reach.")
    var efficiency: Double = 0.5
    @Option(help: "Memory of one chip.")
    var chipMemory: String = "80GB"
    @Option(help: "Each link between the chips of a node.")
    var intraBandwidth: String = "300GB/s"
    @Option(help: "Latency of those links.")
    var intraLatency: String = "1us"
    @Option(help: "Each chip's link to the spine between nodes.")
    var interBandwidth: String = "25GB/s"
    @Option(help: "Latency of those links (a transfer between nodes crosses two).")
    var interLatency: String = "5us"
    @Option(help: "Plans to print.")
    var top: Int = 10
    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func run() async throws {
        try await CLI.guarded {
            guard let m = TransformerZoo.model(named: model) else {
                throw SpindleError(
                    .invalidValue, "'\(model)' is not a built-in transformer", choices: TransformerZoo.names,
                    hint: Spelling.nearest(model, in: TransformerZoo.names).map { "Did you mean '\($0)'?" })
            }
            guard (1...1 << 20).contains(chips), (1...1 << 24).contains(globalBatch), (1...chips).contains(chipsPerNode),
                (1...1_000).contains(top)
            else {
                throw SpindleError(
                    .invalidValue, "--chips \(chips), --global-batch \(globalBatch), --chips-per-node \(chipsPerNode), --top \(top)",
                    expected: "1 to 2^20 chips, 1 to 2^24 sequences, 1 to chips per node, 1 to 1,000 plans")
            }
            guard chipTflops > 0, chipTflops <= 1e6, efficiency > 0, efficiency <= 1 else {
                throw SpindleError(
                    .invalidValue, "--chip-tflops \(chipTflops), --efficiency \(efficiency)",
                    expected: "a rate above 0 and an efficiency in (0, 1]")
            }
            let seq = sequence ?? m.context
            guard (1...(1 << 20)).contains(seq) else {
                throw SpindleError(.invalidValue, "--sequence is \(seq)", expected: "1 to 2^20 tokens")
            }
            let cluster = ClusterSpec(
                chips: chips, chipsPerNode: chipsPerNode, peakTFLOPs: chipTflops, efficiency: efficiency,
                memoryBytes: try CLI.quantity(chipMemory, .size, option: "chip-memory"),
                intraGBPerSecond: try CLI.quantity(intraBandwidth, .bandwidth, option: "intra-bandwidth"),
                intraLatencyPs: Picoseconds(try CLI.quantity(intraLatency, .time, option: "intra-latency", allowZero: true).rounded()),
                interGBPerSecond: try CLI.quantity(interBandwidth, .bandwidth, option: "inter-bandwidth"),
                interLatencyPs: Picoseconds(try CLI.quantity(interLatency, .time, option: "inter-latency", allowZero: true).rounded()))
            let all = PlanSearch.candidates(m, sequence: seq, globalBatch: globalBatch, cluster: cluster)
            guard !all.isEmpty else {
                throw SpindleError(
                    .invalidValue, "no plan splits \(globalBatch) sequences of \(m.name) over \(chips) chips",
                    hint: "The data-parallel replicas must divide the global batch; try a batch with more factors of two")
            }
            let shown = Array(all.prefix(top))
            if json {
                try CLI.printJSON(
                    PlanOutput(
                        model: m.name, sequence: seq, cluster: cluster, candidates: all.count, fitting: all.filter(\.fits).count,
                        plans: shown))
                return
            }
            let fitting = all.filter(\.fits).count
            print(
                "\(m.name), \(globalBatch) x \(seq) tokens per iteration on \(chips) chips (\(chipsPerNode) per node, \(Units.formatBytes(UInt64(cluster.memoryBytes))) each): \(all.count) plans, \(fitting) fit"
            )
            if fitting == 0, let closest = all.first {
                let over = closest.memory.total - cluster.memoryBytes
                print(
                    "  no plan fits: the smallest, \(closest.plan), needs \(Units.formatBytes(UInt64(closest.memory.total))) per chip, \(Units.formatBytes(UInt64(over))) over: weights \(Units.formatBytes(UInt64(closest.memory.weights))), gradients \(Units.formatBytes(UInt64(closest.memory.gradients))), optimizer \(Units.formatBytes(UInt64(closest.memory.optimizer))), activations \(Units.formatBytes(UInt64(closest.memory.activations)))"
                )
            }
            print(
                CLI.pad("plan", 62) + CLI.pad("memory", 11, right: true) + CLI.pad("s/iter", 10, right: true)
                    + CLI.pad("MFU", 8, right: true) + "  compute/bubble/TP/PP/DP/EP (s)")
            for e in shown {
                let parts = [e.computeSeconds, e.bubbleSeconds, e.tensorSeconds, e.pipelineSeconds, e.dataSeconds, e.expertSeconds].map {
                    Units.format($0, 2)
                }
                print(
                    CLI.pad(e.plan.description, 62)
                        + CLI.pad(Units.formatBytes(UInt64(e.memory.total)) + (e.fits ? "" : "!"), 11, right: true)
                        + CLI.pad(Units.format(e.seconds, 3), 10, right: true)
                        + CLI.pad(Units.format(e.modelFLOPsUtilisation * 100, 1) + "%", 8, right: true)
                        + "  " + parts.joined(separator: "/"))
            }
        }
    }
}

struct PlanOutput: Encodable {
    let model: String
    let sequence: Int
    let cluster: ClusterSpec
    let candidates: Int
    let fitting: Int
    let plans: [IterationEstimate]
}
