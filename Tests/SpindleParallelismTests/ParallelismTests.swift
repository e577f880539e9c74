import SpindleCore
import SpindleWorkload
import Testing

@testable import SpindleParallelism

@Suite("Training plans: memory per chip and iteration time")
struct ParallelismTests {
    /// A GPT-like model with exactly `parameters` values: only the totals matter for the model states.
    func gpt3() throws -> Transformer { try #require(TransformerZoo.model(named: "gpt3-175b")) }

    @Test("Model states follow the ZeRO paper's figure 1: 7.5 B parameters on 64 replicas take 120, 31.4, 16.6 and 1.9 GB")
    func zeroStages() throws {
        // A model of exactly 7.5e9 parameters: GPT-style with no positions and vocabulary chosen to make the total.
        var m = try gpt3()
        (m.layers, m.hidden, m.heads, m.kvHeads, m.ffn, m.context, m.learnedPositions, m.biases) = (1, 1, 1, 1, 1, 1, false, false)
        m.norm = .rmsNorm
        m.vocabulary = 7_500_000_000 - 9  // attention 4, MLP 2 and 3 norms are 9 values; the rest is the embedding
        #expect(m.parameters.total == 7_500_000_000)
        let expected = [120.0, 31.40625, 16.640625, 1.875]  // (2 + 2 + 12)Ψ, 4Ψ + 12Ψ/64, 2Ψ + 14Ψ/64, 16Ψ/64
        for zero in 0...3 {
            var plan = ParallelismPlan(tensor: 1, pipeline: 1, data: 64, microBatchSize: 1, microBatches: 1)
            plan.zero = zero
            let memory = TrainingMemory(m, sequence: 1, plan: plan)
            let states = memory.weights + memory.gradients + memory.optimizer
            #expect(abs(states / 1e9 - expected[zero]) < 1e-9, "ZeRO-\(zero): \(states / 1e9)")
        }
    }

    @Test(
        "Activations per layer equal Korthikanti et al.'s: sbh(10 + 24/t + 5as/(ht)), with SP sbh(34/t + 5as/(ht)), selective sbh·34/t, full 2sbh",
        arguments: [1, 2, 8])
    func activations(_ t: Int) throws {
        let m = try gpt3()
        let (s, b, h, a) = (2_048.0, 1.0, 12_288.0, 96.0)
        let sbh = s * b * h, tt = Double(t)
        var plan = ParallelismPlan(tensor: t, pipeline: 1, data: 1, microBatchSize: 1, microBatches: 1)
        func per() -> Double { TrainingMemory.activationsPerLayer(m, sequence: 2_048, plan: plan) }
        #expect(abs(per() - sbh * (10 + 24 / tt + 5 * a * s / (h * tt))) < 1e-6 * per())
        plan.sequenceParallel = true
        #expect(abs(per() - sbh * (34 / tt + 5 * a * s / (h * tt))) < 1e-6 * per())
        plan.recompute = .selective
        #expect(abs(per() - sbh * 34 / tt) < 1e-6 * per())
        plan.recompute = .full
        #expect(abs(per() - 2 * sbh / tt) < 1e-6 * per())
        // Without parallelism: sbh(34 + 5as/h) = 114 sbh, 2.87 GB a layer for GPT-3 at 2,048 tokens.
        if t == 1 {
            plan.recompute = .none
            plan.sequenceParallel = false
            #expect(abs(per() - 114 * sbh) < 1)
        }
    }

    @Test("1F1B keeps min(stages, micro-batches) micro-batches on the first stage; weights split over TP x PP")
    func pipelineMemory() throws {
        let m = try gpt3()
        var plan = ParallelismPlan(tensor: 8, pipeline: 16, data: 8, microBatchSize: 1, microBatches: 192)
        plan.sequenceParallel = true
        let mem = TrainingMemory(m, sequence: 2_048, plan: plan)
        #expect(abs(mem.weights - 2 * Double(m.parameters.total) / 128) < 1)
        #expect(abs(mem.activations - 6 * 16 * TrainingMemory.activationsPerLayer(m, sequence: 2_048, plan: plan)) < 1)
        plan.microBatches = 4
        #expect(
            abs(
                TrainingMemory(m, sequence: 2_048, plan: plan).activations - 6 * 4
                    * TrainingMemory.activationsPerLayer(m, sequence: 2_048, plan: plan)) < 1)
    }

    @Test("The estimate's parts: compute = FLOPs / (chips x peak x efficiency), bubble (p-1)/m of it, data-parallel ring all-reduce")
    func estimateParts() throws {
        let m = try gpt3()
        let cluster = ClusterSpec.dgxA100(chips: 1_024)
        var plan = ParallelismPlan(tensor: 8, pipeline: 16, data: 8, microBatchSize: 1, microBatches: 192)
        plan.sequenceParallel = true
        let e = IterationEstimate(m, sequence: 2_048, plan: plan, cluster: cluster)
        let flops = m.trainingFLOPsPerToken(sequence: 2_048) * 1_536 * 2_048
        #expect(abs(e.computeSeconds - flops / 1_024 / (312e12 * 0.5)) < 1e-9 * e.computeSeconds)
        #expect(abs(e.bubbleSeconds - 15.0 / 192 * e.computeSeconds) < 1e-9 * e.bubbleSeconds)
        let grads = 2 * Double(m.parameters.total) / 128
        let ring = 2 * 7 * (10e-6 + grads / 8 / 25e9)
        #expect(abs(e.dataSeconds - ring) < 1e-9 * ring)
        #expect(e.fits && e.modelFLOPsUtilisation > 0 && e.modelFLOPsUtilisation < 0.5)
        // One iteration of 1,536 x 2,048 tokens: the time and the tokens per second agree.
        #expect(abs(e.tokensPerSecond * e.seconds - 1_536 * 2_048) < 1e-6 * 1_536 * 2_048)
    }

    @Test("The search ranks fitting plans by time; GPT-3 175B on 1,024 chips needs model parallelism, and the best keeps TP in a node")
    func search() throws {
        let m = try gpt3()
        let cluster = ClusterSpec.dgxA100(chips: 1_024)
        let all = PlanSearch.candidates(m, sequence: 2_048, globalBatch: 1_536, cluster: cluster)
        let best = try #require(all.first)
        #expect(best.fits && best.plan.tensor <= 8 && best.plan.chips == 1_024 && best.plan.globalBatch == 1_536)
        let fitting = all.filter(\.fits)
        #expect(zip(fitting, fitting.dropFirst()).allSatisfy { $0.seconds <= $1.seconds })
        // Pure data parallelism cannot hold 175 B parameters' states in 80 GB.
        let pureDP = IterationEstimate(
            m, sequence: 2_048, plan: ParallelismPlan(tensor: 1, pipeline: 1, data: 1_024, microBatchSize: 1, microBatches: 1),
            cluster: cluster)
        #expect(!pureDP.fits && pureDP.memory.total > 2_000e9)
        #expect(all.allSatisfy { $0.plan.tensor > 1 || $0.plan.pipeline > 1 || !$0.fits })
        // Megatron-LM's choice for this case (Narayanan et al. 2021): TP 8 x PP 16.
        #expect(best.plan.tensor == 8 && best.plan.pipeline == 16)
        // Same inputs, same ranking.
        #expect(PlanSearch.candidates(m, sequence: 2_048, globalBatch: 1_536, cluster: cluster).map(\.plan) == all.map(\.plan))
    }

    @Test("Mixtral: expert parallelism divides the experts' parameters and adds the all-to-alls")
    func experts() throws {
        let m = try #require(TransformerZoo.model(named: "mixtral-8x7b"))
        let cluster = ClusterSpec.dgxA100(chips: 64)
        var plan = ParallelismPlan(tensor: 8, pipeline: 1, data: 8, microBatchSize: 1, microBatches: 4)
        let dense = IterationEstimate(m, sequence: 4_096, plan: plan, cluster: cluster)
        plan.expert = 8
        let spread = IterationEstimate(m, sequence: 4_096, plan: plan, cluster: cluster)
        #expect(spread.memory.parametersHeld < dense.memory.parametersHeld / 4)
        #expect(dense.expertSeconds == 0 && spread.expertSeconds > 0)
    }
}
