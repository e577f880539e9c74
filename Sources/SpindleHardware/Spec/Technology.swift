import Foundation
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

/// One point of an SRAM energy curve: the energy of one access of `widthBits` at a capacity.
public struct SRAMPoint: Sendable, Equatable {
    public var capacityBytes: Double
    public var energyPJ: Double
    public var widthBits: Int
    public var nodeNm: Int?
    public var source: String
    public init(capacityBytes: Double, energyPJ: Double, widthBits: Int, nodeNm: Int?, source: String) {
        self.capacityBytes = capacityBytes
        self.energyPJ = energyPJ
        self.widthBits = widthBits
        self.nodeNm = nodeNm
        self.source = source
    }
    var perByte: Double { energyPJ / (Double(widthBits) / 8) }
}

/// A technology table: every action's energy with its source.
public struct Technology: Sendable {
    public var name: String
    public var actions: [String: TechnologyAction]
    /// SRAM access energy by capacity; when present, each buffer is priced at its own size.
    public var sramCurve: [SRAMPoint]

    public init(name: String, actions: [TechnologyAction], sramCurve: [SRAMPoint] = []) {
        self.name = name
        self.actions = Dictionary(actions.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.sramCurve = sramCurve.sorted { $0.capacityBytes < $1.capacityBytes }
    }

    /// The actions every run needs priced; tile types add their own (`TileType.actions`). Buffers need
    /// `sram.read.bytes` and `sram.write.bytes`, or an SRAM curve.
    public static let requiredActions: [String] =
        [Action.dramReadBits, .dramWriteBits, .nocRouterBits].map(\.name) + [Action.wirePriceName, Action.nopLinkBits.name]

    /// Energy per byte of a buffer of `capacity` bytes: log-log interpolation between the two nearest
    /// curve points (the end segments extend beyond the curve); equal for reads and writes.
    public func sramPerByte(capacity: Double) -> Double? {
        let c = sramCurve
        guard let first = c.first else { return nil }
        if c.count == 1 { return first.perByte }
        var i = 0
        while i < c.count - 2 && capacity > c[i + 1].capacityBytes { i += 1 }
        let a = c[i], b = c[i + 1]
        let slope = log(b.perByte / a.perByte) / log(b.capacityBytes / a.capacityBytes)
        return a.perByte * exp(slope * log(capacity / a.capacityBytes))
    }

    /// The actions of reading and writing a buffer bank of `bankBytes`: one fixed `sram` price, or, with an
    /// SRAM curve, a price per bank size.
    public func bufferActions(bankBytes: UInt64) -> (read: Action, write: Action) {
        let kib: UInt64? = sramCurve.isEmpty ? nil : bankBytes / 1_024
        return (.bufferRead(bankKiB: kib), .bufferWrite(bankKiB: kib))
    }

    /// Technology nodes used by the table, sorted; more than one means the profile mixes nodes.
    public var nodes: [Int] { Array(Set(actions.values.compactMap(\.nodeNm) + sramCurve.compactMap(\.nodeNm))).sorted() }
}
