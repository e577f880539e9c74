import SpindleCollectives
import SpindleCore
import SpindleParallelism

/// A cluster described level by level (`clusters/*.yaml`): its chips' rate and memory, and the network of
/// each level with its bandwidth, latency and energy per bit.
public struct ClusterDescription: Sendable {
    public var name: String
    public var file: String
    public var levels: [ClusterLevel]
    /// The chips and the first two levels' links, as the analytic plan search sees them.
    public var spec: ClusterSpec
    public var network: ClusterNetwork
}

/// Loads cluster files.
public enum ClusterLoader {
    static let keys = ["name", "description", "chip", "levels"]
    static let chipKeys = [
        "peak_tflops", "efficiency", "memory", "memory_bandwidth", "memory_energy_per_bit", "mram_capacity", "mram_bandwidth",
        "mram_energy_per_bit",
    ]
    static let levelKeys = ["name", "size", "network", "bandwidth", "latency", "energy_per_bit"]
    /// The most chips a cluster file may describe.
    public static let maxChips = 1 << 20

    /// Loads the cluster file at `path`.
    public static func load(_ path: String, source: FileSource = FileSource()) throws(SpindleError) -> ClusterDescription {
        let root = try source.load(path).mapping(allowed: keys, required: ["name", "chip", "levels"])
        let chip = try root.required("chip").mapping(allowed: chipKeys, required: ["peak_tflops", "memory"])
        let peak = try chip.required("peak_tflops").double(in: 1e-6...1e9)
        let efficiency = try chip["efficiency"]?.double(in: 1e-6...1) ?? 0.5
        let memory = Double(try chip.required("memory").bytes(in: 1...(1 << 50)))
        let levelNodes = try root.required("levels").list()
        guard !levelNodes.isEmpty, levelNodes.count <= 8 else {
            throw try root.required("levels").error(
                "'levels' has \(levelNodes.count) entries", expected: "1 to 8 levels, the chips' own first (a node), the whole cluster last"
            )
        }
        var levels: [ClusterLevel] = []
        var chips = 1
        for (i, node) in levelNodes.enumerated() {
            let m = try node.mapping(allowed: levelKeys, required: ["size", "bandwidth", "latency"])
            let kinds = i == 0 ? ClusterLevel.Kind.allCases.map(\.rawValue) : [ClusterLevel.Kind.switch.rawValue]
            let size = try m.required("size").int(in: 1...maxChips)
            guard chips <= maxChips / size else {
                throw try m.required("size").error(
                    "the cluster would have over \(maxChips) chips", expected: "at most \(maxChips) chips in all")
            }
            chips *= size
            let kind = ClusterLevel.Kind(rawValue: try m["network"]?.choice(kinds) ?? "switch")!
            levels.append(
                ClusterLevel(
                    name: try m["name"]?.name() ?? "level \(i)", size: size, kind: kind,
                    gbPerSecond: try m.required("bandwidth").quantity(.bandwidth),
                    latencyPs: try m.required("latency").picoseconds(allowZero: true),
                    picojoulesPerBit: try m["energy_per_bit"]?.quantity(.energy, allowZero: true) ?? 0))
        }
        let name = try root.required("name").name()
        let network = try ClusterNetwork.hierarchical(name: name, levels: levels)
        let inter = levels.count > 1 ? levels[1] : levels[0]
        let spec = ClusterSpec(
            chips: chips, chipsPerNode: levels[0].size, peakTFLOPs: peak, efficiency: efficiency, memoryBytes: memory,
            intraGBPerSecond: levels[0].gbPerSecond, intraLatencyPs: levels[0].latencyPs, interGBPerSecond: inter.gbPerSecond,
            interLatencyPs: inter.latencyPs)
        var chipSpec = spec
        if let v = chip["memory_bandwidth"] { chipSpec.memoryGBPerSecond = try v.quantity(.bandwidth) }
        if let v = chip["memory_energy_per_bit"] { chipSpec.memoryPicojoulesPerBit = try v.quantity(.energy, allowZero: true) }
        if let v = chip["mram_capacity"] {
            chipSpec.mramBytes = Double(try v.bytes(in: 1...(1 << 50)))
            chipSpec.mramGBPerSecond = try chip.required("mram_bandwidth").quantity(.bandwidth)
            chipSpec.mramPicojoulesPerBit = try chip.required("mram_energy_per_bit").quantity(.energy, allowZero: true)
        } else {
            for k in ["mram_bandwidth", "mram_energy_per_bit"] {
                if let v = chip[k] { throw v.error("'\(k)' describes MRAM crossbars, but the chip has no 'mram_capacity'") }
            }
        }
        return ClusterDescription(name: name, file: path, levels: levels, spec: chipSpec, network: network)
    }
}
