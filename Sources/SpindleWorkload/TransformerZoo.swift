/// Built-in decoder-only transformers, from their published configurations.
///
/// Sources: GPT-2 (Radford et al. 2019; the released `gpt2` and `gpt2-xl` configs), GPT-3 175B (Brown et al.
/// 2020, Table 2.1), LLaMA-2 (Touvron et al. 2023, and the released 7B/70B configs), LLaMA-3 8B (the released
/// config), Mixtral 8x7B (Jiang et al. 2024, and the released config). Vocabulary sizes are the tokenizers':
/// 50,257 (GPT-2/3), 32,000 (LLaMA-2, Mixtral), 128,256 (LLaMA-3).
public enum TransformerZoo {
    public static var names: [String] { ["gpt2", "gpt2-xl", "gpt3-175b", "llama2-7b", "llama2-70b", "llama3-8b", "mixtral-8x7b"] }

    /// The built-in transformer called `name`, or nil.
    public static func model(named name: String) -> Transformer? {
        switch name {
        case "gpt2": return gpt(name, layers: 12, hidden: 768, heads: 12, context: 1_024)
        case "gpt2-xl": return gpt(name, layers: 48, hidden: 1_600, heads: 25, context: 1_024)
        case "gpt3-175b": return gpt(name, layers: 96, hidden: 12_288, heads: 96, context: 2_048)
        case "llama2-7b":
            return llama(name, layers: 32, hidden: 4_096, heads: 32, kvHeads: 32, ffn: 11_008, vocabulary: 32_000, context: 4_096)
        case "llama2-70b":
            return llama(name, layers: 80, hidden: 8_192, heads: 64, kvHeads: 8, ffn: 28_672, vocabulary: 32_000, context: 4_096)
        case "llama3-8b":
            return llama(name, layers: 32, hidden: 4_096, heads: 32, kvHeads: 8, ffn: 14_336, vocabulary: 128_256, context: 8_192)
        case "mixtral-8x7b":
            var m = llama(name, layers: 32, hidden: 4_096, heads: 32, kvHeads: 8, ffn: 14_336, vocabulary: 32_000, context: 32_768)
            (m.experts, m.topK) = (8, 2)
            return m
        default: return nil
        }
    }

    /// GPT-2/GPT-3: learned positions, LayerNorm, biases, a 4 x hidden GELU MLP, tied embeddings.
    static func gpt(_ name: String, layers: Int, hidden: Int, heads: Int, context: Int) -> Transformer {
        Transformer(
            name: name, layers: layers, hidden: hidden, heads: heads, kvHeads: heads, ffn: 4 * hidden, gated: false, vocabulary: 50_257,
            context: context, learnedPositions: true, tiedEmbeddings: true, biases: true, norm: .layerNorm)
    }

    /// LLaMA and Mixtral: rotary positions, RMSNorm, no biases, SwiGLU, separate output head.
    static func llama(
        _ name: String, layers: Int, hidden: Int, heads: Int, kvHeads: Int, ffn: Int, vocabulary: Int, context: Int
    ) -> Transformer {
        Transformer(
            name: name, layers: layers, hidden: hidden, heads: heads, kvHeads: kvHeads, ffn: ffn, gated: true, vocabulary: vocabulary,
            context: context, learnedPositions: false, tiedEmbeddings: false, biases: false, norm: .rmsNorm)
    }
}
