import SpindleCore

/// Ring collectives: each endpoint sends to the next in the group's order.
///
/// Reduce-scatter and all-gather take n - 1 steps of `bytes / n`; all-reduce is one then the other; broadcast
/// passes the whole buffer down the ring in n - 1 steps (chunk it to pipeline). On links of bandwidth bw and
/// latency a: all-reduce takes 2(n - 1)(a + bytes / (n bw)).
public struct RingCollective: CollectiveAlgorithm {
    public let name = "ring"
    public init() {}

    public func transfers(_ operation: CollectiveOperation, endpoints n: Int) -> Int {
        guard n > 1 else { return 0 }
        switch operation {
        case .reduceScatter, .allGather: return (n - 1) * n
        case .allReduce: return 2 * (n - 1) * n
        case .broadcast: return n - 1
        case .allToAll: return 0
        }
    }

    public func schedule(_ operation: CollectiveOperation, bytes: Double, group: [Int]) throws(SpindleError) -> CollectiveSchedule {
        let n = group.count
        guard n > 1 else { return CollectiveSchedule() }
        func round(_ size: Double) -> [CollectiveTransfer] {
            (0..<n).map { CollectiveTransfer(group[$0], group[($0 + 1) % n], bytes: size) }
        }
        let half = CollectiveSchedule(steps: Array(repeating: round(bytes / Double(n)), count: n - 1))
        switch operation {
        case .reduceScatter, .allGather: return half
        case .allReduce: return half + half
        case .broadcast:
            return CollectiveSchedule(steps: (0..<(n - 1)).map { [CollectiveTransfer(group[$0], group[$0 + 1], bytes: bytes)] })
        case .allToAll: throw CollectiveAlgorithms.unsupported(name, operation, use: "direct")
        }
    }
}
