import SpindleCore

/// Recursive halving and doubling (Thakur et al. 2005) on a power-of-two group.
///
/// Reduce-scatter: log2 n steps, step k exchanging `bytes / 2^(k+1)` with the partner n / 2^(k+1) away;
/// all-gather mirrors it; all-reduce is one then the other: 2 log2(n) a + 2 (n - 1) / n x bytes / bw.
/// Broadcast is a binomial tree of log2 n steps of the whole buffer.
public struct HalvingDoublingCollective: CollectiveAlgorithm {
    public let name = "halving-doubling"
    public init() {}

    public func transfers(_ operation: CollectiveOperation, endpoints n: Int) -> Int {
        guard n > 1 else { return 0 }
        let levels = Int.bitWidth - 1 - n.leadingZeroBitCount
        switch operation {
        case .reduceScatter, .allGather: return levels * n
        case .allReduce: return 2 * levels * n
        case .broadcast: return n - 1
        case .allToAll: return 0
        }
    }

    public func schedule(_ operation: CollectiveOperation, bytes: Double, group: [Int]) throws(SpindleError) -> CollectiveSchedule {
        let n = group.count
        guard n > 1 else { return CollectiveSchedule() }
        guard n & (n - 1) == 0 else {
            throw SpindleError(
                .invalidValue, "halving-doubling needs a power-of-two group, not \(n) endpoints", hint: "Use ring or direct")
        }
        let levels = n.trailingZeroBitCount
        func exchange(_ distance: Int, _ size: Double) -> [CollectiveTransfer] {
            (0..<n).map { CollectiveTransfer(group[$0], group[$0 ^ distance], bytes: size) }
        }
        let scatter = CollectiveSchedule(steps: (0..<levels).map { k in exchange(n >> (k + 1), bytes / Double(2 << k)) })
        let gather = CollectiveSchedule(steps: (0..<levels).map { k in exchange(1 << k, bytes * Double(1 << k) / Double(n)) })
        switch operation {
        case .reduceScatter: return scatter
        case .allGather: return gather
        case .allReduce: return scatter + gather
        case .broadcast:
            return CollectiveSchedule(
                steps: (0..<levels).map { k in (0..<(1 << k)).map { CollectiveTransfer(group[$0], group[$0 + (1 << k)], bytes: bytes) } })
        case .allToAll: throw CollectiveAlgorithms.unsupported(name, operation, use: "direct")
        }
    }
}
