import SpindleCore

/// The energy of one count of every action a topology can count, and where each price comes from: the one
/// table both the mapper's cost model and the run's energy accounting price counts with.
///
/// Prices come from the technology table, except three kinds the topology derives: on-chip link bits (the
/// wire energy per bit and mm times the link length), JEDEC DRAM commands (from the configuration's
/// currents, unless the technology prices them itself), and buffers priced by an SRAM curve at each bank's
/// size.
public struct PriceTable: Sendable {
    /// How a price was obtained.
    public enum Origin: Sendable {
        /// As written in the technology table.
        case technology(TechnologyAction)
        /// The technology's wire energy per bit and mm, times the link length in mm.
        case wire(TechnologyAction?, lengthMM: Double)
        /// A JEDEC configuration's currents.
        case dramCurrents(DRAMConfig)
        /// The SRAM curve, interpolated at a bank size.
        case sramCurve(bankBytes: UInt64)
    }

    public struct Entry: Sendable {
        /// Picojoules per count.
        public var energyPJ: Double
        public var origin: Origin
    }

    /// Every priced name: the technology's actions (but the wire price) and the derived ones.
    public let entries: [String: Entry]

    public init(topology: Topology) {
        let tech = topology.technology
        var e: [String: Entry] = [:]
        for (name, a) in tech.actions where name != Action.wirePriceName { e[name] = Entry(energyPJ: a.energyPJ, origin: .technology(a)) }
        let wire = tech.actions[Action.wirePriceName]
        e[Action.nocLinkBits.name] = Entry(
            energyPJ: (wire?.energyPJ ?? 0) * topology.noc.linkLengthMM, origin: .wire(wire, lengthMM: topology.noc.linkLengthMM))
        for d in topology.dram {
            guard let j = d.jedec else { continue }
            for command in DRAMCommandAction.allCases {
                let name = Action.dram(config: j.name, command).name
                if e[name] == nil { e[name] = Entry(energyPJ: j.energyPJ(command), origin: .dramCurrents(j)) }
            }
        }
        for tile in topology.tiles where !tech.sramCurve.isEmpty {
            let bank = tile.type.bankBytes
            let price = tech.sramPerByte(capacity: Double(bank))!
            for a in [Action.bufferRead(bankKiB: bank / 1_024), .bufferWrite(bankKiB: bank / 1_024)] {
                e[a.name] = Entry(energyPJ: price, origin: .sramCurve(bankBytes: bank))
            }
        }
        entries = e
    }

    /// Picojoules per count of `action`, or `nil` when nothing prices it.
    public func price(_ action: Action) -> Double? { entries[action.name]?.energyPJ }

    /// Picojoules per count by name (`nil`: unpriced).
    public subscript(name name: String) -> Double? { entries[name]?.energyPJ }

    /// The priced names in sorted order.
    public var sortedNames: [String] { entries.keys.sorted() }
}
