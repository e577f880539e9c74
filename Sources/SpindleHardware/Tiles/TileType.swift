import SpindleCore

/// The kinds of compute tile Spindle models.
public enum TileKind: String, Sendable, CaseIterable, Codable {
    /// A digital array of multiply-accumulate units.
    case peArray = "pe-array"
    /// A spintronic (MRAM) crossbar that computes matrix-vector products in memory.
    case spinCrossbar = "spin-crossbar"
    /// A SmartDeal tile: holds Ce (bitmap and power-of-two codes) and B, rebuilds weight rows with
    /// shift-adds, skips zero Ce rows, and computes on PE lines.
    case smartdeal
    /// A PE array under a storage hierarchy (register files, PE buffers, global buffer): each job is mapped
    /// onto the levels by the tile's dataflow and counted level by level (`StorageHierarchy`).
    case loopNest = "loop-nest"
}

/// A named kind of tile and its parameters.
public struct TileType: Sendable, Equatable {
    public var name: String
    public var kind: TileKind
    /// Multiply-accumulates completed per clock cycle.
    public var macsPerCycle: Int
    public var clockGHz: Double
    /// Local buffer (SRAM) capacity in bytes.
    public var bufferBytes: UInt64
    /// Banks the buffer is split into; an access touches one bank, so it is priced at the bank's capacity.
    public var bufferBanks: Int = 1
    /// Capacity of one buffer bank.
    public var bankBytes: UInt64 { bufferBytes / UInt64(max(bufferBanks, 1)) }
    /// Spin-crossbar tiles: the crossbar and how many of them the tile holds.
    public var crossbar: CrossbarSpec?
    public var crossbars: Int
    /// SmartDeal tiles: rebuild operations (one shift or add) the rebuild engine completes per cycle.
    public var rebuildPerCycle: Int = 0
    /// Register-file accesses per MAC (PE arrays with per-PE register files, e.g. row-stationary Eyeriss:
    /// weight, input and partial-sum reads and the partial-sum write); counted as `rf.access`.
    public var rfAccessesPerMAC = 0
    /// Register-file bytes per MAC unit (area only; Eyeriss: 522 B per PE).
    public var rfBytesPerMAC = 0
    /// SmartDeal tiles: slices, lines, MAC style and buffers.
    public var smartdeal = SmartDealOrganisation()
    /// PE-array tiles with a systolic array: rows, columns and dataflow (`nil`: ideal MACs per cycle).
    public var systolic: (rows: Int, columns: Int, dataflow: SystolicDataflow)?
    /// Loop-nest tiles: the storage levels, MAC units and dataflow.
    public var hierarchy: StorageHierarchy?

    public static func == (a: TileType, b: TileType) -> Bool {
        a.name == b.name && a.kind == b.kind && a.macsPerCycle == b.macsPerCycle && a.clockGHz == b.clockGHz
            && a.bufferBytes == b.bufferBytes && a.crossbar == b.crossbar && a.crossbars == b.crossbars
            && a.rebuildPerCycle == b.rebuildPerCycle && a.bufferBanks == b.bufferBanks && a.systolic?.rows == b.systolic?.rows
            && a.systolic?.columns == b.systolic?.columns && a.systolic?.dataflow == b.systolic?.dataflow
            && a.rfAccessesPerMAC == b.rfAccessesPerMAC && a.rfBytesPerMAC == b.rfBytesPerMAC && a.smartdeal == b.smartdeal
            && a.hierarchy == b.hierarchy
    }

    public init(
        name: String, kind: TileKind, macsPerCycle: Int, clockGHz: Double, bufferBytes: UInt64, crossbar: CrossbarSpec? = nil,
        crossbars: Int = 0
    ) {
        self.name = name
        self.kind = kind
        self.macsPerCycle = macsPerCycle
        self.clockGHz = clockGHz
        self.bufferBytes = bufferBytes
        self.crossbar = crossbar
        self.crossbars = crossbars
    }

    /// The priced actions this tile type counts.
    public var actions: [Action] {
        if let x = crossbar { return [x.adcAction, .dacDrive, .xbarCellRead, .shiftAdd, x.writeAction] }
        if kind == .smartdeal { return [.macInt8, .sdRebuildOp] }
        if let h = hierarchy { return [h.macAction] + h.storageActions }
        return [.macInt8]
    }

    /// Whether the tile counts reads and writes of its one buffer (`bufferBytes`); loop-nest tiles count
    /// their storage levels instead.
    public var countsBuffer: Bool { hierarchy == nil }

    /// The storage actions, in the order of `TileWork.storageAccesses` (loop-nest tiles; empty otherwise).
    public var storageActions: [Action] { hierarchy?.storageActions ?? [] }

    /// The action each field of this type's `TileWork` counts, in the order of the actions' names (the
    /// order in which energies are summed). Fields this type never counts have no entry.
    public var workActions: [(field: TileWork.Field, action: Action)] {
        var list: [(TileWork.Field, Action)] = [
            (.macs, hierarchy?.macAction ?? .macInt8), (.rebuildOps, .sdRebuildOp), (.rfAccesses, .rfAccess),
        ]
        if let x = crossbar {
            list += [
                (.adcConversions, x.adcAction), (.dacDrives, .dacDrive), (.cellReads, .xbarCellRead), (.shiftAdds, .shiftAdd),
                (.cellWriteBits, x.writeAction),
            ]
        }
        return list.map { (field: $0.0, action: $0.1) }.sorted { $0.action.name < $1.action.name }
    }

    /// Compute time and action counts of one job.
    ///
    /// - `programWeights`: crossbar tiles first write this many weights into their cells (a weight load or
    ///   an update), row by row, crossbars in parallel.
    /// - `gemm` (window, filters, pixels): lets a systolic PE array time its folds, and a crossbar count its
    ///   MVMs by tiling (rows = window, columns = filters x bit slices); without it, MACs complete at
    ///   `macsPerCycle` and crossbars are assumed fully used.
    /// - `crossbarsUsed`: crossbars the MVMs are spread over (`0`: all the tile has).
    /// - `crossbarWeightBits`: bits per stored weight when compressed codes replace the crossbar's weights.
    /// - `loopNest`: loop-nest tiles take their cycles and storage accesses from the job's mapping.
    public func work(
        macs: UInt64, programWeights: UInt64 = 0, rebuildOps: UInt64 = 0, gemm: (window: Int, filters: Int, pixels: Int)? = nil,
        crossbarsUsed: Int = 0, crossbarWeightBits: Int = 0, digital: Bool = false, loopNest: LoopNestCounts? = nil
    ) -> TileWork {
        var w = TileWork()
        if let n = loopNest, hierarchy != nil {
            w.durationPs = n.cycles * Units.cyclePs(gHz: clockGHz)
            w.macs = macs
            w.storageAccesses = n.accesses
            return w
        }
        if let x = crossbar, programWeights > 0 {
            var x = x
            if crossbarWeightBits > 0 { x.weightBits = crossbarWeightBits }
            let parallel = UInt64(crossbarsUsed > 0 ? crossbarsUsed : crossbars)
            let weightRows = (programWeights + UInt64(x.logicalColumns) - 1) / UInt64(x.logicalColumns)
            w.durationPs = (weightRows + parallel - 1) / parallel * x.device.writeLatencyPs
            w.cellWriteBits = programWeights * UInt64(x.slices * x.cellBits)
        }
        w.rfAccesses = macs * UInt64(rfAccessesPerMAC)
        compute(
            into: &w, macs: macs, rebuildOps: rebuildOps, gemm: gemm, crossbarsUsed: crossbarsUsed, crossbarWeightBits: crossbarWeightBits,
            digital: digital)
        return w
    }

    private func compute(
        into w: inout TileWork, macs: UInt64, rebuildOps: UInt64, gemm: (window: Int, filters: Int, pixels: Int)?, crossbarsUsed: Int,
        crossbarWeightBits: Int, digital: Bool
    ) {
        w.rebuildOps = rebuildOps
        if digital || (crossbar != nil && macs == 0) {
            let cycles = (macs + UInt64(max(macsPerCycle, 1)) - 1) / UInt64(max(macsPerCycle, 1))
            w.durationPs += cycles * Units.cyclePs(gHz: clockGHz)
            w.macs = macs
            return
        }
        if kind == .peArray, let a = systolic, let g = gemm, g.window > 0, g.filters > 0, g.pixels > 0 {
            let cycles = a.dataflow.cycles(rows: a.rows, columns: a.columns, window: g.window, filters: g.filters, pixels: g.pixels)
            w.durationPs += cycles * Units.cyclePs(gHz: clockGHz)
            w.macs = macs
            w.rebuildOps = 0
            return
        }
        if kind == .smartdeal {
            let cycle = Units.cyclePs(gHz: clockGHz)
            let rebuild = (rebuildOps + UInt64(max(rebuildPerCycle, 1)) - 1) / UInt64(max(rebuildPerCycle, 1))
            let compute = UInt64((Double(macs) * smartdeal.cyclesPerMAC / Double(macsPerCycle)).rounded(.up))
            // Organised tiles rebuild in one engine while the other feeds the line (ping-pong): the slower of
            // the two sets the time. Otherwise the rebuild precedes the compute.
            w.durationPs += (smartdeal.isOrganised ? max(rebuild, compute) : rebuild + compute) * cycle
            w.macs = macs
            return
        }
        guard var x = crossbar else {
            let cycles = (macs + UInt64(macsPerCycle) - 1) / UInt64(macsPerCycle)
            w.durationPs += cycles * Units.cyclePs(gHz: clockGHz)
            w.macs = macs
            w.rebuildOps = 0
            return
        }
        if crossbarWeightBits > 0 { x.weightBits = crossbarWeightBits }
        let parallel = UInt64(crossbarsUsed > 0 ? crossbarsUsed : crossbars)
        // MVMs: one per crossbar tile of the weight matrix per input vector, or full crossbars without a shape.
        let mvms: UInt64
        if let g = gemm, g.window > 0, g.filters > 0, g.pixels > 0 {
            mvms = UInt64(g.pixels) * UInt64(Self.crossbarTiles(window: g.window, filters: g.filters, crossbar: x))
        } else {
            mvms = (macs + UInt64(x.macsPerMVM) - 1) / UInt64(x.macsPerMVM)
        }
        let waves = (mvms + parallel - 1) / parallel
        let m = x.mvm
        w.durationPs += waves * m.latencyPs
        w.adcConversions = mvms * m.adcConversions
        w.dacDrives = mvms * m.dacDrives
        w.cellReads = mvms * m.cellReads
        w.shiftAdds = mvms * m.shiftAdds
    }

    /// Crossbars a weight matrix of `window` rows and `filters` columns occupies: ceil(window / rows) x
    /// ceil(filters / weights per crossbar row).
    public static func crossbarTiles(window: Int, filters: Int, crossbar x: CrossbarSpec) -> Int {
        ((window + x.rows - 1) / x.rows) * ((filters + x.logicalColumns - 1) / x.logicalColumns)
    }
}
