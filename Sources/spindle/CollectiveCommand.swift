import ArgumentParser
import Foundation
import SpindleCollectives
import SpindleCore

struct CollectiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collective",
        abstract:
            "Run one collective (all-reduce, reduce-scatter, ...) on a network at flow or packet level: time, bandwidth, bytes per link.")

    @Option(help: "The collective: all-reduce, reduce-scatter, all-gather, all-to-all, broadcast.")
    var op: String = "all-reduce"
    @Option(help: "ring, halving-doubling, direct, double-binary-tree, or hierarchical (with --intra and --inter).")
    var algorithm: String = "ring"
    @Option(help: "Hierarchical: the algorithm inside a node.")
    var intra: String = "ring"
    @Option(help: "Hierarchical: the algorithm between nodes.")
    var inter: String = "ring"
    @Option(help: "Bytes per endpoint, e.g. 64MiB (see the user guide for each collective's sizing).")
    var bytes: String = "1MiB"
    @Option(help: "ring:N, fully-connected:N, switch:N, torus:XxY, or two-level:NODESxPER_NODE.")
    var network: String = "ring:8"
    @Option(help: "Link bandwidth (inside a node for two-level).")
    var bandwidth: String = "100GB/s"
    @Option(help: "Link latency (inside a node for two-level).")
    var latency: String = "500ns"
    @Option(help: "Link energy per bit (inside a node for two-level).")
    var energy: String = "0pJ"
    @Option(help: "Two-level: bandwidth of each endpoint's link to the spine switch.")
    var interBandwidth: String = "50GB/s"
    @Option(help: "Two-level: latency of those links.")
    var interLatency: String = "1us"
    @Option(help: "Two-level: energy per bit of those links.")
    var interEnergy: String = "0pJ"
    @Option(help: "Cut the collective into this many chunks.")
    var chunks: Int = 1
    @Option(help: "Chunks in flight at an endpoint.")
    var activeChunks: Int = 1
    @Option(help: "Added to every transfer's latency (endpoint overhead).")
    var endpointDelay: String = "0ps"
    @Option(help: "Stage every transfer through local memory at this bandwidth (read at the sender, write at the receiver).")
    var localMemoryBandwidth: String?
    @Option(help: "Simulate packets of this size, stored and forwarded link by link, instead of flows.")
    var packetSize: String?
    @OptionGroup var long: LongWorkFlags
    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    /// The most transfers a flow-level micro-benchmark may have.
    static let maxTransfers = 4_000_000

    func buildNetwork() throws(SpindleError) -> (ClusterNetwork, perNode: Int?) {
        let parts = network.split(separator: ":", maxSplits: 1).map(String.init)
        let kinds = ["ring", "fully-connected", "switch", "torus", "two-level"]
        guard parts.count == 2, kinds.contains(parts[0]) else {
            throw SpindleError(
                .invalidValue, "--network is '\(network)'", expected: "KIND:SIZE, e.g. ring:8, torus:4x4, two-level:4x8", choices: kinds)
        }
        let sizes = parts[1].split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
        let twoD = parts[0] == "torus" || parts[0] == "two-level"
        guard sizes.count == (twoD ? 2 : 1), sizes.allSatisfy({ ($0 ?? 0) >= 1 }) else {
            throw SpindleError(
                .invalidValue, "--network size is '\(parts[1])'", expected: twoD ? "XxY with whole numbers >= 1" : "a whole number >= 2")
        }
        let dims = sizes.map { $0 ?? 0 }
        let (endpoints, overflow) = dims.count == 2 ? dims[0].multipliedReportingOverflow(by: dims[1]) : (dims[0], false)
        let limit = parts[0] == "fully-connected" ? 1_024 : 4_096
        guard !overflow, endpoints >= 2, endpoints <= limit else {
            throw SpindleError(
                .invalidValue, "--network '\(network)' has \(overflow ? "too many" : String(endpoints)) endpoints",
                expected: "from 2 to \(limit)")
        }
        let bw = try CLI.quantity(bandwidth, .bandwidth, option: "bandwidth")
        let lat = Picoseconds(try CLI.quantity(latency, .time, option: "latency", allowZero: true).rounded())
        let pj = try CLI.quantity(energy, .energy, option: "energy", allowZero: true)
        switch parts[0] {
        case "ring": return (.ring(endpoints, gbPerSecond: bw, latencyPs: lat, picojoulesPerBit: pj), nil)
        case "fully-connected": return (.fullyConnected(endpoints, gbPerSecond: bw, latencyPs: lat, picojoulesPerBit: pj), nil)
        case "switch": return (.star(endpoints, gbPerSecond: bw, latencyPs: lat, picojoulesPerBit: pj), nil)
        case "torus": return (.torus(dims[0], dims[1], gbPerSecond: bw, latencyPs: lat, picojoulesPerBit: pj), nil)
        default:
            let inter = (
                gbPerSecond: try CLI.quantity(interBandwidth, .bandwidth, option: "inter-bandwidth"),
                latencyPs: Picoseconds(try CLI.quantity(interLatency, .time, option: "inter-latency", allowZero: true).rounded()),
                picojoulesPerBit: try CLI.quantity(interEnergy, .energy, option: "inter-energy", allowZero: true)
            )
            return (.twoLevel(nodes: dims[0], perNode: dims[1], intra: (bw, lat, pj), inter: inter), dims[1])
        }
    }

    func run() async throws {
        try await CLI.guarded {
            guard let operation = CollectiveOperation(rawValue: op) else {
                throw SpindleError(.invalidValue, "--op is '\(op)'", choices: CollectiveOperation.allCases.map(\.rawValue))
            }
            let size = try CLI.quantity(bytes, .size, option: "bytes")
            let (net, perNode) = try buildNetwork()
            guard (1...1_024).contains(chunks), (1...chunks).contains(activeChunks) else {
                throw SpindleError(
                    .invalidValue, "--chunks \(chunks) and --active-chunks \(activeChunks)",
                    expected: "1 <= active chunks <= chunks <= 1,024")
            }
            var options = FlowOptions()
            options.chunks = chunks
            options.activeChunks = activeChunks
            options.endpointDelayPs = Picoseconds(
                try CLI.quantity(endpointDelay, .time, option: "endpoint-delay", allowZero: true).rounded())
            if let p = packetSize { options.packetBytes = try CLI.quantity(p, .size, option: "packet-size") }
            if let m = localMemoryBandwidth {
                options.localMemoryGBPerSecond = try CLI.quantity(m, .bandwidth, option: "local-memory-bandwidth")
            }
            let algo: any CollectiveAlgorithm
            if algorithm == "hierarchical" {
                guard let perNode else {
                    throw SpindleError(
                        .invalidValue, "the hierarchical algorithm needs a two-level network",
                        hint: "Use --network two-level:NODESxPER_NODE")
                }
                algo = HierarchicalCollective(
                    perNode: perNode, intra: try CollectiveAlgorithms.named(intra), inter: try CollectiveAlgorithms.named(inter))
            } else {
                algo = try CollectiveAlgorithms.named(algorithm)
            }
            let transfers = algo.transfers(operation, endpoints: net.endpoints) * chunks
            guard transfers <= Self.maxTransfers else {
                throw SpindleError(
                    .capacity,
                    "\(algo.name) \(operation.rawValue) on \(net.endpoints) endpoints with \(chunks) chunk(s) is \(transfers) transfers",
                    expected: "at most \(Self.maxTransfers) for a flow-level micro-benchmark", hint: "Use fewer endpoints or chunks")
            }
            // Packets are events link by link; flows are a few events each.
            let packets = options.packetBytes.map { max(1, size / Double(chunks) / $0) } ?? 1
            try long.check(
                "the collective", units: Double(transfers) * packets, unitName: "transfers and packets", perSecond: 1e6,
                hint: "Use fewer endpoints or chunks, or larger packets")
            let schedule = try algo.schedule(operation, bytes: size, group: Array(0..<net.endpoints))
            let result = try FlowSimulation(network: net, options: options).run(
                schedule, operation: operation, algorithm: algo.name, bytes: size)
            let n = Double(net.endpoints)
            let busFactor: Double =
                switch operation {
                case .allReduce: 2 * (n - 1) / n
                case .reduceScatter, .allGather, .allToAll: (n - 1) / n
                case .broadcast: 1
                }
            if json {
                try CLI.printJSON(CollectiveOutput(result: result, busGBPerSecond: result.algorithmGBPerSecond * busFactor))
                return
            }
            let used = result.linkBytes.filter { $0 > 0 }
            print(
                "\(operation.rawValue) of \(Units.formatBytes(UInt64(size))) per endpoint, \(algo.name), on \(net.name) (\(net.links.count) one-way links)"
            )
            print(
                "  time \(Units.formatTime(Picoseconds(result.timePs.rounded()))): \(result.steps) steps, \(result.transfers) transfers (\(result.fidelity) level)"
            )
            print(
                "  algorithm bandwidth \(Units.format(result.algorithmGBPerSecond, 3)) GB/s, bus bandwidth \(Units.format(result.algorithmGBPerSecond * busFactor, 3)) GB/s"
            )
            print(
                "  links used \(used.count), bytes per used link \(Units.formatBytes(UInt64(used.min() ?? 0))) to \(Units.formatBytes(UInt64(used.max() ?? 0))), in all \(Units.formatBytes(UInt64(result.linkBytes.reduce(0, +))))"
            )
            if result.energyPJ > 0 { print("  link energy \(Units.formatEnergy(result.energyPJ))") }
        }
    }
}

struct CollectiveOutput: Encodable {
    let result: CollectiveResult
    let busGBPerSecond: Double
}
