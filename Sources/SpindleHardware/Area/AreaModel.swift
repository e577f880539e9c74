import SpindleCore

/// The area of one chip, component by component, from the technology table's areas.
public struct ChipArea: Sendable, Equatable {
    /// One component of the chip: how many, the area of all of them, and where the figure comes from.
    public struct Item: Sendable, Equatable {
        /// What the item is (`tile sd256: MAC units`).
        public var component: String
        /// The area name that prices it (`mac`, `sram`, `adc.6b`...).
        public var area: String
        public var count: Double
        public var totalUm2: Double
        /// Whether the item is on the core (tiles and routers) or at the chip's edge (DRAM PHYs, package links).
        public var core: Bool
        public var source: String
    }
    public var items: [Item]
    /// Components the chip has but the table gives no area for: they are left out of the sums.
    public var missing: [String]
    /// Node of the figures (the basis when scaled); `nil` when they mix nodes.
    public var nodeNm: Int?
    /// Nodes of the figures summed.
    public var nodes: [Int]

    /// Tiles and routers, in square millimetres.
    public var coreMM2: Double { items.filter(\.core).map(\.totalUm2).reduce(0, +) / 1e6 }
    /// DRAM PHYs and package link ports, in square millimetres.
    public var edgeMM2: Double { items.filter { !$0.core }.map(\.totalUm2).reduce(0, +) / 1e6 }
    public var totalMM2: Double { coreMM2 + edgeMM2 }
}

/// Sums component areas per tile and chip.
///
/// A PE array is its MAC units, register files and buffer; a SmartDeal tile adds its rebuild engines
/// (shift-add units and basis registers); a spin-crossbar tile is its cells, ADCs, row DACs, shift-add units,
/// digital MAC unit and buffer. Every mesh node has a router (sized by flit width), every DRAM channel a PHY,
/// and every package link a port at each end. Control logic, clock and power distribution and placement
/// slack are not itemised: the sum is a lower bound of a laid-out chip (Docs/papers.md measures by how much
/// on Eyeriss).
public enum AreaModel {
    /// The area of one chip of `topology`; `nil` when its technology table has no areas.
    public static func chip(_ topology: Topology) -> ChipArea? {
        let tech = topology.technology
        guard !tech.areas.isEmpty || !tech.sramAreaCurve.isEmpty else { return nil }
        var items: [ChipArea.Item] = []
        var missing: Set<String> = []
        var nodes: Set<Int> = []
        func add(_ component: String, _ name: AreaName, count: Double, core: Bool = true) {
            guard count > 0 else { return }
            guard let e = tech.areas[name.name] else {
                missing.insert(name.name)
                return
            }
            if let n = e.nodeNm { nodes.insert(n) }
            items.append(
                .init(component: component, area: name.name, count: count, totalUm2: e.areaUm2 * count, core: core, source: e.source))
        }
        func buffer(_ component: String, bytes: UInt64, bankBytes: UInt64) {
            guard bytes > 0 else { return }
            guard let perByte = tech.sramAreaPerByte(capacity: Double(bankBytes)) else {
                missing.insert("sram")
                return
            }
            nodes.formUnion(tech.sramAreaCurve.compactMap(\.nodeNm))
            items.append(
                .init(
                    component: component, area: "sram", count: Double(bytes), totalUm2: perByte * Double(bytes), core: true,
                    source: (tech.sramAreaCurve.first?.source ?? "") + " [INF: per byte at a \(Units.formatBytes(bankBytes)) bank]"))
        }
        var countByType: [String: (type: TileType, count: Int)] = [:]
        for t in topology.tiles { countByType[t.type.name, default: (t.type, 0)].count += 1 }
        for name in countByType.keys.sorted() {
            let (type, n) = countByType[name]!
            let k = Double(n)
            let label = "tiles \(name) x\(n)"
            switch type.kind {
            case .peArray:
                add("\(label): MAC units", .mac, count: k * Double(type.macsPerCycle))
                add("\(label): register files", .registerFileByte, count: k * Double(type.macsPerCycle * type.rfBytesPerMAC))
                buffer("\(label): buffer", bytes: type.bufferBytes * UInt64(n), bankBytes: type.bankBytes)
            case .smartdeal:
                add("\(label): MAC units", .mac, count: k * Double(type.macsPerCycle))
                let engines = type.smartdeal.rebuildEngines(rebuildPerCycle: type.rebuildPerCycle)
                add("\(label): rebuild shift-add units", .shiftAdd, count: k * Double(engines * SmartDealOrganisation.basisSize))
                add(
                    "\(label): rebuild basis registers", .registerFileByte,
                    count: k * Double(engines * SmartDealOrganisation.basisSize * SmartDealOrganisation.basisSize))
                for b in type.smartdeal.buffers(total: type.bufferBytes) {
                    buffer("\(label): \(b.name) buffer", bytes: b.bytes * UInt64(n), bankBytes: b.bytes)
                }
            case .loopNest:
                let h = type.hierarchy!
                add("\(label): MAC units", .mac, count: k * Double(h.macUnits))
                for l in h.levels {
                    let bank = UInt64(l.capacityWords) * UInt64(l.wordBits ?? h.wordBits) / 8
                    buffer("\(label): \(l.name)", bytes: bank * UInt64(l.instances * n), bankBytes: bank)
                }
            case .spinCrossbar:
                let x = type.crossbar!
                let bars = k * Double(type.crossbars)
                add("\(label): crossbar cells", .crossbarCell, count: bars * Double(x.rows * x.columns))
                add("\(label): ADCs (\(x.adcBits) b)", .adc(bits: x.adcBits), count: bars * Double(x.adcs))
                add("\(label): row DACs", .dac, count: bars * Double(x.rows))
                // ISAAC's ratio: 4 shift-add units per 8 ADCs.
                add("\(label): shift-add units", .shiftAdd, count: bars * Double(x.adcs) / 2)
                add("\(label): digital MAC units", .mac, count: k * Double(type.macsPerCycle))
                buffer("\(label): buffer", bytes: type.bufferBytes * UInt64(n), bankBytes: type.bankBytes)
            }
        }
        let routers = topology.noc.width * topology.noc.height
        add(
            "routers x\(routers) (\(topology.noc.flitBytes * 8)-bit flits)", .routerBit,
            count: Double(routers) * Double(topology.noc.flitBytes * 8))
        add("DRAM PHYs x\(topology.dram.count)", .dramPHY, count: Double(topology.dram.count), core: false)
        let ports = topology.package.portsPerChip(chips: topology.chips)
        add("package link ports x\(ports)", .packageLink, count: Double(ports), core: false)
        return ChipArea(
            items: items, missing: missing.sorted(), nodeNm: tech.basis?.nodeNm ?? (nodes.count == 1 ? nodes.first : nil),
            nodes: nodes.sorted())
    }
}
