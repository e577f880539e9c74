import SpindleCore
import Testing

@testable import SpindleCollectives

@Suite("Hierarchical clusters: routes up to the lowest common level, and link capacities")
struct HierarchyTests {
    func threeLevel(first: ClusterLevel.Kind = .switch) throws -> ClusterNetwork {
        try ClusterNetwork.hierarchical(
            name: "t",
            levels: [
                ClusterLevel(name: "node", size: 4, kind: first, gbPerSecond: 100, latencyPs: 1_000),
                ClusterLevel(name: "pod", size: 4, kind: .switch, gbPerSecond: 10, latencyPs: 10_000),
                ClusterLevel(name: "cluster", size: 3, kind: .switch, gbPerSecond: 5, latencyPs: 100_000),
            ])
    }

    @Test("Route lengths and latencies: 2 hops in a node, 2 in a pod, 4 between pods; uplinks carry bandwidth x chips under them")
    func routes() throws {
        let net = try threeLevel()
        #expect(net.endpoints == 48)
        func latency(_ a: Int, _ b: Int) -> Picoseconds { net.route(a, b).reduce(0) { $0 + net.links[$1].latencyPs } }
        #expect(net.route(0, 3).count == 2 && latency(0, 3) == 2_000)
        #expect(net.route(0, 5).count == 2 && latency(0, 5) == 20_000)
        #expect(net.route(0, 47).count == 4 && latency(0, 47) == 220_000)
        #expect(net.route(0, 0).isEmpty)
        // Every route is a chain of links from a to b.
        for (a, b) in [(0, 47), (13, 2), (20, 21), (31, 16)] {
            let path = net.route(a, b)
            #expect(net.links[path.first!].from == a && net.links[path.last!].to == b)
            for (x, y) in zip(path, path.dropFirst()) { #expect(net.links[x].to == net.links[y].from) }
        }
        // The pod switch's uplink carries 16 chips x 5 GB/s.
        let up = net.route(0, 47)[1]
        #expect(net.links[up].gbPerSecond == 80 && net.links[up].level == 2)
        #expect(net.links[net.route(0, 47)[0]].level == 1)
    }

    @Test("A first level fully connected or a ring routes inside the node directly", arguments: [ClusterLevel.Kind.fullyConnected, .ring])
    func firstLevel(_ kind: ClusterLevel.Kind) throws {
        let net = try threeLevel(first: kind)
        #expect(net.route(0, 1).count == 1)
        #expect(net.route(0, 2).count == (kind == .ring ? 2 : 1))
        #expect(net.route(0, 3).count == 1)
    }

    @Test("A ring all-reduce over one chip per node of a pod crosses two network-card links a step: 2(n-1)(2a + B/(n bw))")
    func ringAcrossNodes() throws {
        let net = try threeLevel()
        let group = [0, 4, 8, 12]
        let bytes = 4e6
        let s = try RingCollective().schedule(.allReduce, bytes: bytes, group: group)
        let r = try FlowSimulation(network: net).run(s, operation: .allReduce, algorithm: "ring", bytes: bytes)
        let expected = 2 * 3 * (2 * 10_000 + bytes / 4 / (10 * 1e-3))
        #expect(abs(r.timePs - expected) <= 1e-9 * expected)
    }

    @Test("Bad hierarchies are refused")
    func refusals() {
        #expect(throws: SpindleError.self) { try ClusterNetwork.hierarchical(name: "x", levels: []) }
        #expect(throws: SpindleError.self) {
            try ClusterNetwork.hierarchical(
                name: "x",
                levels: [
                    ClusterLevel(name: "a", size: 2, kind: .switch, gbPerSecond: 1, latencyPs: 1),
                    ClusterLevel(name: "b", size: 2, kind: .ring, gbPerSecond: 1, latencyPs: 1),
                ])
        }
    }

    @Test("Incremental rates equal a full max-min recomputation on random flows")
    func incrementalRates() {
        var rng = RandomStream(seed: 7)
        for _ in 0..<20 {
            let links = 12
            let capacity = (0..<links).map { _ in Double(rng.nextBelow(9) + 1) }
            var net = FlowNetwork(capacityBytesPerPs: capacity)
            var live: [(Int, [Int])] = []
            for step in 0..<30 {
                if !live.isEmpty && rng.nextBelow(3) == 0 {
                    // Finish the flows due next.
                    if let t = net.nextFinish() {
                        let done = Set(net.finish(upTo: t))
                        live.removeAll { done.contains($0.0) }
                        net.settle(at: t)
                    }
                } else {
                    let count = Int(rng.nextBelow(3)) + 1
                    let path = Array(Set((0..<count).map { _ in Int(rng.nextBelow(UInt64(links))) })).sorted()
                    live.append((net.add(links: path, bytes: 1e6, at: Double(step)), path))
                    net.settle(at: Double(step))
                }
                // Reference: progressive filling over every live flow.
                let reference = maxMin(capacity, live.map(\.1))
                for (i, f) in live.enumerated() { #expect(abs(net.rate(f.0) - reference[i]) <= 1e-9 * reference[i]) }
            }
        }
    }

    /// Progressive filling over every flow at once: the reference the incremental network must equal.
    func maxMin(_ capacity: [Double], _ flows: [[Int]]) -> [Double] {
        var rate = [Double](repeating: 0, count: flows.count)
        var frozen = [Bool](repeating: false, count: flows.count)
        var left = capacity
        while frozen.contains(false) {
            var share = Double.infinity
            for l in capacity.indices {
                let n = flows.indices.filter { !frozen[$0] && flows[$0].contains(l) }.count
                if n > 0 { share = min(share, left[l] / Double(n)) }
            }
            for f in flows.indices where !frozen[f] {
                rate[f] += share
                for l in flows[f] { left[l] -= share }
            }
            for l in capacity.indices where left[l] <= 1e-12 * capacity[l] {
                for f in flows.indices where flows[f].contains(l) { frozen[f] = true }
            }
        }
        return rate
    }
}

@Suite("Packet level against flow level")
struct PacketLevelTests {
    func run(_ net: ClusterNetwork, _ algorithm: any CollectiveAlgorithm, _ op: CollectiveOperation, bytes: Double, packet: Double?) throws
        -> CollectiveResult
    {
        var o = FlowOptions()
        o.packetBytes = packet
        let s = try algorithm.schedule(op, bytes: bytes, group: Array(0..<net.endpoints))
        return try FlowSimulation(network: net, options: o).run(s, operation: op, algorithm: algorithm.name, bytes: bytes)
    }

    @Test("One transfer stored and forwarded over h hops: the latencies + B/bw + (h - 1) P/bw")
    func chain() throws {
        let net = ClusterNetwork.ring(8, gbPerSecond: 10, latencyPs: 50_000)
        let (B, P) = (1e6, 4_096.0)
        let s = CollectiveSchedule(steps: [[CollectiveTransfer(0, 3, bytes: B)]])
        var o = FlowOptions()
        o.packetBytes = P
        let r = try FlowSimulation(network: net, options: o).run(s, operation: .broadcast, algorithm: "one", bytes: B)
        let expected = 3 * 50_000 + B / 0.01 + 2 * P / 0.01
        #expect(abs(r.timePs - expected) <= 1e-9 * expected)
        #expect(r.fidelity.hasPrefix("packet"))
    }

    @Test(
        "Packet and flow level agree within 5 % on large messages (16 MiB, 4 KiB packets) for every algorithm and network",
        arguments: [
            ("ring", "ring"), ("ring", "torus"), ("halving-doubling", "fully connected"), ("direct", "switch"),
            ("double-binary-tree", "fully connected"), ("hierarchical", "two-level"),
        ])
    func agreement(_ algorithmName: String, _ networkName: String) throws {
        let net: ClusterNetwork
        switch networkName {
        case "ring": net = .ring(8, gbPerSecond: 25, latencyPs: 1_000_000)
        case "torus": net = .torus(4, 4, gbPerSecond: 25, latencyPs: 1_000_000)
        case "fully connected": net = .fullyConnected(8, gbPerSecond: 25, latencyPs: 1_000_000)
        case "switch": net = .star(8, gbPerSecond: 25, latencyPs: 1_000_000)
        default:
            net = .twoLevel(nodes: 2, perNode: 4, intra: (100, 500_000, 0), inter: (25, 2_000_000, 0))
        }
        let algorithm: any CollectiveAlgorithm =
            algorithmName == "hierarchical"
            ? HierarchicalCollective(perNode: 4, intra: RingCollective(), inter: RingCollective())
            : try CollectiveAlgorithms.named(algorithmName)
        for op in [CollectiveOperation.allReduce, .allToAll] where algorithm.transfers(op, endpoints: net.endpoints) > 0 {
            let flow = try run(net, algorithm, op, bytes: 16 * 1_048_576, packet: nil)
            let packet = try run(net, algorithm, op, bytes: 16 * 1_048_576, packet: 4_096)
            let error = (packet.timePs - flow.timePs) / flow.timePs
            #expect(abs(error) <= 0.05, "\(algorithmName) \(op.rawValue) on \(networkName): packet \(packet.timePs) flow \(flow.timePs)")
            #expect(packet.linkBytes == flow.linkBytes)
        }
    }
}
