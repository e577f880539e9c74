/// Partitions in classes of alike work (a pipeline's stages), shared so that every worker or rank gets an even
/// share of every class, each share a contiguous run of the class's partitions.
///
/// Work is balanced where it matters for a windowed run, per window and not only in total: the stages of a
/// pipeline are busy at different times, so a rank holding whole stages idles while its stages wait (measured
/// on the 1,024-chip training run: contiguous runs of whole stages kept 67 % of the per-window balance at 2
/// ranks and 25 % at 16; an even share of every stage keeps nearly all of it, Docs/scaling.md). Within a class,
/// neighbouring partitions (a stage's replicas, whose ring all-reduce joins neighbours) stay together, and
/// replica j of every stage lands on the same rank, so pipeline transfers between stages mostly stay on it.
/// When a class has fewer partitions than ranks, its partitions are spread evenly and successive classes are
/// shifted, so every rank gets some.
public struct StagedPartitioner: Partitioner {
    /// The class of each partition (any integers; partitions of one class are taken in index order).
    public var classes: [Int]

    public init(classes: [Int]) { self.classes = classes }

    public func assign(weights: [Double], workers: Int) -> [Int] {
        let n = weights.count
        precondition(classes.count == n, "one class per partition")
        let k = max(1, min(workers, n))
        var members: [Int: [Int]] = [:]
        var order: [Int] = []
        for (p, c) in classes.enumerated() {
            if members[c] == nil { order.append(c) }
            members[c, default: []].append(p)
        }
        var out = [Int](repeating: 0, count: n)
        for (index, c) in order.enumerated() {
            let parts = members[c]!
            let m = parts.count
            let spread = (k + m - 1) / m  // ranks per partition when the class is smaller than the rank count
            let shift = m < k ? index % spread : 0
            for (j, p) in parts.enumerated() { out[p] = (j * k / m + shift) % k }
        }
        // Every worker below k must run a partition: hand an unused worker the last partition of the most
        // loaded one (only when classes are too small to reach every worker).
        var count = [Int](repeating: 0, count: k)
        for w in out { count[w] += 1 }
        for w in 0..<k where count[w] == 0 {
            let donor = count.indices.max { count[$0] < count[$1] }!
            let p = out.lastIndex(of: donor)!
            out[p] = w
            count[donor] -= 1
            count[w] += 1
        }
        return out
    }
}
