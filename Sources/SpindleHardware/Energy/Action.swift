/// Every action Spindle counts and a technology table prices: the one place their names are spelled.
///
/// A count's unit is in its name and in `unit`: `dram.read.bits` counts bits, `sram.read.bytes` bytes,
/// `mac.int8` operations. Technology files price actions by these names.
public enum Action: Hashable, Sendable {
    /// Bits read from, or written to, a simple DRAM channel (priced per bit).
    case dramReadBits, dramWriteBits
    /// One command, or one rank x cycle of standby, of a JEDEC channel of the named configuration (priced
    /// from its currents).
    case dram(config: String, DRAMCommandAction)
    /// Bits through a router, and bits over one on-chip link (the wire energy per bit and mm times the link
    /// length).
    case nocRouterBits, nocLinkBits
    /// Bits over one chip-to-chip link of the package, per hop.
    case nopLinkBits
    /// Bytes read from or written to a tile's local buffer; `bankKiB` names the bank size when an SRAM
    /// curve prices each size (`nil`: the table's fixed `sram` price).
    case bufferRead(bankKiB: UInt64?)
    case bufferWrite(bankKiB: UInt64?)
    /// One multiply-accumulate of `bits`-bit integers on a digital MAC unit.
    case mac(bits: Int)
    /// One floating-point multiply or add outside the MAC array (optimizer updates, collective reductions).
    case fp32Mul, fp32Add
    /// One register-file access of a PE.
    case rfAccess
    /// One shift or add of a SmartDeal rebuild engine.
    case sdRebuildOp
    /// One conversion of an ADC of this resolution.
    case adcConvert(bits: Int)
    /// One drive of a crossbar row's 1-bit DAC.
    case dacDrive
    /// One read of one crossbar cell.
    case xbarCellRead
    /// One shift-and-add of a crossbar column's partial sum.
    case shiftAdd
    /// One bit written into a cell of this MRAM device.
    case mramWriteBits(device: String)
    /// One access of a loop-nest tile's storage level (a vector read, write or update), or one cycle of one
    /// instance's leakage (`storage.<level>.<access>`).
    case storage(level: String, StorageAccess)

    /// One 8-bit multiply-accumulate on a digital MAC unit (`mac.int8`).
    public static let macInt8 = Action.mac(bits: 8)

    /// The technology table's name for the wire energy per bit and millimetre that prices `nocLinkBits`.
    public static let wirePriceName = "noc.wire.bit_mm"

    /// The action's name in technology files and reports.
    public var name: String {
        switch self {
        case .dramReadBits: "dram.read.bits"
        case .dramWriteBits: "dram.write.bits"
        case .dram(let config, let command): "dram.\(config).\(command.rawValue)"
        case .nocRouterBits: "noc.router.bits"
        case .nocLinkBits: "noc.link.bits"
        case .nopLinkBits: "nop.link.bits"
        case .bufferRead(let kib): Self.buffer(kib) + ".read.bytes"
        case .bufferWrite(let kib): Self.buffer(kib) + ".write.bytes"
        case .mac(let bits): "mac.int\(bits)"
        case .fp32Mul: "fp32.mul"
        case .fp32Add: "fp32.add"
        case .rfAccess: "rf.access"
        case .sdRebuildOp: "sd.rebuild.op"
        case .adcConvert(let bits): "adc.convert.\(bits)b"
        case .dacDrive: "dac.drive"
        case .xbarCellRead: "xbar.cell.read"
        case .shiftAdd: "shift_add"
        case .mramWriteBits(let device): "mram.write.bits.\(device)"
        case .storage(let level, let access): "storage.\(level).\(access.rawValue)"
        }
    }

    private static func buffer(_ kib: UInt64?) -> String { kib.map { "sram.\($0)KiB" } ?? "sram" }

    /// What one count is.
    public var unit: String {
        switch self {
        case .dramReadBits, .dramWriteBits, .nocRouterBits, .nocLinkBits, .nopLinkBits, .mramWriteBits: "bit"
        case .dram(_, let command): command.isStandby ? "rank x cycle" : "command"
        case .bufferRead, .bufferWrite: "byte"
        case .adcConvert: "conversion"
        case .dacDrive: "row drive"
        case .xbarCellRead: "cell read"
        case .mac, .fp32Mul, .fp32Add, .rfAccess, .sdRebuildOp, .shiftAdd: "operation"
        case .storage(_, let access): access == .leak ? "instance x cycle" : "vector access"
        }
    }

    /// Where in the machine the action spends its energy.
    public var level: EnergyLevel {
        switch self {
        case .dramReadBits, .dramWriteBits, .dram: .dram
        case .nocRouterBits, .nocLinkBits: .noc
        case .nopLinkBits: .package
        case .bufferRead, .bufferWrite, .rfAccess: .buffers
        case .mac, .fp32Mul, .fp32Add, .sdRebuildOp, .shiftAdd: .compute
        case .storage: .buffers
        case .xbarCellRead, .dacDrive, .mramWriteBits: .crossbar
        case .adcConvert: .adc
        }
    }

    /// The actions every run counts whatever its tiles, which every technology table must price.
    public static let alwaysCounted: [Action] = [.dramReadBits, .dramWriteBits, .nocRouterBits, .nopLinkBits]
}

/// What a JEDEC DRAM channel counts, priced from its configuration's currents.
public enum DRAMCommandAction: String, Sendable, CaseIterable {
    case activate = "act"
    case read, write
    case refresh = "ref"
    case activeStandby = "active_standby_cycle"
    case prechargeStandby = "precharge_standby_cycle"

    /// Standby is counted per rank and cycle; the others per command.
    public var isStandby: Bool { self == .activeStandby || self == .prechargeStandby }
}

/// The level of the machine an action's energy belongs to, for breakdowns: off-chip memory, the on-chip
/// network, the package network, buffers and register files, digital arithmetic, crossbar arrays
/// (cell reads, row drivers, cell writes) and their converters.
public enum EnergyLevel: String, Sendable, CaseIterable, Codable {
    case dram = "DRAM"
    case noc = "NoC"
    case package
    case buffers
    case compute
    case crossbar
    case adc = "ADC"
}
