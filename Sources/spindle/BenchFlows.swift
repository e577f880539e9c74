import ArgumentParser
import Foundation
import SpindleCollectives
import SpindleCore

/// `spindle bench flows`: the flow-level network's incremental rates against re-rating every flow.
struct BenchFlows: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flows",
        abstract: "Run random transfers on a two-level cluster with incremental max-min rates and with every flow re-rated, and compare.")

    @Option(help: "Chips, a multiple of 8 (8 per node, one switch per node, a link per chip to the cluster's switch).")
    var chips: Int = 1_024
    @Option(help: "Transfers in flight per chip.")
    var perChip: Int = 2
    @Option(help: "Transfers per chip.")
    var perChipTransfers: Int = 20
    @Option(help: "Seed of the destinations and sizes.")
    var seed: UInt64 = 1
    @Option(help: "random (any chip) or neighbour (the same position in the next node, as pipeline stages send).")
    var pattern: String = "random"
    @Flag(help: "Only the incremental run (the full re-rating is slow at scale).")
    var incrementalOnly = false

    func run() async throws {
        try await CLI.guarded {
            try CLI.check(chips, "--chips", 16...(1 << 20))
            guard chips % 8 == 0 else { throw SpindleError(.invalidValue, "--chips is \(chips)", expected: "a multiple of 8") }
            try CLI.check(perChip, "--per-chip", 1...64)
            let neighbour = try CLI.choice(pattern, ["random", "neighbour"], option: "pattern") == "neighbour"
            try CLI.check(perChipTransfers, "--per-chip-transfers", 1...1_000_000)
            let transfers = chips / 8 * 8 * perChipTransfers
            let levels = [
                ClusterLevel(name: "node", size: 8, kind: .switch, gbPerSecond: 300, latencyPs: 500_000),
                ClusterLevel(name: "cluster", size: chips / 8, kind: .switch, gbPerSecond: 25, latencyPs: 2_500_000),
            ]
            let net = try ClusterNetwork.hierarchical(name: "bench", levels: levels)
            print(
                "\(transfers) \(pattern) transfers (\(perChipTransfers) from each chip), \(perChip) in flight per chip, on \(net.endpoints) chips (\(net.links.count) one-way links)"
            )
            var results: [(String, Double, Double)] = []
            for everything in incrementalOnly ? [false] : [false, true] {
                let (seconds, end, reratings) = Self.run(
                    net, perChip: perChip, perChipTransfers: perChipTransfers, seed: seed, everything: everything, neighbour: neighbour)
                let name = everything ? "every flow re-rated" : "incremental"
                print(
                    "  \(CLI.pad(name, 20)) \(Units.format(seconds, 3)) s wall, \(CLI.rate(Double(transfers) / seconds))transfers/s, \(WorkLimit.format(Double(reratings))) flow re-ratings, simulated end \(Units.formatTime(Picoseconds(end.rounded())))"
                )
                results.append((name, seconds, end))
            }
            if results.count == 2 {
                let gap = abs(results[0].2 - results[1].2) / max(1, results[1].2)
                print(
                    "  speed-up \(Units.format(results[1].1 / results[0].1, 1))x; simulated ends differ by \(Units.format(gap * 100, 8)) %")
            }
        }
    }

    /// Runs the transfers; returns the wall seconds, the simulated end (ps) and the flow re-ratings.
    static func run(_ net: ClusterNetwork, perChip: Int, perChipTransfers: Int, seed: UInt64, everything: Bool, neighbour: Bool) -> (
        Double, Double, Int
    ) {
        var flows = FlowNetwork(capacityBytesPerPs: net.links.map { $0.gbPerSecond * 1e-3 })
        flows.recomputeEverything = everything
        // Each chip draws its transfers from its own stream, so both runs start the same transfers.
        var streams = (0..<net.endpoints).map { RandomStream(seed: seed, stream: UInt64($0)) }
        let n = net.endpoints
        var routes: [Int: [Int]] = [:]
        var owner: [Int] = []
        var started = [Int](repeating: 0, count: n)
        func start(_ from: Int, at time: Double) {
            guard started[from] < perChipTransfers else { return }
            var to = Int(streams[from].nextBelow(UInt64(n - 1)))
            if to >= from { to += 1 }
            if neighbour { to = (from + 8) % n }
            let key = from * n + to
            let path = routes[key] ?? net.route(from, to)
            routes[key] = path
            let bytes = Double(1 << 16) * Double(1 + streams[from].nextBelow(64))
            let id = flows.add(links: path, bytes: bytes, at: time)
            if id == owner.count { owner.append(from) } else { owner[id] = from }
            started[from] += 1
        }
        let clock = ContinuousClock.now
        for c in 0..<n {
            for _ in 0..<perChip { start(c, at: 0) }
        }
        flows.settle(at: 0)
        var end = 0.0
        while let t = flows.nextFinish() {
            end = t
            for id in flows.finish(upTo: t) { start(owner[id], at: t) }
            flows.settle(at: t)
        }
        let elapsed = (ContinuousClock.now - clock).components
        return (Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18, end, flows.reratings)
    }
}
