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

@Suite("Training simulation fuzz: random plans on random clusters")
struct TrainingFuzzTests {
    @Test("Every chip finishes; the iteration covers each stage's work; runs repeat exactly; reuse changes nothing")
    func fuzz() throws {
        var rng = RandomStream(seed: 0x5EED)
        func next(_ n: Int) -> Int { Int(rng.nextBelow(UInt64(n))) }
        let kinds: [ClusterLevel.Kind] = [.switch, .fullyConnected, .ring]
        for round in 0..<24 {
            var model = try #require(TransformerZoo.model(named: next(3) == 0 ? "mixtral-8x7b" : "gpt2"))
            model.layers = 2 + next(6)
            model.hidden = 64 * (1 + next(4))
            model.heads = 4
            model.kvHeads = 4
            model.ffn = 4 * model.hidden
            model.vocabulary = 100 * next(10)
            let perNode = [2, 4][next(2)]
            var levels = [
                ClusterLevel(
                    name: "node", size: perNode, kind: kinds[next(3)], gbPerSecond: Double(10 + next(100)),
                    latencyPs: Picoseconds(1_000 * next(5)))
            ]
            levels.append(ClusterLevel(name: "pod", size: 2 + next(3), kind: .switch, gbPerSecond: Double(1 + next(20)), latencyPs: 10_000))
            if next(2) == 0 {
                levels.append(ClusterLevel(name: "top", size: 2, kind: .switch, gbPerSecond: Double(1 + next(5)), latencyPs: 20_000))
            }
            let net = try ClusterNetwork.hierarchical(name: "fuzz \(round)", levels: levels)
            let t = [1, 2, 4][next(3)], p = min(model.layers, 1 + next(3))
            let d = max(1, net.endpoints / (t * p) / (1 + next(2)))
            let e = model.experts > 1 && d % 2 == 0 && next(2) == 0 ? 2 : 1
            var plan = ParallelismPlan(tensor: t, pipeline: p, data: d, expert: e, microBatchSize: 1 + next(2), microBatches: 1 + next(6))
            plan.recompute = ParallelismPlan.Recompute.allCases[next(3)]
            plan.zero = next(3)
            plan.sequenceParallel = t > 1 && next(2) == 0
            let spec = ClusterSpec(
                chips: net.endpoints, chipsPerNode: perNode, peakTFLOPs: 10, efficiency: 0.5, memoryBytes: 1e15, intraGBPerSecond: 10,
                intraLatencyPs: 0, interGBPerSecond: 1, interLatencyPs: 0)
            var sim = TrainingSimulation(
                model, sequence: 32 * (1 + next(4)), plan: plan, schedule: PipelineSchedule.allCases[next(2)], cluster: spec, network: net)
            guard plan.chips <= net.endpoints else { continue }
            let a = try sim.run()
            #expect(try sim.run() == a, "round \(round): \(plan)")
            for st in a.stages {
                #expect(a.iterationSeconds >= st.computeSeconds * (1 - 1e-12), "round \(round)")
                let communication: Double = st.tensorSeconds + st.dataSeconds + st.expertSeconds
                let accounted: Double = st.computeSeconds + communication + st.pipelineWaitSeconds + st.tailSeconds
                #expect(
                    abs(accounted - a.iterationSeconds) <= 1e-9 * a.iterationSeconds,
                    "round \(round): \(plan): \(accounted) of \(a.iterationSeconds)")
            }
            sim.reuseIsolatedCollectives = false
            let b = try sim.run()
            #expect(abs(b.iterationSeconds - a.iterationSeconds) <= 1e-9 * a.iterationSeconds, "round \(round): \(plan)")
        }
    }
}
