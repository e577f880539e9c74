/// The order in which a pipeline stage runs its micro-batches' forward and backward passes.
public enum PipelineSchedule: String, Sendable, Hashable, Codable, CaseIterable {
    /// Megatron's non-interleaved 1F1B (PipeDream-Flush): stage `s` of `p` runs `p - s - 1` forwards, then
    /// alternates one forward and one backward, then runs the remaining backwards.
    case oneFOneB = "1f1b"
    /// GPipe: every forward, then every backward (the last micro-batch first).
    case gpipe

    /// One pass of one micro-batch.
    public struct Pass: Sendable, Hashable {
        public var microBatch: Int
        public var forward: Bool
    }

    /// The passes stage `stage` of `stages` runs over `microBatches` micro-batches, in order.
    public func order(stage: Int, stages: Int, microBatches m: Int) -> [Pass] {
        switch self {
        case .gpipe:
            return (0..<m).map { Pass(microBatch: $0, forward: true) } + (0..<m).reversed().map { Pass(microBatch: $0, forward: false) }
        case .oneFOneB:
            let warmup = min(stages - stage - 1, m)
            var passes = (0..<warmup).map { Pass(microBatch: $0, forward: true) }
            for i in 0..<(m - warmup) {
                passes.append(Pass(microBatch: warmup + i, forward: true))
                passes.append(Pass(microBatch: i, forward: false))
            }
            for i in (m - warmup)..<m { passes.append(Pass(microBatch: i, forward: false)) }
            return passes
        }
    }

    /// The most micro-batches whose activations stage `stage` holds at once (forwarded, not yet backward).
    public func peakInFlight(stage: Int, stages: Int, microBatches m: Int) -> Int {
        var held = 0, peak = 0
        for pass in order(stage: stage, stages: stages, microBatches: m) {
            held += pass.forward ? 1 : -1
            peak = max(peak, held)
        }
        return peak
    }
}
