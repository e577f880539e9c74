import SpindleCollectives
import SpindleCore
import SpindleWorkload
import Testing

@testable import SpindleParallelism

@Suite("Serving: prefill, decode, the key/value cache, and weights in DRAM or MRAM")
struct InferenceTests {
    func chip(mram: Bool = false) -> ClusterSpec {
        var c = ClusterSpec(
            chips: 1, chipsPerNode: 1, peakTFLOPs: 100, efficiency: 0.5, memoryBytes: 80e9, intraGBPerSecond: 100, intraLatencyPs: 0,
            interGBPerSecond: 100, interLatencyPs: 0)
        c.memoryGBPerSecond = 1_000
        c.memoryPicojoulesPerBit = 4
        if mram { (c.mramBytes, c.mramGBPerSecond, c.mramPicojoulesPerBit) = (40e9, 50_000, 0.1) }
        return c
    }

    @Test("One chip decoding: each step takes max(FLOPs / rate, (weights + cache) / bandwidth) per layer, plus the logits")
    func decodeClosedForm() throws {
        let m = try #require(TransformerZoo.model(named: "llama2-7b"))
        let (b, p, g) = (4, 512, 3)
        let r = try InferenceSimulation(m, tensor: 1, pipeline: 1, batch: b, prompt: p, generate: g, weights: .dram, cluster: chip()).run()
        let h = Double(m.hidden), kv = Double(m.kvWidth), f = Double(m.ffn), L = Double(m.layers), V = Double(m.vocabulary)
        let layerParameters = 2 * h * h + 2 * h * kv + 3 * h * f
        func step(_ k: Int) -> Double {
            let tokens = Double(k == 0 ? b * p : b), context = Double(p + k)
            let flops = 2 * tokens * layerParameters + 4 * Double(b) * (k == 0 ? context * context : context) * h
            let cache = ((k == 0 ? 0 : Double(b) * context) + tokens) * 2 * kv * 2
            let layer = max(flops / 50, (layerParameters * 2 + cache) / 1)  // FLOP/ps and bytes/ps
            return L * layer + max(2 * Double(b) * h * V / 50, h * V * 2 / 1)
        }
        #expect(abs(r.timeToFirstTokenSeconds - step(0) * 1e-12) <= 1e-9 * r.timeToFirstTokenSeconds)
        let tpot = (step(1) + step(2)) / 2 * 1e-12
        #expect(abs(r.timePerOutputTokenSeconds - tpot) <= 1e-9 * tpot)
        #expect(r.memoryBoundSteps == 2)
        #expect(r.cacheBytesPerChip == L * Double(b * (p + g)) * 2 * kv * 2)
        #expect(r.cacheBytesPerToken == Double(m.kvCacheBytesPerToken))
    }

    @Test("Weights in MRAM: decode no longer streams them, so it is faster and spends less on weights than from DRAM")
    func mramAgainstDRAM() throws {
        let m = try #require(TransformerZoo.model(named: "llama2-7b"))
        let dram = try InferenceSimulation(
            m, tensor: 1, pipeline: 1, batch: 1, prompt: 128, generate: 16, weights: .dram, cluster: chip(mram: true)
        ).run()
        let mram = try InferenceSimulation(
            m, tensor: 1, pipeline: 1, batch: 1, prompt: 128, generate: 16, weights: .mram, cluster: chip(mram: true)
        ).run()
        #expect(mram.timePerOutputTokenSeconds < dram.timePerOutputTokenSeconds / 5)
        #expect(mram.energy.weightsPJ < dram.energy.weightsPJ)
        #expect(mram.cacheBytesPerChip == dram.cacheBytesPerChip)
    }

    @Test("Tensor and pipeline parallelism: all-reduces take time, the token goes back to the first stage, runs repeat exactly")
    func parallel() throws {
        let m = try #require(TransformerZoo.model(named: "llama2-7b"))
        var spec = chip()
        spec.chips = 8
        spec.chipsPerNode = 4
        spec.intraLatencyPs = 1_000_000
        spec.interLatencyPs = 2_000_000
        let sim = InferenceSimulation(m, tensor: 4, pipeline: 2, batch: 2, prompt: 256, generate: 8, weights: .dram, cluster: spec)
        let a = try sim.run()
        #expect(try sim.run() == a)
        #expect(a.tensorSeconds > 0 && a.waitSeconds > 0)
        // Each decode step crosses the stage boundary twice (activations forward, the token back): at least 2 x 4 us.
        #expect(a.timePerOutputTokenSeconds > 8e-6)
        #expect(
            a.weightBytesPerChip < InferenceSimulation(
                m, tensor: 1, pipeline: 1, batch: 2, prompt: 256, generate: 8, weights: .dram, cluster: chip()
            ).weightBytesPerChip / 7)
    }

    @Test("Compressed weights stream fewer bytes: a memory-bound decode step shrinks with the bits a weight takes")
    func compressed() throws {
        let m = try #require(TransformerZoo.model(named: "llama2-7b"))
        var sim = InferenceSimulation(m, tensor: 1, pipeline: 1, batch: 1, prompt: 64, generate: 3, weights: .dram, cluster: chip())
        let dense = try sim.run()
        sim.encoding = WeightStreamEncoding(method: "test", bitsPerWeight: 4, rebuildOperationsPerWeight: 0, relativeError: 0)
        let packed = try sim.run()
        let h = Double(m.hidden), head = h * Double(m.vocabulary) * 2
        let layers = Double(m.layers) * (2 * h * h + 2 * h * Double(m.kvWidth) + 3 * h * Double(m.ffn))
        #expect(abs(packed.weightBytesPerChip - (layers * 0.5 + head)) <= 1)
        #expect(abs(dense.weightBytesPerChip - (layers * 2 + head)) <= 1)
        // Decode is memory-bound here: the weight part of each step falls to a quarter.
        #expect(packed.timePerOutputTokenSeconds < dense.timePerOutputTokenSeconds * 0.3)
        #expect(packed.encoding?.bitsPerWeight == 4)
        sim.weights = .mram
        sim.cluster = chip(mram: true)
        #expect(throws: SpindleError.self) { try sim.validate() }
    }

    @Test("Requests that do not fit, and MRAM on chips without it, are refused with the figures")
    func refusals() throws {
        let m = try #require(TransformerZoo.model(named: "llama2-70b"))
        #expect {
            try InferenceSimulation(m, tensor: 1, pipeline: 1, batch: 1, prompt: 128, generate: 1, weights: .dram, cluster: chip())
                .validate()
        } throws: { e in (e as? SpindleError)?.kind == .capacity && (e as? SpindleError)?.message.contains("over the") == true }
        #expect {
            try InferenceSimulation(m, tensor: 1, pipeline: 1, batch: 1, prompt: 128, generate: 1, weights: .mram, cluster: chip())
                .validate()
        } throws: { e in (e as? SpindleError)?.message.contains("no MRAM") == true }
        #expect {
            try InferenceSimulation(
                m, tensor: 1, pipeline: 1, batch: 1, prompt: 128, generate: 1, weights: .mram, cluster: chip(mram: true)
            ).validate()
        } throws: { e in (e as? SpindleError)?.message.contains("of MRAM per chip") == true }
    }
}
