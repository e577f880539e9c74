import SpindleCore
import Testing

@testable import SpindleCollectives

/// Relative closeness for times computed two ways in floating point.
func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool { abs(a - b) <= tolerance * max(1, abs(b)) }

@Suite("Collectives at flow level against the alpha-beta closed forms")
struct CollectiveTests {
    let bw = 100.0  // GB/s = 0.1 bytes per ps
    let latency: Picoseconds = 500_000  // 500 ns
    let mib = 1_048_576.0

    func run(
        _ net: ClusterNetwork, _ op: CollectiveOperation, _ algorithm: any CollectiveAlgorithm, bytes: Double,
        options: FlowOptions = FlowOptions()
    )
        throws -> CollectiveResult
    {
        let group = Array(0..<net.endpoints)
        let schedule = try algorithm.schedule(
            op, bytes: bytes / Double(max(1, options.chunks)) * Double(max(1, options.chunks)), group: group)
        return try FlowSimulation(network: net, options: options).run(schedule, operation: op, algorithm: algorithm.name, bytes: bytes)
    }

    /// Time of one transfer of `bytes` over `hops` links: latency per hop plus bytes over the bandwidth.
    func beta(_ bytes: Double) -> Double { bytes / (bw * 1e-3) }

    @Test(
        "Ring on a ring of n: all-reduce 2(n-1)(a + B/(n bw)), reduce-scatter and all-gather half; every link carries 2(n-1)B/n",
        arguments: [2, 3, 8, 16])
    func ring(_ n: Int) throws {
        let net = ClusterNetwork.ring(n, gbPerSecond: bw, latencyPs: latency)
        let a = Double(latency), B = 4 * mib
        let ar = try run(net, .allReduce, RingCollective(), bytes: B)
        #expect(close(ar.timePs, 2 * Double(n - 1) * (a + beta(B / Double(n)))), "\(ar.timePs)")
        #expect(ar.steps == 2 * (n - 1) && ar.transfers == 2 * (n - 1) * n)
        // The ring uses one direction of each link pair.
        let used = ar.linkBytes.filter { $0 > 0 }
        #expect(used.count == n && used.allSatisfy { close($0, 2 * Double(n - 1) * B / Double(n)) })
        for op in [CollectiveOperation.reduceScatter, .allGather] {
            #expect(close(try run(net, op, RingCollective(), bytes: B).timePs, Double(n - 1) * (a + beta(B / Double(n)))))
        }
        #expect(close(try run(net, .broadcast, RingCollective(), bytes: B).timePs, Double(n - 1) * (a + beta(B))))
    }

    @Test("Halving-doubling on a fully connected group: 2 log2(n) a + 2 (n-1)/n B/bw", arguments: [2, 4, 8, 32])
    func halvingDoubling(_ n: Int) throws {
        let net = ClusterNetwork.fullyConnected(n, gbPerSecond: bw, latencyPs: latency)
        let a = Double(latency), B = 8 * mib, levels = Double(n.trailingZeroBitCount)
        let ar = try run(net, .allReduce, HalvingDoublingCollective(), bytes: B)
        #expect(close(ar.timePs, 2 * levels * a + 2 * beta(B * Double(n - 1) / Double(n))), "\(ar.timePs)")
        let rs = try run(net, .reduceScatter, HalvingDoublingCollective(), bytes: B)
        #expect(close(rs.timePs, levels * a + beta(B * Double(n - 1) / Double(n))))
        // Bytes sent: every endpoint sends (n-1)/n B in each half.
        #expect(close(ar.linkBytes.reduce(0, +), 2 * Double(n) * B * Double(n - 1) / Double(n)))
        #expect(close(try run(net, .broadcast, HalvingDoublingCollective(), bytes: B).timePs, levels * (a + beta(B))))
    }

    @Test("On one switch, halving-doubling pays two hops and no contention (one flow each way per endpoint link)")
    func halvingDoublingOnSwitch() throws {
        let n = 16
        let net = ClusterNetwork.star(n, gbPerSecond: bw, latencyPs: latency)
        let B = 2 * mib, levels = 4.0
        let ar = try run(net, .allReduce, HalvingDoublingCollective(), bytes: B)
        #expect(close(ar.timePs, 2 * levels * 2 * Double(latency) + 2 * beta(B * 15 / 16)))
    }

    @Test("Direct all-to-all: one step; dedicated links take a + B/(n bw), a switch port carries (n-1)B/n")
    func direct() throws {
        let n = 8, B = 16 * mib, a = Double(latency)
        let full = try run(.fullyConnected(n, gbPerSecond: bw, latencyPs: latency), .allToAll, DirectCollective(), bytes: B)
        #expect(close(full.timePs, a + beta(B / Double(n))))
        let star = try run(.star(n, gbPerSecond: bw, latencyPs: latency), .allToAll, DirectCollective(), bytes: B)
        // Max-min fair: the n-1 flows out of an endpoint share its up-link (and those into it its down-link).
        #expect(close(star.timePs, 2 * a + beta(B * Double(n - 1) / Double(n))), "\(star.timePs)")
        #expect(close(star.linkBytes.max() ?? 0, B * Double(n - 1) / Double(n)))
    }

    @Test("Double binary tree on dedicated links: 2 floor(log2 n)(a + B/(2 bw)); both trees carry half", arguments: [4, 8, 13])
    func doubleBinaryTree(_ n: Int) throws {
        let net = ClusterNetwork.fullyConnected(n, gbPerSecond: bw, latencyPs: latency)
        let B = 4 * mib, depth = Double(Int.bitWidth - 1 - n.leadingZeroBitCount)
        let ar = try run(net, .allReduce, DoubleBinaryTreeCollective(), bytes: B)
        #expect(close(ar.timePs, 2 * depth * (Double(latency) + beta(B / 2))), "\(ar.timePs)")
        // Each tree moves B/2 up and down each of its n-1 edges.
        #expect(close(ar.linkBytes.reduce(0, +), 2 * 2 * Double(n - 1) * B / 2))
    }

    @Test("Hierarchical all-reduce on two levels: intra ring reduce-scatter and all-gather, inter ring all-reduce of the shards")
    func hierarchical() throws {
        let (m, p) = (4, 8)
        let intra = (gbPerSecond: 400.0, latencyPs: Picoseconds(200_000), picojoulesPerBit: 1.0)
        let inter = (gbPerSecond: 50.0, latencyPs: Picoseconds(1_000_000), picojoulesPerBit: 10.0)
        let net = ClusterNetwork.twoLevel(nodes: m, perNode: p, intra: intra, inter: inter)
        let B = 64 * mib
        let algorithm = HierarchicalCollective(perNode: p, intra: RingCollective(), inter: RingCollective())
        let r = try run(net, .allReduce, algorithm, bytes: B)
        let intraStep = Double(intra.latencyPs) + B / Double(p) / (intra.gbPerSecond * 1e-3)
        let interStep = 2 * Double(inter.latencyPs) + B / Double(p * m) / (inter.gbPerSecond * 1e-3)
        #expect(close(r.timePs, 2 * Double(p - 1) * intraStep + 2 * Double(m - 1) * interStep), "\(r.timePs)")
        // Energy: intra bytes at 1 pJ/bit, inter bytes (two links a hop) at 10 pJ/bit.
        let intraBytes = Double(m) * 2 * Double(p - 1) * B, interBytes = 2 * Double(p) * 2 * Double(m - 1) * B / Double(p)
        #expect(close(r.energyPJ, intraBytes * 8 * 1 + interBytes * 8 * 10, 1e-6))
    }

    @Test("Chunks pipeline a ring broadcast: one in flight per endpoint overlaps the hops; all in flight share the links")
    func chunks() throws {
        let n = 8, B = 8 * mib, a = Double(latency)
        let net = ClusterNetwork.ring(n, gbPerSecond: bw, latencyPs: latency)
        var o = FlowOptions()
        o.chunks = 4
        let pipelined = try run(net, .broadcast, RingCollective(), bytes: B, options: o)
        // An endpoint sends chunk c + 1 once chunk c has left it: the last chunk trails the first by 3 sends.
        #expect(close(pipelined.timePs, Double(n - 1) * (a + beta(B / 4)) + 3 * beta(B / 4)), "\(pipelined.timePs)")
        o.activeChunks = 4
        let together = try run(net, .broadcast, RingCollective(), bytes: B, options: o)
        // Four chunks at once share each link: the unchunked time.
        #expect(close(together.timePs, Double(n - 1) * (a + beta(B))), "\(together.timePs)")
        #expect(close(together.linkBytes.reduce(0, +), pipelined.linkBytes.reduce(0, +)))
        #expect(close(pipelined.linkBytes.reduce(0, +), Double(n - 1) * B))
    }

    @Test("Local memory bandwidth: a ring step reads and writes its chunk at the memory rate when that is slower")
    func localMemory() throws {
        let n = 4, B = 4 * mib
        var o = FlowOptions()
        o.localMemoryGBPerSecond = 25
        o.endpointDelayPs = 100_000
        let r = try run(.ring(n, gbPerSecond: bw, latencyPs: latency), .allReduce, RingCollective(), bytes: B, options: o)
        let step = Double(latency + 100_000) + B / Double(n) / (25 * 1e-3)
        #expect(close(r.timePs, 2 * Double(n - 1) * step))
    }

    @Test("Each algorithm knows its transfer count before building its schedule")
    func transferCounts() throws {
        let algorithms: [any CollectiveAlgorithm] = [
            RingCollective(), HalvingDoublingCollective(), DirectCollective(), DoubleBinaryTreeCollective(),
            HierarchicalCollective(perNode: 4, intra: RingCollective(), inter: DirectCollective()),
        ]
        for a in algorithms {
            for n in [2, 4, 8, 16, 32] {
                for op in CollectiveOperation.allCases {
                    let built = try? a.schedule(op, bytes: 64, group: Array(0..<n))
                    let count = built.map { $0.steps.reduce(0) { $0 + $1.count } } ?? 0
                    #expect(a.transfers(op, endpoints: n) == count, "\(a.name) \(op) \(n)")
                }
            }
        }
    }

    @Test("Random schedules on random networks end, deterministically, with every byte delivered")
    func fuzz() throws {
        var g = SystemRandomNumberGenerator()
        for _ in 0..<30 {
            let n = Int.random(in: 2...12, using: &g)
            let net: ClusterNetwork =
                switch Int.random(in: 0...3, using: &g) {
                case 0:
                    .ring(
                        n, gbPerSecond: Double.random(in: 1...400, using: &g), latencyPs: Picoseconds.random(in: 0...2_000_000, using: &g))
                case 1: .fullyConnected(n, gbPerSecond: 50, latencyPs: 1_000)
                case 2: .star(n, gbPerSecond: 10, latencyPs: 0)
                default: .torus(n, 2, gbPerSecond: 100, latencyPs: 500)
                }
            var steps: [[CollectiveTransfer]] = []
            for _ in 0..<Int.random(in: 0...5, using: &g) {
                steps.append(
                    (0..<Int.random(in: 0...20, using: &g)).map { _ in
                        CollectiveTransfer(
                            Int.random(in: 0..<net.endpoints, using: &g), Int.random(in: 0..<net.endpoints, using: &g),
                            bytes: Double(Int.random(in: 0...100_000, using: &g)))
                    })
            }
            var o = FlowOptions()
            o.chunks = Int.random(in: 1...4, using: &g)
            o.activeChunks = Int.random(in: 1...o.chunks, using: &g)
            if Bool.random(using: &g) { o.localMemoryGBPerSecond = 20 }
            let schedule = CollectiveSchedule(steps: steps)
            let a = try FlowSimulation(network: net, options: o).run(schedule, operation: .allToAll, algorithm: "random", bytes: 1)
            let b = try FlowSimulation(network: net, options: o).run(schedule, operation: .allToAll, algorithm: "random", bytes: 1)
            #expect(a == b)
            #expect(a.transfers == steps.reduce(0) { $0 + $1.count } * o.chunks)
            // Bytes over links = each transfer's bytes times its route's length.
            let expected = steps.joined().reduce(0.0) { $0 + $1.bytes * Double(net.route($1.source, $1.destination).count) }
            #expect(abs(a.linkBytes.reduce(0, +) - expected) <= 1e-6 * max(1, expected))
            #expect(a.timePs.isFinite && a.timePs >= 0)
        }
    }

    @Test("Routes are shortest and deterministic; the torus wraps; bad groups are clear errors")
    func routesAndErrors() throws {
        let t = ClusterNetwork.torus(4, 4, gbPerSecond: bw, latencyPs: latency)
        #expect(t.links.count == 2 * 32 && t.route(0, 3).count == 1 && t.route(0, 10).count == 4)
        #expect(t.route(0, 10) == t.route(0, 10))
        // Dimension order: x first (0 -> 1 -> 2), then y (2 -> 6 -> 10); the wrap when shorter (0 -> 3 -> 15).
        #expect(t.route(0, 10).map { t.links[$0].to } == [1, 2, 6, 10])
        #expect(t.route(0, 15).map { t.links[$0].to } == [3, 15])
        // A uniform all-to-all loads the +x links of every row alike.
        let a2a = try run(t, .allToAll, DirectCollective(), bytes: 16 * mib)
        let plusX = t.links.indices.filter { t.links[$0].to == (t.links[$0].from / 4) * 4 + (t.links[$0].from % 4 + 1) % 4 }
        #expect(Set(plusX.map { a2a.linkBytes[$0] }).count == 1)
        #expect(throws: SpindleError.self) { try HalvingDoublingCollective().schedule(.allReduce, bytes: 1, group: [0, 1, 2]) }
        #expect(throws: SpindleError.self) { try RingCollective().schedule(.allToAll, bytes: 1, group: [0, 1]) }
        #expect(throws: SpindleError.self) { try CollectiveAlgorithms.named("rign") }
        #expect(throws: SpindleError.self) {
            try HierarchicalCollective(perNode: 3, intra: RingCollective(), inter: RingCollective()).schedule(
                .allReduce, bytes: 1, group: Array(0..<8))
        }
        let lonely = ClusterNetwork(name: "two islands", endpoints: 2)
        let s = try RingCollective().schedule(.allReduce, bytes: 1, group: [0, 1])
        #expect(throws: SpindleError.self) {
            try FlowSimulation(network: lonely).run(s, operation: .allReduce, algorithm: "ring", bytes: 1)
        }
    }
}
