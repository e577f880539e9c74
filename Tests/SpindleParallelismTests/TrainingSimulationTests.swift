import SpindleCollectives
import SpindleCore
import SpindleWorkload
import Testing

@testable import SpindleParallelism

@Suite("Training iterations simulated on a flow-level cluster")
struct TrainingSimulationTests {
    /// A small GPT without logits (vocabulary 0), so every pipeline stage does the same work.
    func uniform(layers: Int = 8) throws -> Transformer {
        var m = try #require(TransformerZoo.model(named: "gpt2"))
        m.layers = layers
        m.vocabulary = 0
        return m
    }

    /// A cluster of `chips` chips, `perNode` per node, with links fast enough to take no time.
    func cluster(_ chips: Int, perNode: Int = 8, gbPerSecond: Double = 1e12, latencyPs: Picoseconds = 0) -> ClusterSpec {
        ClusterSpec(
            chips: chips, chipsPerNode: perNode, peakTFLOPs: 100, efficiency: 1, memoryBytes: 1e12, intraGBPerSecond: gbPerSecond,
            intraLatencyPs: latencyPs, interGBPerSecond: gbPerSecond, interLatencyPs: latencyPs)
    }

    /// Forward and backward time of one stage's micro-batch, from the program's FLOP counts.
    func passTimes(_ m: Transformer, plan: ParallelismPlan, sequence: Int, tflops: Double) -> (forward: Double, backward: Double) {
        let s = Double(sequence), h = Double(m.hidden), sbh = s * h * Double(plan.microBatchSize)
        let perLayer = (2 * sbh * 4 * h + 4 * s * sbh + 2 * sbh * Double(m.ffn) * 2) / Double(plan.tensor)
        let layers = Double(m.layers / plan.pipeline)
        let forward = layers * perLayer / tflops
        return (forward, 2 * forward)
    }

    @Test(
        "The pipeline bubble emerges: (m + p - 1)(tf + tb) for 1F1B and GPipe on uniform stages, (p - 1)(tf + tb) idle per stage",
        arguments: [(PipelineSchedule.oneFOneB, 4, 8), (.oneFOneB, 4, 3), (.gpipe, 4, 8), (.oneFOneB, 8, 16), (.gpipe, 2, 5)])
    func bubble(_ schedule: PipelineSchedule, _ p: Int, _ m: Int) throws {
        let model = try uniform()
        let plan = ParallelismPlan(tensor: 1, pipeline: p, data: 1, microBatchSize: 1, microBatches: m)
        let sim = TrainingSimulation(model, sequence: 128, plan: plan, schedule: schedule, cluster: cluster(p))
        let r = try sim.run()
        let (tf, tb) = passTimes(model, plan: plan, sequence: 128, tflops: 100)
        let expected = Double(m + p - 1) * (tf + tb) * 1e-12
        #expect(abs(r.iterationSeconds - expected) <= 1e-9 * expected, "\(r.iterationSeconds) against \(expected)")
        for st in r.stages {
            let idle = st.pipelineWaitSeconds + st.tailSeconds
            #expect(abs(idle - Double(p - 1) * (tf + tb) * 1e-12) <= 1e-9 * expected)
        }
    }

    @Test("Micro-batches in flight: p - s under 1F1B (at most m), m under GPipe", arguments: [(4, 8), (4, 2), (8, 8)])
    func inFlight(_ p: Int, _ m: Int) {
        for s in 0..<p {
            #expect(PipelineSchedule.oneFOneB.peakInFlight(stage: s, stages: p, microBatches: m) == min(p - s, m))
            #expect(PipelineSchedule.gpipe.peakInFlight(stage: s, stages: p, microBatches: m) == m)
            let order = PipelineSchedule.oneFOneB.order(stage: s, stages: p, microBatches: m)
            #expect(order.filter(\.forward).map(\.microBatch) == Array(0..<m))
            #expect(order.filter { !$0.forward }.map(\.microBatch) == Array(0..<m))
        }
    }

    @Test("Data parallelism alone: compute, then a ring all-reduce of the gradients, 2(n-1)(a + B/(n bw)) on a switch")
    func dataParallel() throws {
        let model = try uniform(layers: 2)
        let n = 8
        let plan = ParallelismPlan(tensor: 1, pipeline: 1, data: n, microBatchSize: 1, microBatches: 2)
        let bw = 50.0, latency: Picoseconds = 2_000_000
        let levels = [ClusterLevel(name: "node", size: n, kind: .switch, gbPerSecond: bw, latencyPs: latency)]
        let net = try ClusterNetwork.hierarchical(name: "switch", levels: levels)
        let r = try TrainingSimulation(model, sequence: 64, plan: plan, cluster: cluster(n), network: net).run()
        let (tf, tb) = passTimes(model, plan: plan, sequence: 64, tflops: 100)
        let bytes = 2 * TrainingMemory(model, sequence: 64, plan: plan).parametersHeld
        // A transfer through the switch crosses two links: 2 x latency.
        let ring = 2 * Double(n - 1) * (2 * Double(latency) + bytes / Double(n) / (bw * 1e-3))
        let expected = (2 * (tf + tb) + ring) * 1e-12
        #expect(abs(r.iterationSeconds - expected) <= 1e-9 * expected, "\(r.iterationSeconds) against \(expected)")
        #expect(r.sharedCollectives + r.reusedCollectives == 1)
    }

    @Test("Collectives reused on isolated links give the same iteration as running every collective on the shared network")
    func reuseIsExact() throws {
        let model = try uniform(layers: 4)
        var plan = ParallelismPlan(tensor: 4, pipeline: 2, data: 2, microBatchSize: 1, microBatches: 4)
        plan.sequenceParallel = true
        let spec = cluster(16, perNode: 4, gbPerSecond: 20, latencyPs: 500_000)
        var sim = TrainingSimulation(model, sequence: 256, plan: plan, cluster: spec)
        let reused = try sim.run()
        #expect(reused.reusedCollectives > 0)
        sim.reuseIsolatedCollectives = false
        let shared = try sim.run()
        #expect(shared.reusedCollectives == 0)
        #expect(abs(reused.iterationSeconds - shared.iterationSeconds) <= 1e-9 * shared.iterationSeconds)
        #expect(abs(reused.linkEnergyPJ - shared.linkEnergyPJ) <= 1e-9 * max(1, shared.linkEnergyPJ))
        for (a, b) in zip(reused.linkBytesByLevel, shared.linkBytesByLevel) { #expect(abs(a - b) <= 1e-6 * max(1, b)) }
    }

    @Test("Runs are deterministic, and a mixture of experts runs its all-to-alls over the expert groups")
    func deterministicMoE() throws {
        var model = try #require(TransformerZoo.model(named: "mixtral-8x7b"))
        model.layers = 4
        var plan = ParallelismPlan(tensor: 2, pipeline: 2, data: 4, expert: 4, microBatchSize: 1, microBatches: 4)
        plan.sequenceParallel = true
        let spec = cluster(16, perNode: 4, gbPerSecond: 25, latencyPs: 1_000_000)
        var sim = TrainingSimulation(model, sequence: 512, plan: plan, cluster: spec)
        sim.allowOverCapacity = true
        let a = try sim.run(), b = try sim.run()
        #expect(a == b)
        #expect(a.stages.allSatisfy { $0.expertSeconds > 0 })
        #expect(a.stages.allSatisfy { $0.dataSeconds > 0 && $0.tensorSeconds > 0 })
    }

    @Test("A plan that does not fit says by how much, and why")
    func capacity() throws {
        let model = try #require(TransformerZoo.model(named: "gpt3-175b"))
        let plan = ParallelismPlan(tensor: 8, pipeline: 1, data: 1, microBatchSize: 1, microBatches: 1)
        let sim = TrainingSimulation(model, sequence: 2_048, plan: plan, cluster: .dgxA100(chips: 8))
        #expect {
            try sim.validate()
        } throws: { e in
            guard let e = e as? SpindleError else { return false }
            return e.kind == .capacity && e.message.contains("over the") && e.message.contains("optimizer")
        }
    }

    @Test("Bad plans are refused with the reason")
    func refusals() throws {
        let model = try uniform()
        for (t, p, d, e) in [(5, 1, 1, 1), (1, 9, 1, 1), (1, 1, 4, 2), (4, 4, 4, 1)] {
            let plan = ParallelismPlan(tensor: t, pipeline: p, data: d, expert: e, microBatchSize: 1, microBatches: 1)
            let sim = TrainingSimulation(model, sequence: 16, plan: plan, cluster: cluster(16))
            #expect(throws: SpindleError.self) { try sim.validate() }
        }
    }
}
