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

    public static func files(
        architecture archPath: String, problem problemPath: String, mapping mappingPath: String?, ert ertPath: String,
        dataflow: LoopNestDataflow, source: FileSource = FileSource()
    ) throws(SpindleError) -> Files {
        let layout = try TimeloopFiles.architecture(archPath, source: source)
        let arch = layout.architecture
        let problem = try TimeloopFiles.problem(problemPath, source: source)
        let shape = try TimeloopFiles.convolution(problem)
        var notes: [String] = []
        var keeps = [[Bool]](repeating: [true, true, true], count: arch.storage.count)
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
        let words = Set(layout.wordBits.compactMap { $0 } + [layout.computeBits].compactMap { $0 })
        guard words.count <= 1 else {
            throw SpindleError(
                .invalidValue, "the levels' datawidths differ (\(words.sorted().map(String.init).joined(separator: ", ")) bits)",
                expected: "one datawidth: a loop-nest tile keeps one word size in every level")
        }
        let wordBits = words.first ?? 8
        if words.isEmpty { notes.append("no level gives a datawidth: words are 8 bits") }
        guard [8, 16, 32].contains(wordBits) || wordBits % 8 == 0 else {
            throw SpindleError(.invalidValue, "the datawidth is \(wordBits) bits", expected: "whole bytes (8, 16, 32)")
        }
        let tables = try TimeloopFiles.energyTables(ertPath, source: source)
        let ertName = (ertPath as NSString).lastPathComponent
        func table(_ name: String) throws(SpindleError) -> TimeloopFiles.EnergyTable {
            guard let t = tables[name] else {
                throw SpindleError(.missingKey, "'\(ertPath)' has no table for '\(name)'", choices: tables.keys.sorted())
            }
            return t
        }
        func base(_ path: String) -> String { (path as NSString).lastPathComponent }
        let nodeText = layout.technologyNm.map(String.init) ?? "none"
        if layout.technologyNm == nil { notes.append("the architecture names no technology node: node_nm is 'none'") }
        func origin(_ t: TimeloopFiles.EnergyTable, _ action: String) -> String {
            "Accelergy ERT \(ertName): \(t.fullName) \(action)" + (t.estimator.map { " (estimator \($0))" } ?? "")
        }
        func entry(_ name: String, _ pj: Double, per: String, width: Int?, node: String, source: String) -> String {
            var s = "  - name: \(name)\n    energy: \(format(pj)) pJ\n    per: \(quoted(per))\n"
            if let width { s += "    width_bits: \(width)\n" }
            return s + "    node_nm: \(node)\n    source: \(quoted(source))\n"
        }
        // The technology table.
        let stem = ((archPath as NSString).lastPathComponent as NSString).deletingPathExtension
        let dramName = arch.storage[0].name
        let dram = try table(dramName)
        let dramWidth = layout.widthBits[0] ?? wordBits * arch.storage[0].blockWords
        var tech = """
            # Energies of the Timeloop design '\(base(archPath))' from the Accelergy energy reference table '\(base(ertPath))'.
            # Written by 'spindle import timeloop'. Storage levels are priced per vector access, as the ERT gives them;
            # DRAM per bit (one \(dramWidth)-bit access divided by its width).
            name: \(stem)-accelergy
            description: \(quoted("Accelergy ERT of \((archPath as NSString).lastPathComponent)"))
            actions:

            """
        for (name, action) in [(Action.dramReadBits.name, "read"), (Action.dramWriteBits.name, "write")] {
            let pj = dram.actions[action] ?? dram.actions["read"] ?? 0
            tech += entry(
                name, pj / Double(dramWidth), per: "bit", width: 1, node: "off-chip",
                source: origin(dram, action) + " [INF: \(format(pj)) pJ per \(dramWidth)-bit access / \(dramWidth)]")
        }
        let compute = try table(arch.computeName)
        let macPJ = compute.actions["compute"] ?? compute.actions["mac_random"] ?? compute.actions["mac"] ?? 0
        tech += entry(
            Action.mac(bits: wordBits).name, macPJ, per: "op(\(wordBits) b)", width: wordBits, node: nodeText,
            source: origin(compute, "compute"))
        var levels: [String] = []
        for (i, s) in arch.storage.enumerated().dropFirst() {
            let t = try table(s.name)
            let width = layout.widthBits[i] ?? wordBits * s.blockWords
            for access in StorageAccess.allCases {
                let key =
                    access == .write
                    ? (t.actions["write"] != nil ? "write" : "read")
                    : access == .update ? (t.actions["update"] != nil ? "update" : "write") : access.rawValue
                let pj = t.actions[key] ?? 0
                if t.actions[key] == nil && access != .leak {
                    notes.append("\(s.name) has no '\(access.rawValue)' energy in the ERT: priced 0")
                }
                tech += entry(
                    Action.storage(level: s.name, access).name, pj,
                    per: access == .leak ? "instance x cycle" : "\(width)-bit vector access",
                    width: access == .leak ? nil : width, node: nodeText,
                    source: origin(t, key) + (key != access.rawValue ? " [INF: the \(key) energy]" : ""))
            }
            let keep = ConvolutionShape.DataSpace.allCases.filter { keeps[i][$0.rawValue] }.map(\.name)
            var level = "      - name: \(s.name)\n        capacity: \(UInt64(s.capacityWords ?? 0) * UInt64(wordBits) / 8) B\n"
            level += "        vector_words: \(s.blockWords)\n        instances: \(s.instances)\n"
            if keep.count < 3 { level += "        keeps: [\(keep.joined(separator: ", "))]\n" }
            levels.append(level)
        }
        let zero = "not in the Timeloop design, which has no network between its levels: 0 so the totals compare"
        tech += entry(Action.nocRouterBits.name, 0, per: "bit", width: 1, node: nodeText, source: zero)
        tech += entry(Action.wirePriceName, 0, per: "bit x mm", width: 1, node: nodeText, source: zero)
        tech += entry(Action.nopLinkBits.name, 0, per: "bit", width: 1, node: nodeText, source: zero + " (one chip)")
        let unused = "unused: loop-nest tiles price their storage levels instead of one buffer"
        tech += entry(Action.bufferRead(bankKiB: nil).name, 0, per: "byte", width: 8, node: nodeText, source: unused)
        tech += entry(Action.bufferWrite(bankKiB: nil).name, 0, per: "byte", width: 8, node: nodeText, source: unused)

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
            # '\(dramName)' is the DRAM channel; the levels below it are the tile's storage hierarchy.
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
            bits: \(wordBits)
            batch: \(b[D.n])

            """
        return Files(
            files: [
                (technologyFile, tech), (topologyFile, topology), (modelFile, csv), (scenarioFile, scenario),
            ], notes: notes)
    }

    static func format(_ x: Double) -> String {
        if x == x.rounded() && abs(x) < 1e15 { return String(Int64(x)) }
        return String(format: "%.9g", x)
    }

    static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
