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

/// The supply voltage the figures of one node were obtained at, with its source (node scaling needs it).
public struct NodeVoltage: Sendable, Equatable {
    public var nodeNm: Int
    public var vdd: Double
    public var source: String
    public init(nodeNm: Int, vdd: Double, source: String) {
        self.nodeNm = nodeNm
        self.vdd = vdd
        self.source = source
    }
}

/// A technology table: every action's energy with its source, the components' areas, and the voltage of
/// each node its figures come from.
public struct Technology: Sendable {
    public var name: String
    public var actions: [String: TechnologyAction]
    /// SRAM access energy by capacity; when present, each buffer is priced at its own size.
    public var sramCurve: [SRAMPoint]
    /// Component areas by name (`AreaName`); empty when the table models no area.
    public var areas: [String: AreaEntry] = [:]
    /// Buffer (SRAM) area per byte by capacity, interpolated like the energy curve.
    public var sramAreaCurve: [AreaEntry] = []
    /// Supply voltage by node, for node scaling.
    public var voltages: [Int: NodeVoltage] = [:]
    /// The process point every CMOS figure was scaled to (`nil`: figures at their own nodes).
    public private(set) var basis: ProcessPoint?

    public init(name: String, actions: [TechnologyAction], sramCurve: [SRAMPoint] = []) {
        self.name = name
        self.actions = Dictionary(actions.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.sramCurve = sramCurve.sorted { $0.capacityBytes < $1.capacityBytes }
    }

    /// The table with every CMOS energy and area moved to `basis` by `NodeScaling` (Stillmaker and Baas).
    ///
    /// Off-chip figures (DRAM) and device figures (MRAM cells), which have no node, stay as they are. Each
    /// scaled entry keeps its source and says how it was scaled. Throws when a node has no voltage in the
    /// table, or lies outside the scaling equations.
    public func scaled(to basis: ProcessPoint) throws(SpindleError) -> Technology {
        func point(_ node: Int, _ what: String) throws(SpindleError) -> ProcessPoint {
            guard NodeScaling.covers(node) else {
                throw SpindleError(
                    .invalidValue, "technology '\(name)': \(what) is at \(node) nm, which the scaling equations do not cover",
                    choices: NodeScaling.nodes.map { "\($0) nm" })
            }
            guard let v = voltages[node] else {
                throw SpindleError(
                    .missingKey, "technology '\(name)' has figures at \(node) nm (\(what)) but no supply voltage for that node",
                    expected: "an entry under 'voltages' with node_nm: \(node), vdd and its source",
                    hint: "Scaling energy between nodes needs the voltage each figure was obtained at")
            }
            return ProcessPoint(nodeNm: node, vdd: v.vdd)
        }
        guard NodeScaling.covers(basis.nodeNm) else {
            throw SpindleError(
                .invalidValue, "the technology basis \(basis.nodeNm) nm lies outside the scaling equations",
                choices: NodeScaling.nodes.map { "\($0) nm" })
        }
        func note(_ from: ProcessPoint, _ factor: Double) -> String {
            " [scaled x\(Units.format(factor, 3)) from \(from) to \(basis), Stillmaker & Baas 2017]"
        }
        /// The factor and source note for an energy at `node` (`nil`: already at the basis, or no node).
        func energyScaling(_ node: Int?, _ what: String) throws(SpindleError) -> (factor: Double, note: String)? {
            guard let node, node != basis.nodeNm || voltages[node]?.vdd != basis.vdd else { return nil }
            let from = try point(node, what)
            guard let f = NodeScaling.energyFactor(from: from, to: basis) else {
                throw SpindleError(.invalidValue, "the energy fit is not positive at \(from) or \(basis) (outside its voltage range)")
            }
            return (f, note(from, f))
        }
        var t = self
        for (key, a) in actions {
            guard let s = try energyScaling(a.nodeNm, "action \(a.name)") else { continue }
            t.actions[key]!.energyPJ = a.energyPJ * s.factor
            t.actions[key]!.nodeNm = basis.nodeNm
            t.actions[key]!.source = a.source + s.note
        }
        for (i, p) in sramCurve.enumerated() {
            guard let s = try energyScaling(p.nodeNm, "an sram_curve point") else { continue }
            t.sramCurve[i].energyPJ = p.energyPJ * s.factor
            t.sramCurve[i].nodeNm = basis.nodeNm
            t.sramCurve[i].source = p.source + s.note
        }
        func scaleArea(_ e: AreaEntry) throws(SpindleError) -> AreaEntry {
            guard let node = e.nodeNm, node != basis.nodeNm else { return e }
            guard let f = NodeScaling.areaFactor(fromNm: node, toNm: basis.nodeNm) else {
                throw SpindleError(
                    .invalidValue, "technology '\(name)': area \(e.name) is at \(node) nm, which the scaling equations do not cover",
                    choices: NodeScaling.nodes.map { "\($0) nm" })
            }
            var s = e
            s.areaUm2 = e.areaUm2 * f
            s.nodeNm = basis.nodeNm
            s.source = e.source + " [area scaled x\(Units.format(f, 3)) from \(node) nm to \(basis.nodeNm) nm, Stillmaker & Baas 2017]"
            return s
        }
        for (key, e) in areas { t.areas[key] = try scaleArea(e) }
        t.sramAreaCurve = try sramAreaCurve.map { (e: AreaEntry) throws(SpindleError) in try scaleArea(e) }
        t.basis = basis
        return t
    }

    /// The actions every run needs priced; tile types add their own (`TileType.actions`). Buffers need
    /// `sram.read.bytes` and `sram.write.bytes`, or an SRAM curve.
    public static let requiredActions: [String] =
        [Action.dramReadBits, .dramWriteBits, .nocRouterBits].map(\.name) + [Action.wirePriceName, Action.nopLinkBits.name]

    /// Energy per byte of a buffer of `capacity` bytes: log-log interpolation between the two nearest
    /// curve points (the end segments extend beyond the curve); equal for reads and writes.
    public func sramPerByte(capacity: Double) -> Double? {
        Self.logLog(sramCurve.map { (x: $0.capacityBytes, y: $0.perByte) }, at: capacity)
    }

    /// Log-log interpolation of `points` (sorted by x, distinct x) at `x`, the end segments extended; `nil`
    /// without points.
    static func logLog(_ points: [(x: Double, y: Double)], at x: Double) -> Double? {
        guard let first = points.first else { return nil }
        if points.count == 1 { return first.y }
        var i = 0
        while i < points.count - 2 && x > points[i + 1].x { i += 1 }
        let a = points[i], b = points[i + 1]
        let slope = log(b.y / a.y) / log(b.x / a.x)
        return a.y * exp(slope * log(x / a.x))
    }

    /// The actions of reading and writing a buffer bank of `bankBytes`: one fixed `sram` price, or, with an
    /// SRAM curve, a price per bank size.
    public func bufferActions(bankBytes: UInt64) -> (read: Action, write: Action) {
        let kib: UInt64? = sramCurve.isEmpty ? nil : bankBytes / 1_024
        return (.bufferRead(bankKiB: kib), .bufferWrite(bankKiB: kib))
    }

    /// Technology nodes used by the table, sorted; more than one means the profile mixes nodes.
    public var nodes: [Int] { Array(Set(actions.values.compactMap(\.nodeNm) + sramCurve.compactMap(\.nodeNm))).sorted() }

    /// Buffer area in square micrometres per byte at `capacity` bytes (log-log interpolation of the area
    /// curve, extended beyond its ends); `nil` without a curve.
    public func sramAreaPerByte(capacity: Double) -> Double? {
        Self.logLog(sramAreaCurve.compactMap { e in e.capacityBytes.map { (x: $0, y: e.areaUm2 / $0) } }, at: capacity)
    }
}
