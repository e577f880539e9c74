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
    @Flag(help: "Simulate one iteration of the best plan that fits (or of the plan the options below give).")
    var simulate = false
    @Option(help: "With --simulate: tensor-parallel degree of the plan to simulate (with --pipeline; data takes the rest).")
    var tensor: Int?
    @Option(help: "With --simulate: pipeline stages of the plan to simulate.")
    var pipeline: Int?
    @Option(help: "With --simulate: expert-parallel degree.")
    var expert: Int = 1
    @Option(help: "With --simulate: sequences per micro-batch.")
    var microBatch: Int = 1
    @Option(help: "With --simulate: recomputation (none, selective, full).")
    var recompute: String = "none"
    @Option(help: "With --simulate: ZeRO stage (0, 1 or 2).")
    var zero: Int = 0
    @Option(help: "With --simulate: pipeline schedule (1f1b, gpipe).")
    var schedule: String = "1f1b"
    @Flag(help: "With --simulate: simulate a plan even if it does not fit in memory.")
    var allowOverCapacity = false
    @Flag(help: "With --simulate: run even when the estimate is over an hour.")
    var allowLong = false
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
            if simulate {
                try simulatePlan(m, sequence: seq, cluster: cluster)
                return
            }
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

extension PlanCommand {
    /// Simulates one iteration of the chosen plan and prints where its time went.
    func simulatePlan(_ m: Transformer, sequence seq: Int, cluster: ClusterSpec) throws {
        let kind = try PipelineSchedule(rawValue: CLI.choice(schedule, PipelineSchedule.allCases.map(\.rawValue), option: "schedule"))!
        let plan: ParallelismPlan
        if tensor != nil || pipeline != nil {
            let t = tensor ?? 1, p = pipeline ?? 1
            try CLI.check(t, "--tensor", 1...chips)
            try CLI.check(p, "--pipeline", 1...chips)
            try CLI.check(microBatch, "--micro-batch", 1...globalBatch)
            try CLI.check(zero, "--zero", 0...2)
            guard chips % (t * p) == 0, globalBatch % (chips / (t * p) * microBatch) == 0 else {
                throw SpindleError(
                    .invalidValue,
                    "--tensor \(t) x --pipeline \(p) on \(chips) chips with \(globalBatch) sequences of micro-batch \(microBatch)",
                    expected: "tensor x pipeline dividing the chips, and replicas x micro-batch dividing the global batch")
            }
            let d = chips / (t * p)
            var plan_ = ParallelismPlan(
                tensor: t, pipeline: p, data: d, expert: expert, microBatchSize: microBatch, microBatches: globalBatch / (d * microBatch))
            plan_.recompute = try ParallelismPlan.Recompute(
                rawValue: CLI.choice(recompute, ParallelismPlan.Recompute.allCases.map(\.rawValue), option: "recompute"))!
            plan_.zero = zero
            plan_.sequenceParallel = t > 1
            plan = plan_
        } else {
            let best = PlanSearch.candidates(m, sequence: seq, globalBatch: globalBatch, cluster: cluster).first {
                $0.fits && $0.plan.zero <= 2
            }
            guard let best else {
                throw SpindleError(
                    .capacity, "no plan of \(m.name) fits on \(chips) chips", hint: "Run without --simulate to see the closest plans")
            }
            plan = best.plan
        }
        var sim = TrainingSimulation(m, sequence: seq, plan: plan, schedule: kind, cluster: cluster)
        sim.allowOverCapacity = allowOverCapacity
        try sim.validate()
        if let note = try WorkLimit(allowLong: allowLong).check(
            "the training iteration", units: sim.steps, unitName: "program steps", perSecond: TrainingSimulation.stepsPerSecond,
            hint: "Use fewer micro-batches or chips")
        {
            CLI.note(note)
        }
        let estimate = IterationEstimate(m, sequence: seq, plan: plan, cluster: cluster)
        let started = ContinuousClock.now
        let r = try sim.run()
        let wall = CLI.seconds(since: started)
        if json {
            try CLI.printJSON(SimulationOutput(result: r, estimate: estimate, wallSeconds: wall))
            return
        }
        print(r.text(estimateSeconds: estimate.seconds))
        print("  simulated in \(Units.format(wall, 2)) s: \(r.steps) program steps, \(r.flows) flows")
    }
}

struct SimulationOutput: Encodable {
    let result: TrainingResult
    let estimate: IterationEstimate
    let wallSeconds: Double
}

struct PlanOutput: Encodable {
    let model: String
    let sequence: Int
    let cluster: ClusterSpec
    let candidates: Int
    let fitting: Int
    let plans: [IterationEstimate]
}
