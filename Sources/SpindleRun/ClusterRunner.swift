import Foundation
import SpindleCollectives
import SpindleCompression
import SpindleCore
import SpindleParallelism
import SpindleScenario

/// The result of a cluster scenario: a training iteration (with the analytic estimate of its plan and the
/// best-ranked candidates) or a collective.
public struct ClusterRunReport: Sendable, Codable {
    public var scenario: String
    public var cluster: String
    public var chips: Int
    public var inputHash: String
    public var modelRevision: String
    public var training: TrainingResult?
    public var estimate: IterationEstimate?
    /// The analytic search's best plans, when the scenario asked for a search.
    public var candidates: [IterationEstimate]?
    public var collective: CollectiveResult?
    public var inference: InferenceResult?
    /// A replayed Chakra trace set.
    public var replay: ReplayResult?
    /// Facts about the run itself, not the result: the only part that differs between runs of the same inputs.
    public struct Run: Sendable, Codable {
        public var wallSeconds: Double
    }
    public var run: Run

    /// The JSON of the report.
    public func jsonData() throws(SpindleError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        do { return try encoder.encode(self) } catch { throw SpindleError(.io, "cannot encode the result: \(error)") }
    }

    /// Reads a report back from its JSON (`jsonData`).
    ///
    /// The JSON's keys are the properties' names in snake case, which loses the case of acronyms
    /// (`hardwareTFLOPsPerChip` is written `hardware_tflo_ps_per_chip`); reading restores the acronyms the
    /// report's types use. A test round-trips every shipped cluster scenario's report.
    public static func decode(_ data: Data) throws -> ClusterRunReport {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .custom { path in
            JSONKey(camelCase(path.last!.stringValue))
        }
        return try decoder.decode(ClusterRunReport.self, from: data)
    }

    /// Acronyms in the report's property names, as snake case leaves them after camel-casing, and restored.
    static let acronyms: [(String, String)] = [("TfloPs", "TFLOPs"), ("FloPs", "FLOPs"), ("GbPer", "GBPer"), ("Pj", "PJ")]

    static func camelCase(_ key: String) -> String {
        let words = key.split(separator: "_", omittingEmptySubsequences: true)
        guard let first = words.first else { return key }
        var out = String(first) + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        for (from, to) in acronyms { out = out.replacingOccurrences(of: from, with: to) }
        return out
    }

    struct JSONKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// A few lines for a terminal.
    public func summary() -> String {
        var lines = ["scenario '\(scenario)' on '\(cluster)' (\(chips) chips)"]
        if let candidates, let first = candidates.first {
            lines.append("  plan: the best of the analytic search, \(first.plan)")
        }
        if let training { lines.append(training.text(estimateSeconds: estimate?.seconds)) }
        if let inference { lines.append(inference.text()) }
        if let r = replay {
            let n = Double(max(r.ranks.count, 1))
            func mean(_ f: (ReplayResult.Rank) -> Double) -> String { Units.formatTime(ps: r.ranks.reduce(0) { $0 + f($1) } / n * 1e12) }
            lines.append(
                "  Chakra traces of \(r.ranks.count) ranks replayed: \(Units.formatTime(ps: r.seconds * 1e12)), \(r.steps) nodes, \(r.flows) flows"
            )
            lines.append(
                "  per rank (mean): compute \(mean(\.computeSeconds)), tensor \(mean(\.tensorSeconds)), data \(mean(\.dataSeconds)), expert \(mean(\.expertSeconds)), waiting for receives \(mean(\.receiveWaitSeconds))"
            )
            lines.append(
                "  groups: \(r.groups[0]) tensor, \(r.groups[1]) data, \(r.groups[2]) expert; \(Units.formatBytes(count: r.linkBytesByLevel.reduce(0, +))) over links, \(Units.formatEnergy(r.linkEnergyPJ)) in links (\(r.fidelity)-level network)"
            )
        }
        if let c = collective {
            lines.append(
                "  \(c.operation) of \(Units.formatBytes(count: c.bytes)) over \(c.endpoints) chips, \(c.algorithm): \(Units.formatTime(ps: c.timePs)), algorithm bandwidth \(Units.format(c.algorithmGBPerSecond, 2)) GB/s"
            )
            lines.append(
                "  \(c.steps) steps, \(c.transfers) transfers, \(Units.formatBytes(count: c.linkBytes.reduce(0, +))) over links, \(Units.formatEnergy(c.energyPJ)) in links (\(c.fidelity)-level network)"
            )
        }
        lines.append("  simulated in \(Units.format(run.wallSeconds, 2)) s")
        return lines.joined(separator: "\n")
    }
}

/// Runs cluster scenarios.
public enum ClusterRunner {
    /// The most transfers a collective scenario may have.
    public static let maxCollectiveTransfers = 4_000_000

    /// Checks the scenario's work against `limit`; returns a note to print for long work.
    public static func checkWork(_ s: ClusterScenario, limit: WorkLimit) throws(SpindleError) -> String? {
        switch s.workload {
        case .training(let t):
            let plan = try self.plan(s, t).plan
            let sim = TrainingSimulation(t.model, sequence: t.sequence, plan: plan, schedule: t.schedule, cluster: s.cluster.spec)
            return try limit.check(
                "the training iteration", units: sim.steps, unitName: "program steps", perSecond: TrainingSimulation.stepsPerSecond,
                hint: "Use fewer micro-batches or chips")
        case .inference(let i):
            let sim = InferenceSimulation(
                i.model, tensor: i.tensor, pipeline: i.pipeline, batch: i.batch, prompt: i.prompt, generate: i.generate, weights: i.weights,
                cluster: s.cluster.spec, network: s.cluster.network)
            return try limit.check(
                "the serving run", units: sim.steps, unitName: "program steps", perSecond: TrainingSimulation.stepsPerSecond,
                hint: "Generate fewer tokens")
        case .chakra(let c):
            return try limit.check(
                "the trace replay", units: Double(c.trace.nodes), unitName: "nodes", perSecond: TrainingSimulation.stepsPerSecond,
                hint: "Replay fewer ranks or nodes")
        case .collective(let c):
            let transfers = try collectiveAlgorithm(s, c).transfers(c.operation, endpoints: c.chips) * c.options.chunks
            let packets = c.options.packetBytes.map { max(1, c.bytes / $0) } ?? 1
            return try limit.check(
                "the collective", units: Double(transfers) * packets, unitName: "transfers and packets", perSecond: 1e6,
                hint: "Use fewer chips or chunks, or larger packets")
        }
    }

    /// The plan a training scenario runs: its own, or the search's best that fits (with the candidates).
    static func plan(_ s: ClusterScenario, _ t: ClusterScenario.Training) throws(SpindleError) -> (
        plan: ParallelismPlan, candidates: [IterationEstimate]?
    ) {
        if let p = t.plan { return (p, nil) }
        let all = PlanSearch.candidates(t.model, sequence: t.sequence, globalBatch: t.globalBatch, cluster: s.cluster.spec)
        guard let best = all.first(where: { $0.fits && $0.plan.zero <= 2 }) else {
            let hint = all.first.map { "The smallest plan, \($0.plan), needs \(Units.formatBytes(UInt64($0.memory.total))) per chip" }
            throw SpindleError(
                .capacity, "no plan of \(t.model.name) with \(t.globalBatch) sequences fits on '\(s.cluster.name)'",
                hint: hint ?? "The data-parallel replicas must divide the global batch")
        }
        return (best.plan, Array(all.prefix(10)))
    }

    static func collectiveAlgorithm(_ s: ClusterScenario, _ c: ClusterScenario.Collective) throws(SpindleError) -> any CollectiveAlgorithm {
        if let name = c.algorithm { return try CollectiveAlgorithms.named(name) }
        return HierarchicalCollective(
            perNode: s.cluster.levels[0].size, intra: try CollectiveAlgorithms.named(c.intra),
            inter: try CollectiveAlgorithms.named(c.inter))
    }

    /// Runs the scenario.
    public static func run(_ s: ClusterScenario) throws(SpindleError) -> ClusterRunReport { try run(s, trace: nil).report }

    /// The serving simulation of an inference scenario, its weights' compression measured on sampled weights.
    static func inferenceSimulation(_ s: ClusterScenario, _ i: ClusterScenario.Inference) -> InferenceSimulation {
        var sim = InferenceSimulation(
            i.model, tensor: i.tensor, pipeline: i.pipeline, batch: i.batch, prompt: i.prompt, generate: i.generate, weights: i.weights,
            cluster: s.cluster.spec, network: s.cluster.network)
        if let settings = i.compression {
            let sample = TransformerSampleCompression.measure(i.model, settings: settings, seed: i.seed)
            sim.encoding = WeightStreamEncoding(
                method: settings.method.rawValue, bitsPerWeight: sample.bitsPerWeight,
                rebuildOperationsPerWeight: sample.rebuildOperationsPerWeight, relativeError: sample.relativeError)
        }
        return sim
    }

    /// The scenario's schedule as Chakra execution traces (training iterations, serving runs and replayed traces).
    public static func chakraTrace(_ s: ClusterScenario) throws(SpindleError) -> ChakraTraceSet {
        switch s.workload {
        case .training(let t):
            var sim = TrainingSimulation(
                t.model, sequence: t.sequence, plan: try plan(s, t).plan, schedule: t.schedule, cluster: s.cluster.spec,
                network: s.cluster.network)
            sim.algorithms = t.algorithms
            return try sim.chakraTrace()
        case .chakra(let c):
            return c.trace
        case .inference(let i):
            return try inferenceSimulation(s, i).chakraTrace()
        case .collective:
            throw SpindleError(.unsupported, "a collective scenario has no chip programs to write as Chakra traces")
        }
    }

    /// Runs the scenario, recording a timeline of its first chips when `trace` asks for one.
    public static func run(_ s: ClusterScenario, trace: TraceRequest?) throws(SpindleError) -> (
        report: ClusterRunReport, timeline: Timeline?
    ) {
        var timeline: Timeline? = nil
        let started = ContinuousClock.now
        var report = ClusterRunReport(
            scenario: s.name, cluster: s.cluster.name, chips: s.cluster.spec.chips, inputHash: s.inputHash,
            modelRevision: ModelRevision.current, run: ClusterRunReport.Run(wallSeconds: 0))
        switch s.workload {
        case .training(let t):
            let (plan, candidates) = try self.plan(s, t)
            var sim = TrainingSimulation(
                t.model, sequence: t.sequence, plan: plan, schedule: t.schedule, cluster: s.cluster.spec, network: s.cluster.network)
            sim.algorithms = t.algorithms
            if let trace {
                let chips = trace.acrossStages ? sim.chipsAcrossStages(trace.chips) : Array(0..<trace.chips)
                let (r, recorded) = try sim.run(recording: trace.timeline(), chips: chips)
                report.training = r
                timeline = recorded
            } else {
                report.training = try sim.run()
            }
            report.estimate = IterationEstimate(t.model, sequence: t.sequence, plan: plan, cluster: s.cluster.spec)
            report.candidates = candidates
        case .inference(let i):
            let sim = inferenceSimulation(s, i)
            let (r, recorded) = try sim.run(recording: trace.map { $0.timeline() }, chips: trace?.chips ?? 0)
            report.inference = r
            timeline = recorded
        case .chakra(let c):
            let (r, recorded) = try c.trace.replay(
                cluster: s.cluster.spec, network: s.cluster.network, algorithms: c.algorithms, timeline: trace?.timeline(),
                traced: trace.map { Array(0..<min($0.chips, c.trace.ranks)) } ?? [])
            report.replay = r
            timeline = recorded
        case .collective(let c):
            if trace != nil {
                throw SpindleError(
                    .unsupported, "a collective scenario has no chip programs to trace",
                    hint: "Traces are written for training and serving scenarios")
            }
            let algorithm = try collectiveAlgorithm(s, c)
            let transfers = algorithm.transfers(c.operation, endpoints: c.chips) * c.options.chunks
            guard transfers > 0 else {
                throw SpindleError(.unsupported, "the \(algorithm.name) algorithm does not run \(c.operation.rawValue)")
            }
            guard transfers <= maxCollectiveTransfers else {
                throw SpindleError(
                    .capacity,
                    "\(algorithm.name) \(c.operation.rawValue) over \(c.chips) chips in \(c.options.chunks) chunk(s) is \(transfers) transfers",
                    expected: "at most \(maxCollectiveTransfers)", hint: "Use fewer chips or chunks")
            }
            let schedule = try algorithm.schedule(c.operation, bytes: c.bytes, group: Array(0..<c.chips))
            report.collective = try FlowSimulation(network: s.cluster.network, options: c.options).run(
                schedule, operation: c.operation, algorithm: algorithm.name, bytes: c.bytes)
        }
        let elapsed = (ContinuousClock.now - started).components
        report.run.wallSeconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
        return (report, timeline)
    }
}
