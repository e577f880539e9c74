import SpindleCore

/// One priced action of a technology table: the energy of one count of `name`.
public struct TechnologyAction: Sendable, Codable, Equatable {
    /// Dotted action name; the unit of one count is in the name (`dram.read.bits`: one bit).
    public var name: String
    /// Energy of one count, in picojoules.
    public var energyPJ: Double
    /// What one count is (as written in the source: `bit`, `op(8 b)`, ...).
    public var per: String
    public var widthBits: Int?
    /// Technology node of the source; `nil` for off-chip parts (DRAM) that have none.
    public var nodeNm: Int?
    /// Where the number comes from.
    public var source: String
    public var note: String?

    public init(name: String, energyPJ: Double, per: String, widthBits: Int? = nil, nodeNm: Int?, source: String, note: String? = nil) {
        self.name = name
        self.energyPJ = energyPJ
        self.per = per
        self.widthBits = widthBits
        self.nodeNm = nodeNm
        self.source = source
        self.note = note
    }

    enum CodingKeys: String, CodingKey {
        case name, per, source, note
        case energyPJ = "energy_pj"
        case widthBits = "width_bits"
        case nodeNm = "node_nm"
    }
}

/// A technology table: every action's energy with its source.
public struct Technology: Sendable {
    public var name: String
    public var actions: [String: TechnologyAction]

    public init(name: String, actions: [TechnologyAction]) {
        self.name = name
        self.actions = Dictionary(actions.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The actions every run needs priced; tile types add their own (`TileType.actions`).
    public static let requiredActions: [String] = [
        "dram.read.bits", "dram.write.bits", "noc.router.bits", "noc.wire.bit_mm", "sram.read.bytes",
        "sram.write.bytes", "nop.link.bits",
    ]

    /// Technology nodes used by the table, sorted; more than one means the profile mixes nodes.
    public var nodes: [Int] { Array(Set(actions.values.compactMap(\.nodeNm))).sorted() }
}
