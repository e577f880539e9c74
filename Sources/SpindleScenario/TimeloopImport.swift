import Foundation
import SpindleCore
import SpindleHardware

/// Turns a Timeloop v0.4 design (architecture, problem, optional mapping) and its Accelergy energy
/// reference table into Spindle files: a technology table, a one-chip topology whose tile is a loop-nest
/// tile with the design's storage levels, the problem as a one-layer model (a SCALE-Sim topology CSV) and a
/// scenario that runs it.
///
/// The outermost storage level becomes the chip's DRAM channel (its vector per cycle at the design's clock
/// is the channel's bandwidth); the levels below it become the tile's levels, with their instances, vectors,
/// capacities and bypasses; the compute units become the tile's MAC units. Every energy comes from the ERT
/// and names its component, action and estimator. A given mapping is used for the problem's shape; other
/// shapes (and the problem without a mapping) are mapped for `dataflow`.
public enum TimeloopImport {
    /// The files to write, by name, and what the import could not carry over.
    public struct Files: Sendable {
        public var files: [(name: String, text: String)]
        public var notes: [String]
    }

    /// The names the imported files take in the output folder; the Timeloop inputs are copied next to them
    /// under `timeloop/`.
    public static let technologyFile = "technology.yaml", topologyFile = "topology.yaml", scenarioFile = "scenario.yaml"
    public static let modelFile = "layer.csv"
    public static let copies = (architecture: "timeloop/arch.yaml", problem: "timeloop/problem.yaml", mapping: "timeloop/mapping.yaml")

    /// Where the imported energies come from.
    public enum Energies: Sendable {
        /// An Accelergy energy reference table (`ERT.yaml` or `ERT_summary.yaml`).
        case ert(String)
        /// A Spindle technology table: storage levels priced by its SRAM curve at their capacity, DRAM and
        /// the MACs by its actions.
        case technology(String)
    }

    /// One priced action of the written technology table.
    struct Entry {
        var name: String, pj: Double, per: String, width: Int?, node: String, source: String
    }

    public static func files(
        architecture archPath: String, problem problemPath: String, mapping mappingPath: String?, energies: Energies,
        dataflow: LoopNestDataflow, designConstraints: Bool = true, source: FileSource = FileSource()
    ) throws(SpindleError) -> Files {
        let layout = try TimeloopFiles.architecture(archPath, source: source)
        let arch = layout.architecture
        let problem = try TimeloopFiles.problem(problemPath, source: source)
        let shape = try TimeloopFiles.convolution(problem)
        var notes: [String] = []
        var keeps = layout.keeps(problem).map { k in
            ConvolutionShape.DataSpace.allCases.map { d in k[problem.dataSpaces.firstIndex { $0.name == d.name }!] }
        }
        if let mappingPath {
            let m = try TimeloopFiles.mapping(mappingPath, problem: problem, layout: layout, source: source)
            keeps = try TimeloopFiles.convolution(problem, mapping: m).mapping.keeps
        }
        guard arch.storage.count >= 2 else {
            throw SpindleError(
                .invalidValue, "'\(archPath)' has one storage level; Spindle needs DRAM and at least one level below it",
                hint: "Add a buffer between the memory and the compute units")
        }
        if let words = arch.storage[0].capacityWords {
            notes.append(
                "the outermost level '\(arch.storage[0].name)' (class \(layout.classes[0])) becomes the DRAM channel: its capacity (\(words) words) is not modelled"
            )
        }
        if !layout.parallelComponents.isEmpty {
            notes.append(
                "the !Parallel components " + layout.parallelComponents.joined(separator: ", ")
                    + " are consecutive levels, each counting only the data it keeps")
        }
        if !layout.unusedConstraints.isEmpty {
            notes.append("constraints not used: " + layout.unusedConstraints.joined(separator: ", "))
        }
        let names = ConvolutionShape.dimensionNames
        var spatial = [[LoopNestConstraints.Fanout]](repeating: [], count: arch.storage.count)
        var temporal = [[String]?](repeating: nil, count: arch.storage.count)
        if designConstraints {
            for f in layout.fanouts {
                guard let level = f.level, level > 0 else {
                    if f.dimensions != nil {
                        notes.append(
                            "a fan-out of \(f.size) above the first level below DRAM keeps the dataflow's split: its constraint is not used"
                        )
                    }
                    continue
                }
                spatial[level].append(.init(size: f.size, dimensions: f.dimensions?.compactMap { names.firstIndex(of: $0) }))
            }
            for (i, c) in layout.temporalConstraints.enumerated() where i > 0 {
                guard let c else { continue }
                // Timeloop's permutations run innermost first; Spindle's lists outermost first.
                let order = c.order.map { Array($0.reversed()) } ?? dataflow.loopOrder.map { names[$0] }
                temporal[i] = order.filter { names.contains($0) && !c.fixed.contains($0) }
            }
            if spatial.contains(where: { $0.contains { $0.dimensions != nil } }) || temporal.contains(where: { $0 != nil }) {
                notes.append("the design's loop constraints are kept: the \(dataflow.rawValue) dataflow decides only where they are silent")
            }
        } else if !layout.fanouts.filter({ $0.dimensions != nil }).isEmpty || layout.temporalConstraints.contains(where: { $0 != nil }) {
            notes.append("the design's loop constraints are dropped: the \(dataflow.rawValue) dataflow decides every loop")
        }
        // The tile's word is the MACs' operand; a level of another datawidth keeps its own.
        let wordBits = layout.computeBits ?? layout.wordBits[0] ?? 8
        if layout.computeBits == nil && layout.wordBits[0] == nil { notes.append("no datawidth is given: words are 8 bits") }
        let levelBits = arch.storage.indices.map { layout.wordBits[$0] ?? wordBits }
        for bits in [wordBits] + levelBits where bits % 8 != 0 || bits > 64 {
            throw SpindleError(.invalidValue, "a datawidth is \(bits) bits", expected: "whole bytes, at most 64 bits (8, 16, 24, 32)")
        }
        let dramWidth = layout.widthBits[0] ?? levelBits[0] * arch.storage[0].blockWords
        func base(_ path: String) -> String { (path as NSString).lastPathComponent }
        let stem = (base(archPath) as NSString).deletingPathExtension
        var header: String
        var entries: [Entry]
        switch energies {
        case .ert(let ertPath):
            header = "from the Accelergy energy reference table '\(base(ertPath))'"
            entries = try ertEntries(ertPath, layout: layout, wordBits: wordBits, dramWidth: dramWidth, notes: &notes, source: source)
        case .technology(let path):
            header = "from Spindle's technology table '\(base(path))'"
            entries = try tableEntries(path, layout: layout, wordBits: wordBits, levelBits: levelBits, notes: &notes, source: source)
        }
        var tech = """
            # Energies of the Timeloop design '\(base(archPath))' \(header).
            # Written by 'spindle import timeloop'. Storage levels are priced per vector access, DRAM per bit.
            name: \(stem)-energies
            description: \(quoted("energies of \(base(archPath)) " + header))
            actions:

            """
        var levels: [String] = []
        for (i, s) in arch.storage.enumerated().dropFirst() {
            let keep = ConvolutionShape.DataSpace.allCases.filter { keeps[i][$0.rawValue] }.map(\.name)
            var level = "      - name: \(s.name)\n        capacity: \(UInt64(s.capacityWords ?? 0) * UInt64(levelBits[i]) / 8) B\n"
            level += "        vector_words: \(s.blockWords)\n        instances: \(s.instances)\n"
            if keep.count < 3 { level += "        keeps: [\(keep.joined(separator: ", "))]\n" }
            if levelBits[i] != wordBits { level += "        word_bits: \(levelBits[i])\n" }
            if spatial[i].contains(where: { $0.dimensions != nil }) {
                level += "        spatial:\n"
                for f in spatial[i] {
                    level += "          - size: \(f.size)\n"
                    if let d = f.dimensions { level += "            dimensions: [\(d.map { names[$0] }.joined(separator: ", "))]\n" }
                }
            }
            if let t = temporal[i] { level += "        temporal: [\(t.joined(separator: ", "))]\n" }
            levels.append(level)
        }
        let nodeText = layout.technologyNm.map(String.init) ?? entries.first { $0.name == Action.mac(bits: wordBits).name }?.node ?? "none"
        let zero = "not in the Timeloop design, which has no network between its levels: 0 so the totals compare"
        let unused = "unused: loop-nest tiles price their storage levels instead of one buffer"
        entries += [
            Entry(name: Action.nocRouterBits.name, pj: 0, per: "bit", width: 1, node: nodeText, source: zero),
            Entry(name: Action.wirePriceName, pj: 0, per: "bit x mm", width: 1, node: nodeText, source: zero),
            Entry(name: Action.nopLinkBits.name, pj: 0, per: "bit", width: 1, node: nodeText, source: zero + " (one chip)"),
            Entry(name: Action.bufferRead(bankKiB: nil).name, pj: 0, per: "byte", width: 8, node: nodeText, source: unused),
            Entry(name: Action.bufferWrite(bankKiB: nil).name, pj: 0, per: "byte", width: 8, node: nodeText, source: unused),
        ]
        for e in entries {
            tech += "  - name: \(e.name)\n    energy: \(format(e.pj)) pJ\n    per: \(quoted(e.per))\n"
            if let w = e.width { tech += "    width_bits: \(w)\n" }
            tech += "    node_nm: \(e.node)\n    source: \(quoted(e.source))\n"
        }

        // The topology.
        let cycle = layout.cycleSeconds ?? 1e-9
        if layout.cycleSeconds == nil { notes.append("no global_cycle_seconds: the clock is 1 GHz") }
        let clockGHz = 1e-9 / cycle
        let bytesPerCycle = Double(dramWidth) / 8
        let bandwidth = bytesPerCycle * clockGHz
        notes.append(
            "DRAM moves one \(dramWidth)-bit vector per cycle (\(format(bandwidth)) GB/s); the run loads a layer's data, computes, then writes back"
        )
        let tileName = "pe_array"
        var topology = """
            # The Timeloop design '\(base(archPath))' as a Spindle topology, written by 'spindle import timeloop'.
            # '\(arch.storage[0].name)' is the DRAM channel; the levels below it are the tile's storage hierarchy.
            name: \(stem)
            technology: \(technologyFile)
            chips: 1
            noc:
              topology: mesh
              width: 2
              height: 1
              router_latency: 0 ns
              link_latency: 0 ns
              link_bandwidth: \(format(bandwidth)) GB/s
              packet_size: \(max(Int(bytesPerCycle), 1) * 16) B
              flit_size: \(max(Int(bytesPerCycle), 1)) B
            control_latency: 0 ns
            tile_types:
              \(tileName):
                kind: loop-nest
                clock: \(format(clockGHz)) GHz
                macs_per_cycle: \(arch.computeInstances)
                word_bits: \(wordBits)
                dataflow: \(dataflow.rawValue)
                levels:

            """
        topology += levels.joined()
        if mappingPath != nil {
            topology += "    timeloop_mapping:\n      architecture: \(copies.architecture)\n      problem: \(copies.problem)\n"
            topology += "      mapping: \(copies.mapping)\n"
        }
        topology += """
            tiles:
              - type: \(tileName)
                at: [[1, 0]]
            dram:
              - at: [0, 0]
                bandwidth: \(format(bandwidth)) GB/s
                latency: 0 ns

            """

        // The model and the scenario.
        typealias D = ConvolutionShape
        let b = shape.bounds
        let inWidth: Int = (b[D.p] - 1) * shape.strideWidth + (b[D.r] - 1) * shape.dilationWidth + 1
        let inHeight: Int = (b[D.q] - 1) * shape.strideHeight + (b[D.s] - 1) * shape.dilationHeight + 1
        guard shape.dilationWidth == 1, shape.dilationHeight == 1 else {
            throw SpindleError(
                .invalidValue, "the problem's filters are dilated (\(shape.dilationHeight) x \(shape.dilationWidth))",
                expected: "undilated filters: the one-layer model is a SCALE-Sim CSV, which has no dilation")
        }
        let layerName = problem.name.replacingOccurrences(of: ",", with: " ")
        let csv = """
            Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Stride Height, Stride Width,
            \(layerName), \(inHeight), \(inWidth), \(b[D.s]), \(b[D.r]), \(b[D.c]), \(b[D.m]), \(shape.strideHeight), \(shape.strideWidth),

            """
        let scenario = """
            # The Timeloop problem '\(base(problemPath))' on the design '\(base(archPath))', written by 'spindle import timeloop'.
            name: \(stem)-\(layerName.lowercased().replacingOccurrences(of: " ", with: "-"))
            topology: \(topologyFile)
            model: \(modelFile)
            bits: \(levelBits[0])
            batch: \(b[D.n])

            """
        return Files(
            files: [
                (technologyFile, tech), (topologyFile, topology), (modelFile, csv), (scenarioFile, scenario),
            ], notes: notes)
    }

    /// DRAM, MAC and storage prices from an Accelergy ERT, each naming its component, action and estimator.
    static func ertEntries(
        _ ertPath: String, layout: TimeloopFiles.Layout, wordBits: Int, dramWidth: Int, notes: inout [String], source: FileSource
    ) throws(SpindleError) -> [Entry] {
        let arch = layout.architecture
        let tables = try TimeloopFiles.energyTables(ertPath, source: source)
        let ertName = (ertPath as NSString).lastPathComponent
        func table(_ name: String) throws(SpindleError) -> TimeloopFiles.EnergyTable {
            guard let t = tables[name] else {
                throw SpindleError(.missingKey, "'\(ertPath)' has no table for '\(name)'", choices: tables.keys.sorted())
            }
            return t
        }
        func origin(_ t: TimeloopFiles.EnergyTable, _ action: String) -> String {
            "Accelergy ERT \(ertName): \(t.fullName) \(action)" + (t.estimator.map { " (estimator \($0))" } ?? "")
        }
        let node = layout.technologyNm.map(String.init) ?? "none"
        if layout.technologyNm == nil { notes.append("the architecture names no technology node: node_nm is 'none'") }
        var out: [Entry] = []
        let dram = try table(arch.storage[0].name)
        for (name, action) in [(Action.dramReadBits.name, "read"), (Action.dramWriteBits.name, "write")] {
            let pj = dram.actions[action] ?? dram.actions["read"] ?? 0
            out.append(
                Entry(
                    name: name, pj: pj / Double(dramWidth), per: "bit", width: 1, node: "off-chip",
                    source: origin(dram, action) + " [INF: \(format(pj)) pJ per \(dramWidth)-bit access / \(dramWidth)]"))
        }
        let compute = try table(arch.computeName)
        let macPJ = compute.actions["compute"] ?? compute.actions["mac_random"] ?? compute.actions["mac"] ?? 0
        out.append(
            Entry(
                name: Action.mac(bits: wordBits).name, pj: macPJ, per: "op(\(wordBits) b)", width: wordBits, node: node,
                source: origin(compute, "compute")))
        for (i, s) in arch.storage.enumerated().dropFirst() {
            let t = try table(s.name)
            let width = layout.widthBits[i] ?? (layout.wordBits[i] ?? wordBits) * s.blockWords
            for access in StorageAccess.allCases {
                let key =
                    access == .write
                    ? (t.actions["write"] != nil ? "write" : "read")
                    : access == .update ? (t.actions["update"] != nil ? "update" : "write") : access.rawValue
                if t.actions[key] == nil && access != .leak {
                    notes.append("\(s.name) has no '\(access.rawValue)' energy in the ERT: priced 0")
                }
                out.append(
                    Entry(
                        name: Action.storage(level: s.name, access).name, pj: t.actions[key] ?? 0,
                        per: access == .leak ? "instance x cycle" : "\(width)-bit vector access", width: access == .leak ? nil : width,
                        node: node, source: origin(t, key) + (key != access.rawValue ? " [INF: the \(key) energy]" : "")))
            }
        }
        return out
    }

    /// DRAM, MAC and storage prices from a Spindle technology table: DRAM as it prices it, the MACs by
    /// `mac.int<bits>` (or `mac.int8` times the square of the width ratio), every storage level by the SRAM
    /// curve at its capacity (or the table's `sram` price) times its vector's bytes; no leakage.
    static func tableEntries(
        _ path: String, layout: TimeloopFiles.Layout, wordBits: Int, levelBits: [Int], notes: inout [String], source: FileSource
    ) throws(SpindleError) -> [Entry] {
        let tech = try TechnologyLoader.load(path, source: source)
        let arch = layout.architecture
        let name = (path as NSString).lastPathComponent
        notes.append("no Accelergy ERT: energies from Spindle's '\(tech.name)' table (\(name)), storage levels by its SRAM curve")
        func node(_ n: Int?) -> String { n.map(String.init) ?? "none" }
        var out: [Entry] = []
        for action in [Action.dramReadBits, .dramWriteBits] {
            guard let a = tech.actions[action.name] else {
                throw SpindleError(.missingKey, "'\(path)' does not price \(action.name)", hint: "Give an Accelergy ERT with --ert")
            }
            out.append(
                Entry(name: a.name, pj: a.energyPJ, per: a.per, width: a.widthBits, node: "off-chip", source: "\(tech.name): " + a.source))
        }
        let mac = Action.mac(bits: wordBits).name
        if let a = tech.actions[mac] {
            out.append(
                Entry(name: mac, pj: a.energyPJ, per: a.per, width: a.widthBits, node: node(a.nodeNm), source: "\(tech.name): " + a.source))
        } else if let a = tech.actions[Action.macInt8.name] {
            let f = pow(Double(wordBits) / 8, 2)
            out.append(
                Entry(
                    name: mac, pj: a.energyPJ * f, per: "op(\(wordBits) b)", width: wordBits, node: node(a.nodeNm),
                    source: "\(tech.name): " + a.source + " [INF: x\(format(f)), a multiplier's energy grows with the square of its width]")
            )
        } else {
            throw SpindleError(.missingKey, "'\(path)' prices neither \(mac) nor mac.int8", hint: "Give an Accelergy ERT with --ert")
        }
        for (i, s) in arch.storage.enumerated().dropFirst() {
            let bytes = Double(s.capacityWords ?? 0) * Double(levelBits[i]) / 8
            let vectorBytes = Double(s.blockWords * levelBits[i]) / 8
            let perByte: Double, origin: String, nodeNm: Int?
            if let p = tech.sramPerByte(capacity: bytes) {
                perByte = p
                origin =
                    "\(tech.name) SRAM curve (" + tech.sramCurve.map(\.source).joined(separator: "; ")
                    + ") [INF: log-log at \(Units.formatBytes(UInt64(bytes))) per instance, x \(format(vectorBytes)) B per vector]"
                nodeNm = tech.sramCurve.first?.nodeNm
            } else if let a = tech.actions[Action.bufferRead(bankKiB: nil).name] {
                perByte = a.energyPJ
                origin = "\(tech.name): " + a.source + " [INF: x \(format(vectorBytes)) B per vector]"
                nodeNm = a.nodeNm
            } else {
                throw SpindleError(
                    .missingKey, "'\(path)' prices no SRAM (sram_curve or sram.read.bytes)", hint: "Give an Accelergy ERT with --ert")
            }
            for access in StorageAccess.allCases {
                let leak = access == .leak
                out.append(
                    Entry(
                        name: Action.storage(level: s.name, access).name, pj: leak ? 0 : perByte * vectorBytes,
                        per: leak ? "instance x cycle" : "\(s.blockWords * levelBits[i])-bit vector access",
                        width: leak ? nil : s.blockWords * levelBits[i], node: node(nodeNm),
                        source: leak ? "not in \(name): leakage is left out" : origin))
            }
        }
        return out
    }

    static func format(_ x: Double) -> String {
        if x == x.rounded() && abs(x) < 1e15 { return String(Int64(x)) }
        return String(format: "%.9g", x)
    }

    static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
