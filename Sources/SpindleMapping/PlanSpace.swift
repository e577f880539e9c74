import SpindleCore
import SpindleHardware
import SpindleWorkload

/// The plans the mapper may choose from: the pipeline shapes a strategy allows, and how a shape's stages
/// share the layers.
struct PlanSpace {
    let options: MappingOptions
    let network: Network
    let chips: Int

    /// The split factors to try: the option's, or every divisor of the chip count (fewest first).
    var splits: [Int] { options.split.map { [$0] } ?? (1...chips).filter { chips % $0 == 0 } }

    /// (stages, replicas) for groups of `k` chips.
    func shapes(split k: Int) throws(SpindleError) -> [(stages: Int, replicas: Int)] {
        let groups = chips / k
        let divisors = (1...groups).filter { groups % $0 == 0 && $0 <= network.layers.count }
        switch options.strategy {
        case .dataParallel: return [(1, groups)]
        case .pipeline:
            guard groups <= network.layers.count else {
                throw SpindleError(
                    .invalidValue,
                    "a pipeline over \(groups) chips needs at least \(groups) layers; '\(network.name)' has \(network.layers.count)",
                    hint: "Use strategy data-parallel or hybrid")
            }
            return [(groups, 1)]
        case .hybrid:
            if let s = options.stages {
                guard groups % s == 0, s <= network.layers.count else {
                    throw SpindleError(
                        .invalidValue, "\(s) stages do not divide \(groups) chip groups (or exceed the \(network.layers.count) layers)",
                        expected: "one of " + divisors.map(String.init).joined(separator: ", "))
                }
                return [(s, groups / s)]
            }
            return divisors.map { ($0, groups / $0) }
        case .auto: return divisors.map { ($0, groups / $0) }
        }
    }

    /// The plan of one shape: micro-batches, and stages balanced by each layer's analytic weight on one chip
    /// (on chips of crossbars, the weights they must hold; elsewhere MACs plus weight bytes).
    func plan(batch: Int, stages: Int, replicas: Int, topology: Topology) -> Plan {
        let perReplica = (batch + replicas - 1) / replicas
        let micro = stages == 1 ? 1 : max(1, min(perReplica, options.microBatches ?? 2 * stages))
        guard stages > 1 else { return Plan(stages: 1, replicas: replicas, microBatches: 1, stageLayers: [0..<network.layers.count]) }
        let crossbarOnly = ChipLayout(topology: topology).crossbarOnly != nil
        let weight = network.layers.map {
            crossbarOnly
                ? Double($0.parameters) + 1
                : Double($0.macsPerSample) * Double(max(1, perReplica / micro)) / 256 + Double($0.weightBytes) / 16
        }
        return Plan(stages: stages, replicas: replicas, microBatches: micro, stageLayers: Self.balance(weight, stages: stages))
    }

    /// Cuts `weights` (one per layer, in order) into `stages` contiguous ranges whose largest sum is as small
    /// as possible (dynamic programming over cut points; ties keep the earliest cut).
    static func balance(_ weights: [Double], stages: Int) -> [Range<Int>] {
        let n = weights.count
        var prefix = [0.0]
        for c in weights { prefix.append(prefix.last! + c) }
        // best[k][i]: the smallest largest stage for the first i layers in k stages.
        var best = [[Double]](repeating: [Double](repeating: .infinity, count: n + 1), count: stages + 1)
        var cut = [[Int]](repeating: [Int](repeating: 0, count: n + 1), count: stages + 1)
        best[0][0] = 0
        for k in 1...stages {
            for i in k...n {
                for j in (k - 1)..<i {
                    let v = max(best[k - 1][j], prefix[i] - prefix[j])
                    if v < best[k][i] {
                        best[k][i] = v
                        cut[k][i] = j
                    }
                }
            }
        }
        var ranges: [Range<Int>] = []
        var end = n
        for k in stride(from: stages, through: 1, by: -1) {
            let start = cut[k][end]
            ranges.insert(start..<end, at: 0)
            end = start
        }
        return ranges
    }
}
