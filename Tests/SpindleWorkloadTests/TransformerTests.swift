import SpindleCore
import Testing

@testable import SpindleWorkload

@Suite("Decoder-only transformers")
struct TransformerTests {
    /// Published parameter totals: the released checkpoints' counts (GPT-2 124,439,808 and GPT-2 XL
    /// 1,557,611,200; LLaMA-2 7B 6,738,415,616 and 70B 68,976,648,192; LLaMA-3 8B 8,030,261,248; Mixtral 8x7B
    /// 46,702,792,704), and GPT-3's 175.0 B from Brown et al. 2020, Table 2.1.
    @Test(
        "Parameter totals equal the published ones (GPT-3 within 1 % of its rounded 175.0 B)",
        arguments: [
            ("gpt2", 124_439_808.0, 0.0), ("gpt2-xl", 1_557_611_200, 0), ("llama2-7b", 6_738_415_616, 0),
            ("llama2-70b", 68_976_648_192, 0), ("llama3-8b", 8_030_261_248, 0), ("mixtral-8x7b", 46_702_792_704, 0),
            ("gpt3-175b", 175.0e9, 0.01),
        ])
    func published(_ name: String, _ total: Double, _ tolerance: Double) throws {
        let m = try #require(TransformerZoo.model(named: name))
        let p = Double(m.parameters.total)
        #expect(abs(p - total) <= tolerance * total, "\(name): \(p)")
    }

    @Test("Mixtral routes each token through 2 of 8 experts: 12.9 B active parameters (Jiang et al. 2024)")
    func activeParameters() throws {
        let m = try #require(TransformerZoo.model(named: "mixtral-8x7b"))
        let active = Double(m.activeParameters.total)
        #expect(abs(active - 12.9e9) / 12.9e9 < 0.01)
        let dense = try #require(TransformerZoo.model(named: "llama3-8b"))
        #expect(dense.activeParameters == dense.parameters)
    }

    @Test(
        "Training FLOPs per token: 3 x 2 x the forward pass's MACs equals the closed form, and 6N plus attention",
        arguments: [("gpt3-175b", 2_048), ("llama3-8b", 4_096), ("mixtral-8x7b", 1_024), ("gpt2", 1_024)])
    func flops(_ name: String, _ tokens: Int) throws {
        let m = try #require(TransformerZoo.model(named: name))
        let fromLayers = 6 * Double(m.forwardMACs(tokens: tokens)) / Double(tokens)
        let closedForm = m.trainingFLOPsPerToken(sequence: tokens)
        #expect(abs(fromLayers - closedForm) / closedForm < 1e-12, "\(fromLayers) vs \(closedForm)")
        // The 6N rule (N: active non-embedding parameters) plus attention and logits, within biases and norms.
        let n = Double(m.activeParameters.nonEmbedding - m.activeParameters.outputHead)
        let rule = 6 * n + 12 * Double(m.layers * m.hidden * tokens) + 6 * Double(m.hidden * m.vocabulary)
        #expect(abs(closedForm - rule) / rule < 0.001, "\(closedForm) vs \(rule)")
    }

    @Test("GPT-3 175B: 72 l h^2 + 12 l h s + 6 h V FLOPs per trained token (Narayanan et al. 2021)")
    func gpt3ClosedForm() throws {
        let m = try #require(TransformerZoo.model(named: "gpt3-175b"))
        let (l, h, s, v) = (96.0, 12_288.0, 2_048.0, 50_257.0)
        #expect(m.trainingFLOPsPerToken(sequence: 2_048) == 72 * l * h * h + 12 * l * h * s + 6 * h * v)
    }

    @Test("The layers hold the matrices: linear parameters = attention + MLP + router + output projection")
    func layersMatchCounts() throws {
        for name in TransformerZoo.names {
            let m = try #require(TransformerZoo.model(named: name))
            let p = m.parameters
            let net = m.network(tokens: 64)
            let output = m.tiedEmbeddings ? p.embedding : p.outputHead
            #expect(net.parameters == p.attention + p.mlp + p.router + output, "\(name)")
            #expect(net.layers.count == m.layers * (m.experts > 1 ? 7 + 3 * m.experts : (m.gated ? 9 : 8)) + 1)
            #expect(net.layers.allSatisfy { $0.weightBits == 16 && $0.activationBits == 16 })
        }
    }

    @Test("KV cache per token: 2 x layers x KV width x 2 bytes (LLaMA-2 7B 512 KiB, 70B with GQA 320 KiB)")
    func kvCache() throws {
        #expect(TransformerZoo.model(named: "llama2-7b")?.kvCacheBytesPerToken == 524_288)
        #expect(TransformerZoo.model(named: "llama2-70b")?.kvCacheBytesPerToken == 327_680)
        #expect(TransformerZoo.model(named: "gpt3-175b")?.kvCacheBytesPerToken == 2 * 96 * 12_288 * 2)
    }

    @Test("The zoo lists the transformers; a name that is not one gives nil")
    func zoo() {
        for name in TransformerZoo.names { #expect(ModelZoo.names.contains(name) && ModelZoo.network(named: name) != nil) }
        #expect(TransformerZoo.model(named: "gpt4") == nil)
        #expect(ModelZoo.network(named: "gpt2")?.layers.first?.inHeight == 1_024)  // one full-context sequence
    }
}
