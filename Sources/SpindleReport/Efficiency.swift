import SpindleCore

/// A chip's area as the report states it: totals, the items summed, and what had no area.
public struct AreaSummary: Sendable, Codable, Equatable {
    public struct Item: Sendable, Codable, Equatable {
        public var component: String
        public var area: String
        public var count: Double
        public var mm2: Double
        public var core: Bool
        public var source: String
        public init(component: String, area: String, count: Double, mm2: Double, core: Bool, source: String) {
            self.component = component
            self.area = area
            self.count = count
            self.mm2 = mm2
            self.core = core
            self.source = source
        }
    }
    /// One chip: tiles and routers (core), DRAM PHYs and package ports (edge).
    public var coreMM2: Double
    public var edgeMM2: Double
    public var nodeNm: Int?
    public var items: [Item]
    /// Area names the chip needs but the technology table does not give: left out of the sums.
    public var missing: [String]

    public init(coreMM2: Double, edgeMM2: Double, nodeNm: Int?, items: [Item], missing: [String]) {
        self.coreMM2 = coreMM2
        self.edgeMM2 = edgeMM2
        self.nodeNm = nodeNm
        self.items = items
        self.missing = missing
    }

    enum CodingKeys: String, CodingKey {
        case items, missing
        case coreMM2 = "core_mm2"
        case edgeMM2 = "edge_mm2"
        case nodeNm = "node_nm"
    }
}

/// Energy and area efficiency of a run, with the definitions papers use.
///
/// Operations count the workload's dense MACs (2 operations each, skipped zeros included, as compressed
/// accelerators report them); "on chip" leaves out the DRAM energy.
public struct Efficiency: Sendable, Codable, Equatable {
    /// The workload's dense MACs.
    public var workloadMACs: UInt64
    public var pjPerMAC: Double
    public var pjPerMACOnChip: Double
    /// 10^9 operations per joule (= GOPS/W).
    public var gopsPerWatt: Double
    public var gopsPerWattOnChip: Double
    /// Achieved operations per second over the core area of all chips (`nil` without an area model).
    public var gopsPerMM2: Double?
    /// Achieved operations per second.
    public var gops: Double

    public init(workloadMACs: UInt64, energyPJ: Double, dramPJ: Double, latencyPs: UInt64, chips: Int, coreMM2: Double?) {
        self.workloadMACs = workloadMACs
        let macs = Double(max(workloadMACs, 1))
        pjPerMAC = energyPJ / macs
        pjPerMACOnChip = (energyPJ - dramPJ) / macs
        gopsPerWatt = pjPerMAC > 0 ? 2 / pjPerMAC * 1_000 : 0
        gopsPerWattOnChip = pjPerMACOnChip > 0 ? 2 / pjPerMACOnChip * 1_000 : 0
        gops = latencyPs > 0 ? 2 * Double(workloadMACs) / (Double(latencyPs) * 1e-12) / 1e9 : 0
        gopsPerMM2 = coreMM2.flatMap { $0 > 0 ? gops / ($0 * Double(chips)) : nil }
    }

    enum CodingKeys: String, CodingKey {
        case gops
        case workloadMACs = "workload_macs"
        case pjPerMAC = "pj_per_mac"
        case pjPerMACOnChip = "pj_per_mac_on_chip"
        case gopsPerWatt = "gops_per_w"
        case gopsPerWattOnChip = "gops_per_w_on_chip"
        case gopsPerMM2 = "gops_per_mm2"
    }
}
