import SpindleCore

/// Double binary tree all-reduce (NCCL's): two binary trees each reduce half the buffer up and broadcast it
/// back down, at the same time.
///
/// Tree one is the heap order of the group (the children of position i are 2i + 1 and 2i + 2); tree two is
/// the same shape over the group reversed, so most inner nodes of one are leaves of the other. With depth
/// D = floor(log2 n): 2D steps of `bytes / 2`, which on dedicated links take 2D(a + bytes / (2 bw)).
public struct DoubleBinaryTreeCollective: CollectiveAlgorithm {
    public let name = "double-binary-tree"
    public init() {}

    public func transfers(_ operation: CollectiveOperation, endpoints n: Int) -> Int {
        operation == .allReduce && n > 1 ? 4 * (n - 1) : 0
    }

    public func schedule(_ operation: CollectiveOperation, bytes: Double, group: [Int]) throws(SpindleError) -> CollectiveSchedule {
        guard operation == .allReduce else {
            throw CollectiveAlgorithms.unsupported(name, operation, use: "ring, halving-doubling or direct")
        }
        let n = group.count
        guard n > 1 else { return CollectiveSchedule() }
        func depth(_ i: Int) -> Int { Int.bitWidth - 1 - (i + 1).leadingZeroBitCount }
        let deepest = depth(n - 1)
        let half = bytes / 2
        // (child, parent) positions at each depth, for both trees.
        func edges(at level: Int) -> [(Int, Int)] {
            var e: [(Int, Int)] = []
            for i in 1..<n where depth(i) == level {
                e.append((group[i], group[(i - 1) / 2]))
                e.append((group[n - 1 - i], group[n - 1 - (i - 1) / 2]))
            }
            return e
        }
        var steps: [[CollectiveTransfer]] = []
        for level in stride(from: deepest, through: 1, by: -1) {
            steps.append(edges(at: level).map { CollectiveTransfer($0.0, $0.1, bytes: half) })
        }
        for level in 1...max(1, deepest) {
            steps.append(edges(at: level).map { CollectiveTransfer($0.1, $0.0, bytes: half) })
        }
        return CollectiveSchedule(steps: steps)
    }
}
