import SpindleCore

/// A collective over nodes of `perNode` consecutive endpoints composed from one algorithm inside the nodes
/// and one between them (each endpoint talking to the endpoints of the same position in the other nodes).
///
/// All-reduce: reduce-scatter inside each node, all-reduce of the `bytes / perNode` shards between nodes,
/// all-gather inside; reduce-scatter: inside, then between on the shards; all-gather: between on the shards,
/// then inside. Every node (and every position) runs its part side by side.
public struct HierarchicalCollective: CollectiveAlgorithm {
    public let perNode: Int
    public let intra: any CollectiveAlgorithm
    public let inter: any CollectiveAlgorithm
    public var name: String { "hierarchical(\(intra.name), \(inter.name))" }

    public init(perNode: Int, intra: any CollectiveAlgorithm, inter: any CollectiveAlgorithm) {
        self.perNode = perNode
        self.intra = intra
        self.inter = inter
    }

    public func transfers(_ operation: CollectiveOperation, endpoints n: Int) -> Int {
        let p = max(1, perNode), m = n / p
        let inside = { (op: CollectiveOperation) in m * intra.transfers(op, endpoints: p) }
        let between = { (op: CollectiveOperation) in p * inter.transfers(op, endpoints: m) }
        switch operation {
        case .allReduce: return inside(.reduceScatter) + between(.allReduce) + inside(.allGather)
        case .reduceScatter: return inside(.reduceScatter) + between(.reduceScatter)
        case .allGather: return between(.allGather) + inside(.allGather)
        case .allToAll, .broadcast: return 0
        }
    }

    public func schedule(_ operation: CollectiveOperation, bytes: Double, group: [Int]) throws(SpindleError) -> CollectiveSchedule {
        let p = perNode
        guard p >= 1, group.count % p == 0 else {
            throw SpindleError(
                .invalidValue, "a hierarchical collective over \(group.count) endpoints cannot have \(p) per node",
                expected: "endpoints per node dividing the group")
        }
        let nodes = group.count / p
        func inside(_ op: CollectiveOperation, _ size: Double) throws(SpindleError) -> CollectiveSchedule {
            var parts: [CollectiveSchedule] = []
            for node in 0..<nodes { parts.append(try intra.schedule(op, bytes: size, group: Array(group[(node * p)..<(node * p + p)]))) }
            return .parallel(parts)
        }
        func between(_ op: CollectiveOperation, _ size: Double) throws(SpindleError) -> CollectiveSchedule {
            var parts: [CollectiveSchedule] = []
            for position in 0..<p { parts.append(try inter.schedule(op, bytes: size, group: (0..<nodes).map { group[$0 * p + position] })) }
            return .parallel(parts)
        }
        let shard = bytes / Double(p)
        switch operation {
        case .allReduce: return try inside(.reduceScatter, bytes) + between(.allReduce, shard) + inside(.allGather, bytes)
        case .reduceScatter: return try inside(.reduceScatter, bytes) + between(.reduceScatter, shard)
        case .allGather: return try between(.allGather, shard) + inside(.allGather, bytes)
        case .allToAll, .broadcast: throw CollectiveAlgorithms.unsupported(name, operation, use: "a flat algorithm")
        }
    }
}
