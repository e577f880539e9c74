import SpindleCore

/// One component's area in a technology table, with its source.
public struct AreaEntry: Sendable, Equatable {
    /// The component (`AreaName`), or `sram` for a point of the buffer area curve.
    public var name: String
    /// Square micrometres per `per`.
    public var areaUm2: Double
    /// What one area is (as in the source: `unit(16 b MAC)`, `ADC`, `byte`...).
    public var per: String
    /// Technology node; `nil` for figures that have none.
    public var nodeNm: Int?
    public var source: String
    /// Points of the buffer area curve: the capacity the area is for.
    public var capacityBytes: Double?

    public init(name: String, areaUm2: Double, per: String, nodeNm: Int?, source: String, capacityBytes: Double? = nil) {
        self.name = name
        self.areaUm2 = areaUm2
        self.per = per
        self.nodeNm = nodeNm
        self.source = source
        self.capacityBytes = capacityBytes
    }
}

/// The components an area model sums, and the one place their names in technology files are spelled.
public enum AreaName: Sendable, Hashable, CaseIterable {
    /// One digital MAC unit.
    case mac
    /// One byte of PE register file.
    case registerFileByte
    /// One ADC of the given resolution.
    case adc(bits: Int)
    /// One 1-bit row DAC of a crossbar.
    case dac
    /// One crossbar cell.
    case crossbarCell
    /// One shift-and-add unit (crossbar columns, SmartDeal rebuild engines).
    case shiftAdd
    /// One NoC router, per bit of flit width.
    case routerBit
    /// One chip-to-chip link port.
    case packageLink
    /// The physical interface of one DRAM channel.
    case dramPHY

    public static let allCases: [AreaName] =
        [.mac, .registerFileByte, .dac, .crossbarCell, .shiftAdd, .routerBit, .packageLink, .dramPHY] + (4...10).map { .adc(bits: $0) }

    /// The name in technology files.
    public var name: String {
        switch self {
        case .mac: "mac"
        case .registerFileByte: "rf.byte"
        case .adc(let bits): "adc.\(bits)b"
        case .dac: "dac"
        case .crossbarCell: "xbar.cell"
        case .shiftAdd: "shift_add"
        case .routerBit: "router.bit"
        case .packageLink: "nop.link"
        case .dramPHY: "dram.phy"
        }
    }
}
