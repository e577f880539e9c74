import SpindleCore

/// A decoder-only transformer described by a handful of parameters: the GPT-2/GPT-3 family (learned
/// positions, LayerNorm, biases, a 4x GELU MLP) and the LLaMA/Mixtral family (rotary positions, RMSNorm, no
/// biases, a gated SwiGLU MLP, grouped-query attention, optionally a mixture of experts).
///
/// `parameters` counts every trained value (embeddings, norms and biases included) for comparison with
/// published totals; `network(tokens:)` lists the matrix products a forward pass over `tokens` tokens of
/// one sequence runs, as Spindle's layers.
public struct Transformer: Sendable, Equatable, Codable {
    public enum Norm: String, Sendable, Codable {
        /// Scale and shift per feature (2 x hidden values).
        case layerNorm
        /// Scale per feature (hidden values).
        case rmsNorm
    }

    public var name: String
    public var layers: Int
    public var hidden: Int
    public var heads: Int
    /// Key/value heads: `heads` for multi-head attention, fewer for grouped-query attention.
    public var kvHeads: Int
    /// The MLP's inner width (per expert).
    public var ffn: Int
    /// A gated MLP (SwiGLU: gate, up and down projections) instead of two projections.
    public var gated: Bool
    public var vocabulary: Int
    /// The longest sequence (context) the model was trained for.
    public var context: Int
    /// A learned position table of `context` x `hidden` (GPT); rotary positions have no parameters.
    public var learnedPositions: Bool
    /// The output projection shares the token embedding's values.
    public var tiedEmbeddings: Bool
    /// Every linear layer has a bias.
    public var biases: Bool
    public var norm: Norm
    /// Experts per MLP (1: dense) and the experts each token is routed to.
    public var experts: Int = 1
    public var topK: Int = 1
    /// Bits per weight and activation.
    public var bits: Int = 16

    public var headDimension: Int { hidden / heads }
    /// Width of the key (and of the value) projection.
    public var kvWidth: Int { kvHeads * headDimension }

    /// Trained values by part of the model.
    public struct Parameters: Sendable, Equatable, Codable {
        public var embedding = 0, positions = 0, attention = 0, mlp = 0, router = 0, norms = 0, biases = 0, outputHead = 0
        public var total: Int { embedding + positions + attention + mlp + router + norms + biases + outputHead }
        /// Without the token and position tables (the `N` of the usual 6N rule).
        public var nonEmbedding: Int { total - embedding - positions }
    }

    /// Every trained value of the model.
    public var parameters: Parameters { count(expertsUsed: experts) }

    /// The values one token passes through: a mixture of experts uses `topK` of its experts.
    public var activeParameters: Parameters { count(expertsUsed: topK) }

    func count(expertsUsed: Int) -> Parameters {
        var p = Parameters()
        let h = hidden, projections = gated ? 3 : 2
        p.embedding = vocabulary * h
        p.positions = learnedPositions ? context * h : 0
        p.attention = layers * (2 * h * h + 2 * h * kvWidth)
        p.mlp = layers * expertsUsed * projections * h * ffn
        p.router = experts > 1 ? layers * h * experts : 0
        let normValues = norm == .layerNorm ? 2 * h : h
        p.norms = (2 * layers + 1) * normValues
        if biases {
            let mlpBiases = gated ? 2 * ffn + h : ffn + h
            p.biases = layers * (h + 2 * kvWidth + h + expertsUsed * mlpBiases)
        }
        p.outputHead = tiedEmbeddings ? 0 : vocabulary * h
        return p
    }

    /// Multiply-accumulates of one forward pass over `tokens` tokens of one sequence, as the layers of
    /// `network(tokens:)` count them (attention over all `tokens` positions, no causal saving).
    public func forwardMACs(tokens: Int) -> UInt64 { network(tokens: tokens).macsPerSample }

    /// The usual closed form for training FLOPs per token at sequence length `s` (Narayanan et al. 2021,
    /// without recomputation): 6 x (the block's matrix MACs) + 12 x layers x hidden x s (attention scores and
    /// context) + 6 x hidden x vocabulary (the logits). For GPT's 4x MLP the first term is 72 x layers x hidden².
    public func trainingFLOPsPerToken(sequence s: Int) -> Double {
        let h = Double(hidden), l = Double(layers)
        let block =
            2 * h * h + 2 * h * Double(kvWidth) + Double(topK * (gated ? 3 : 2)) * h * Double(ffn)
            + (experts > 1 ? h * Double(experts) : 0)
        return 6 * l * block + 12 * l * h * Double(s) + 6 * h * Double(vocabulary)
    }

    /// Bytes of keys and values one token adds to the KV cache (all layers).
    public var kvCacheBytesPerToken: Int { 2 * layers * kvWidth * bits / 8 }

    /// The forward pass over `tokens` tokens of one sequence: per block the query, key and value
    /// projections, attention scores and context per head (key/value heads shared by their query group),
    /// the output projection, and the MLP (with a mixture of experts, a router and each expert's
    /// projections over its share of the tokens, assuming perfectly balanced routing: ceil(tokens x top-k /
    /// experts)); then the output head over the vocabulary. Embedding lookups do no multiplications.
    public func network(tokens: Int) -> Network {
        let h = hidden, d = headDimension, t = max(1, tokens)
        var list: [Layer] = []
        list.reserveCapacity(layers * (8 + 3 * experts) + 1)
        for b in 0..<layers {
            let p = "blocks.\(b)."
            list.append(.linear(p + "attn.q", h, h, tokens: t, bits: bits))
            list.append(.linear(p + "attn.k", h, kvWidth, tokens: t, bits: bits))
            list.append(.linear(p + "attn.v", h, kvWidth, tokens: t, bits: bits))
            list.append(.matmul(p + "attn.scores", rows: t, inner: d, cols: t, count: heads, bits: bits))
            list.append(.matmul(p + "attn.context", rows: t, inner: t, cols: d, count: heads, bits: bits))
            list.append(.linear(p + "attn.out", h, h, tokens: t, bits: bits))
            if experts > 1 {
                list.append(.linear(p + "moe.router", h, experts, tokens: t, bits: bits))
                let share = (t * topK + experts - 1) / experts
                for e in 0..<experts { list += mlp(p + "moe.expert\(e).", tokens: share) }
            } else {
                list += mlp(p + "mlp.", tokens: t)
            }
        }
        list.append(.linear("output", h, vocabulary, tokens: t, bits: bits))
        return Network(name: name, layers: list)
    }

    func mlp(_ prefix: String, tokens: Int) -> [Layer] {
        gated
            ? [
                .linear(prefix + "gate", hidden, ffn, tokens: tokens, bits: bits),
                .linear(prefix + "up", hidden, ffn, tokens: tokens, bits: bits),
                .linear(prefix + "down", ffn, hidden, tokens: tokens, bits: bits),
            ]
            : [
                .linear(prefix + "fc", hidden, ffn, tokens: tokens, bits: bits),
                .linear(prefix + "proj", ffn, hidden, tokens: tokens, bits: bits),
            ]
    }
}
