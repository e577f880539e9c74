import SpindleCore

/// Direct collectives: every endpoint sends its share straight to every other in one step.
///
/// Reduce-scatter, all-gather and all-to-all send `bytes / n` to each of the n - 1 others; all-reduce is a
/// reduce-scatter then an all-gather; broadcast sends the buffer from the root to all.
public struct DirectCollective: CollectiveAlgorithm {
    public let name = "direct"
    public init() {}

    public func transfers(_ operation: CollectiveOperation, endpoints n: Int) -> Int {
        guard n > 1 else { return 0 }
        switch operation {
        case .reduceScatter, .allGather, .allToAll: return n * (n - 1)
        case .allReduce: return 2 * n * (n - 1)
        case .broadcast: return n - 1
        }
    }

    public func schedule(_ operation: CollectiveOperation, bytes: Double, group: [Int]) throws(SpindleError) -> CollectiveSchedule {
        let n = group.count
        guard n > 1 else { return CollectiveSchedule() }
        var all: [CollectiveTransfer] = []
        for a in 0..<n {
            for b in 0..<n where a != b { all.append(CollectiveTransfer(group[a], group[b], bytes: bytes / Double(n))) }
        }
        switch operation {
        case .reduceScatter, .allGather, .allToAll: return CollectiveSchedule(steps: [all])
        case .allReduce: return CollectiveSchedule(steps: [all, all])
        case .broadcast: return CollectiveSchedule(steps: [(1..<n).map { CollectiveTransfer(group[0], group[$0], bytes: bytes) }])
        }
    }
}
