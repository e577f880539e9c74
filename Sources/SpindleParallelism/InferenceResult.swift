import SpindleCore

/// What a simulated serving run measured.
public struct InferenceResult: Sendable, Equatable, Codable {
    /// Energy by where it is spent, picojoules (all chips).
    public struct Energy: Sendable, Equatable, Codable {
        /// Reading weights: from DRAM, or used in place in MRAM crossbars.
        public var weightsPJ = 0.0
        /// Reading and writing the key/value cache in DRAM.
        public var cachePJ = 0.0
        /// Moving data over the cluster's links.
        public var links = 0.0
        public var totalPJ: Double { weightsPJ + cachePJ + links }
    }

    public var model: String
    public var tensor: Int
    public var pipeline: Int
    public var batch: Int
    public var prompt: Int
    public var generate: Int
    public var weights: WeightResidence
    public var network: String
    public var fidelity = "flow"
    /// From the start to the first generated token of every sequence (the prefill).
    public var timeToFirstTokenSeconds: Double
    /// Mean time between later tokens (one decode step).
    public var timePerOutputTokenSeconds: Double
    public var totalSeconds: Double
    /// Generated tokens per second over the whole run.
    public var tokensPerSecond: Double
    /// Tokens per second while decoding (batch / time per output token).
    public var decodeTokensPerSecond: Double { timePerOutputTokenSeconds > 0 ? Double(batch) / timePerOutputTokenSeconds : 0 }
    public var weightBytesPerChip: Double
    public var cacheBytesPerChip: Double
    /// Key/value bytes one token adds (all layers, before tensor parallelism splits them).
    public var cacheBytesPerToken: Double
    /// Bits of a dense weight.
    public var bitsDense = 16
    /// Mean per chip: computing, in tensor-parallel all-reduces, waiting for other stages.
    public var computeSeconds: Double
    public var tensorSeconds: Double
    public var waitSeconds: Double
    /// Steps (prefill and decode) whose layers were limited by DRAM bandwidth rather than arithmetic.
    public var memoryBoundSteps: Int
    public var steps: Int
    public var energy: Energy
    /// The compressed encoding the weights streamed in, if any.
    public var encoding: WeightStreamEncoding?

    /// The result as a few lines for a terminal.
    public func text() -> String {
        func b(_ x: Double) -> String { Units.formatBytes(count: x) }
        func ms(_ x: Double) -> String { Units.format(x * 1e3, 3) + " ms" }
        return [
            "\(model) serving \(batch) sequences: \(prompt)-token prompts, \(generate) tokens generated, TP \(tensor) x PP \(pipeline), weights in \(weights.rawValue) (\(network), \(fidelity)-level network)",
            "  time to first token \(ms(timeToFirstTokenSeconds)), time per output token \(ms(timePerOutputTokenSeconds)), total \(ms(totalSeconds)); \(Units.format(tokensPerSecond, 1)) tokens/s overall, \(Units.format(decodeTokensPerSecond, 1)) while decoding",
            "  per chip: weights \(b(weightBytesPerChip)), key/value cache \(b(cacheBytesPerChip)) (\(b(cacheBytesPerToken)) a token); compute \(ms(computeSeconds)), all-reduce \(ms(tensorSeconds)), waiting \(ms(waitSeconds))",
            encoding.map {
                "  weights compressed with \($0.method): \(Units.format($0.bitsPerWeight, 2)) bits a weight (dense: \(bitsDense)), rebuilt at \(Units.format($0.rebuildOperationsPerWeight, 2)) operations a weight, relative error \(Units.format($0.relativeError, 4)) on sampled weights"
            } ?? "  weights dense, \(bitsDense) bits each",
            "  \(memoryBoundSteps) of \(steps) steps limited by memory bandwidth"
                + (weights == .mram ? " (weights in MRAM: only the cache moves)" : ""),
            "  energy: weights \(Units.formatEnergy(energy.weightsPJ))"
                + (weights == .mram ? " (the crossbars' in-place products included)" : " (read from DRAM)")
                + ", cache \(Units.formatEnergy(energy.cachePJ)), links \(Units.formatEnergy(energy.links)); the chips' digital arithmetic is not priced",
        ].joined(separator: "\n")
    }
}
