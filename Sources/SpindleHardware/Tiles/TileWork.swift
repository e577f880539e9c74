import SpindleCore

/// What one job costs a tile: its duration and what it counts, field by field (`TileType.workActions` says
/// which action each field is on a given tile type).
public struct TileWork: Sendable, Equatable {
    /// The counted quantities of a job.
    public enum Field: Sendable, CaseIterable {
        case macs, rebuildOps, rfAccesses, adcConversions, dacDrives, cellReads, shiftAdds, cellWriteBits
    }

    public var durationPs: Picoseconds = 0
    /// MACs on a digital MAC unit (`mac.int8`).
    public var macs: UInt64 = 0
    /// SmartDeal rebuild shifts and adds (`sd.rebuild.op`).
    public var rebuildOps: UInt64 = 0
    /// PE register-file accesses (`rf.access`).
    public var rfAccesses: UInt64 = 0
    /// Crossbar periphery and cells: ADC conversions, DAC row drives, cell reads, shift-adds.
    public var adcConversions: UInt64 = 0
    public var dacDrives: UInt64 = 0
    public var cellReads: UInt64 = 0
    public var shiftAdds: UInt64 = 0
    /// Bits written into crossbar cells (`mram.write.bits.<device>`).
    public var cellWriteBits: UInt64 = 0
    /// Loop-nest tiles: each storage action's count, in the order of `TileType.storageActions`.
    public var storageAccesses: [UInt64] = []

    public init() {}

    public subscript(_ field: Field) -> UInt64 {
        switch field {
        case .macs: macs
        case .rebuildOps: rebuildOps
        case .rfAccesses: rfAccesses
        case .adcConversions: adcConversions
        case .dacDrives: dacDrives
        case .cellReads: cellReads
        case .shiftAdds: shiftAdds
        case .cellWriteBits: cellWriteBits
        }
    }

    /// The non-zero counts of this work on a tile of `type`, by action.
    public func counts(on type: TileType) -> [Action: UInt64] {
        var out: [Action: UInt64] = [:]
        for (field, action) in type.workActions where self[field] > 0 { out[action, default: 0] += self[field] }
        for (action, n) in zip(type.storageActions, storageAccesses) where n > 0 { out[action, default: 0] += n }
        return out
    }
}
