import SpindleCore

/// A network of endpoints (chips, `0 ..< endpoints`) and switches joined by one-way links, each with its own
/// bandwidth, latency and energy per bit. Transfers follow shortest paths (fewest links, ties broken by the
/// lowest node numbers, so routes are deterministic); a torus routes dimension-ordered (x, then y, each the
/// shorter way round, + on a tie).
public struct ClusterNetwork: Sendable, Equatable {
    /// One direction of a link.
    public struct Link: Sendable, Equatable {
        public var from: Int, to: Int
        public var gbPerSecond: Double
        public var latencyPs: Picoseconds
        public var picojoulesPerBit: Double
        /// The level the link belongs to (0: inside a node, 1: between nodes, ...), for reports.
        public var level: Int
    }

    public let name: String
    public let endpoints: Int
    public private(set) var nodes: Int
    public private(set) var links: [Link] = []
    /// Outgoing link indices of each node, in the order added.
    private var outgoing: [[Int]]
    /// The torus's sides when the network is one (dimension-ordered routes); empty otherwise.
    private var torusSides: [Int] = []
    /// The tree of switches when the network is hierarchical (routes up to the lowest common level and down).
    var tree: TreeRoutes?

    public init(name: String, endpoints: Int, switches: Int = 0) {
        self.name = name
        self.endpoints = endpoints
        nodes = endpoints + switches
        outgoing = Array(repeating: [], count: nodes)
    }

    /// Adds a link each way between `a` and `b`; the link from `a` to `b` is the returned index, the one
    /// back is the next.
    @discardableResult
    public mutating func connect(
        _ a: Int, _ b: Int, gbPerSecond: Double, latencyPs: Picoseconds, picojoulesPerBit: Double = 0, level: Int = 0
    ) -> Int {
        let first = links.count
        for (x, y) in [(a, b), (b, a)] {
            outgoing[x].append(links.count)
            links.append(
                Link(from: x, to: y, gbPerSecond: gbPerSecond, latencyPs: latencyPs, picojoulesPerBit: picojoulesPerBit, level: level))
        }
        return first
    }

    /// The links from `source` to `destination` (empty when they are the same node).
    /// The link from `a` to `b`, if they are neighbours.
    func link(_ a: Int, _ b: Int) -> Int? { outgoing[a].first { links[$0].to == b } }

    public func route(_ source: Int, _ destination: Int) -> [Int] {
        guard source != destination else { return [] }
        if let tree, source < endpoints, destination < endpoints { return tree.route(source, destination, in: self) }
        if torusSides.count == 2 {
            let (x, y) = (torusSides[0], torusSides[1])
            var path: [Int] = []
            var at = source
            for (side, stride) in [(x, 1), (y, x)] {
                let from = (at / stride) % side, to = (destination / stride) % side
                let forward = (to - from + side) % side
                let step = forward <= side - forward ? 1 : side - 1
                var c = from
                while c != to {
                    let next = at + ((c + step) % side - c) * stride
                    guard let l = link(at, next) else { return [] }
                    path.append(l)
                    at = next
                    c = (c + step) % side
                }
            }
            return path
        }
        var via = [Int](repeating: -1, count: nodes)
        var seen = [Bool](repeating: false, count: nodes)
        var queue = [source], head = 0
        seen[source] = true
        while head < queue.count {
            let n = queue[head]
            head += 1
            if n == destination { break }
            for l in outgoing[n] where !seen[links[l].to] {
                seen[links[l].to] = true
                via[links[l].to] = l
                queue.append(links[l].to)
            }
        }
        var path: [Int] = []
        var n = destination
        while n != source {
            let l = via[n]
            guard l >= 0 else { return [] }
            path.append(l)
            n = links[l].from
        }
        return path.reversed()
    }

    /// A bidirectional ring of `n` endpoints.
    public static func ring(_ n: Int, gbPerSecond: Double, latencyPs: Picoseconds, picojoulesPerBit: Double = 0) -> ClusterNetwork {
        var net = ClusterNetwork(name: "ring \(n)", endpoints: n)
        if n == 2 { net.connect(0, 1, gbPerSecond: gbPerSecond, latencyPs: latencyPs, picojoulesPerBit: picojoulesPerBit) }
        if n > 2 {
            for i in 0..<n {
                net.connect(i, (i + 1) % n, gbPerSecond: gbPerSecond, latencyPs: latencyPs, picojoulesPerBit: picojoulesPerBit)
            }
        }
        return net
    }

    /// `n` endpoints, every pair joined by its own link.
    public static func fullyConnected(_ n: Int, gbPerSecond: Double, latencyPs: Picoseconds, picojoulesPerBit: Double = 0) -> ClusterNetwork
    {
        var net = ClusterNetwork(name: "fully connected \(n)", endpoints: n)
        for a in 0..<n {
            for b in (a + 1)..<max(a + 1, n) {
                net.connect(a, b, gbPerSecond: gbPerSecond, latencyPs: latencyPs, picojoulesPerBit: picojoulesPerBit)
            }
        }
        return net
    }

    /// `n` endpoints on one switch, each by its own link.
    public static func star(_ n: Int, gbPerSecond: Double, latencyPs: Picoseconds, picojoulesPerBit: Double = 0) -> ClusterNetwork {
        var net = ClusterNetwork(name: "switch \(n)", endpoints: n, switches: 1)
        for a in 0..<n { net.connect(a, n, gbPerSecond: gbPerSecond, latencyPs: latencyPs, picojoulesPerBit: picojoulesPerBit) }
        return net
    }

    /// An `x` x `y` torus (wrap-around links in both dimensions); endpoint `i` is at (i % x, i / x).
    public static func torus(_ x: Int, _ y: Int, gbPerSecond: Double, latencyPs: Picoseconds, picojoulesPerBit: Double = 0)
        -> ClusterNetwork
    {
        var net = ClusterNetwork(name: "torus \(x)x\(y)", endpoints: x * y)
        net.torusSides = [x, y]
        var joined = Set<[Int]>()
        func join(_ a: Int, _ b: Int) {
            guard a != b, joined.insert([min(a, b), max(a, b)]).inserted else { return }
            net.connect(a, b, gbPerSecond: gbPerSecond, latencyPs: latencyPs, picojoulesPerBit: picojoulesPerBit)
        }
        for j in 0..<y {
            for i in 0..<x {
                join(j * x + i, j * x + (i + 1) % x)
                join(j * x + i, ((j + 1) % y) * x + i)
            }
        }
        return net
    }

    /// `nodes` nodes of `perNode` endpoints: the endpoints of a node fully connected (level 0), and every
    /// endpoint linked to one spine switch (level 1). Endpoint `i` is chip `i % perNode` of node `i / perNode`.
    public static func twoLevel(
        nodes: Int, perNode: Int, intra: (gbPerSecond: Double, latencyPs: Picoseconds, picojoulesPerBit: Double),
        inter: (gbPerSecond: Double, latencyPs: Picoseconds, picojoulesPerBit: Double)
    ) -> ClusterNetwork {
        let n = nodes * perNode
        var net = ClusterNetwork(name: "\(nodes) nodes x \(perNode)", endpoints: n, switches: 1)
        for node in 0..<nodes {
            for a in 0..<perNode {
                for b in (a + 1)..<max(a + 1, perNode) {
                    net.connect(
                        node * perNode + a, node * perNode + b, gbPerSecond: intra.gbPerSecond, latencyPs: intra.latencyPs,
                        picojoulesPerBit: intra.picojoulesPerBit, level: 0)
                }
            }
        }
        for e in 0..<n {
            net.connect(
                e, n, gbPerSecond: inter.gbPerSecond, latencyPs: inter.latencyPs, picojoulesPerBit: inter.picojoulesPerBit, level: 1)
        }
        return net
    }
}
