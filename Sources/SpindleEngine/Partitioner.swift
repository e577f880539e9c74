/// Assigns partitions to workers: a policy, chosen by the model that knows what its partitions cost.
public protocol Partitioner: Sendable {
    /// The worker (`0 ..< workers`) of each partition, given each partition's expected work. Every worker
    /// below `min(workers, weights.count)` gets at least one partition.
    func assign(weights: [Double], workers: Int) -> [Int]
}

/// Partition p to worker p mod W: the default when nothing is known of the partitions' work.
public struct RoundRobinPartitioner: Partitioner {
    public init() {}

    public func assign(weights: [Double], workers: Int) -> [Int] {
        let active = max(1, min(workers, weights.count))
        return weights.indices.map { $0 % active }
    }
}

/// Contiguous runs of partitions, one run per worker, with the largest run's work as small as possible.
///
/// Neighbouring partitions (consecutive chips: rows of a package mesh, stages of a pipeline) stay on one
/// worker, so fewer events cross workers, and a worker whose chips do more work gets fewer of them. The
/// smallest largest run is found by bisection on its work, each candidate checked greedily; runs are then
/// cut greedily at that bound, and every worker keeps at least one partition.
public struct BalancedContiguousPartitioner: Partitioner {
    public init() {}

    public func assign(weights: [Double], workers: Int) -> [Int] {
        let n = weights.count
        let k = max(1, min(workers, n))
        guard n > 0 else { return [] }
        let w = weights.map { $0.isFinite ? max($0, 0) : 0 }
        let bound = Self.smallestLargestRun(w, runs: k)
        var out = [Int](repeating: 0, count: n)
        var worker = 0
        var sum = 0.0
        for i in 0..<n {
            // Start a new run when this one would pass the bound, or when the partitions left are just enough
            // to give every remaining worker one.
            let left = n - i, workersLeft = k - 1 - worker
            if i > 0, worker < k - 1, sum + w[i] > bound || left == workersLeft {
                worker += 1
                sum = 0
            }
            sum += w[i]
            out[i] = worker
        }
        return out
    }

    /// The smallest bound B such that `w` splits into at most `runs` contiguous runs of sum <= B.
    static func smallestLargestRun(_ w: [Double], runs: Int) -> Double {
        var lo = w.max() ?? 0, hi = w.reduce(0, +)
        func fits(_ b: Double) -> Bool {
            var count = 1, sum = 0.0
            for x in w {
                if sum + x > b {
                    count += 1
                    sum = 0
                }
                sum += x
            }
            return count <= runs
        }
        for _ in 0..<64 where hi - lo > 1e-9 * max(hi, 1) {
            let mid = (lo + hi) / 2
            if fits(mid) { hi = mid } else { lo = mid }
        }
        return hi
    }
}
