import SpindleCore
import SpindleHardware

extension TopologyLoader {
    /// A loop-nest tile: `clock`, `macs_per_cycle` (the MAC units), `word_bits`, `dataflow`, and `levels`
    /// below DRAM, outermost first, each with `name`, `capacity` (per instance), `vector_words`, `instances`,
    /// `keeps` and `word_bits` (when it differs from the tile's); optionally `timeloop_mapping` (`architecture`, `problem`, `mapping` files) for jobs of
    /// exactly that problem's shape. A level's `spatial` (fan-outs below it, each `size` and `dimensions`)
    /// and `temporal` (the dimensions it may loop over, outermost first) constrain the mapper.
    static func loopNestTile(_ key: String, _ node: YAMLValue, path: String, source: FileSource) throws(SpindleError) -> TileType {
        let t = try node.mapping(
            allowed: ["kind", "clock", "macs_per_cycle", "word_bits", "dataflow", "levels", "timeloop_mapping"],
            required: ["kind", "clock", "macs_per_cycle", "word_bits", "dataflow", "levels"])
        let macs = try t.required("macs_per_cycle").int(in: 1...(1 << 20))
        let wordBits = try t.required("word_bits").int(in: 1...64)
        let flow = LoopNestDataflow(rawValue: try t.required("dataflow").choice(LoopNestDataflow.allCases.map(\.rawValue)))!
        let spaces = ConvolutionShape.DataSpace.allCases.map(\.name)
        var levels: [StorageHierarchy.Level] = []
        let levelsNode = try t.required("levels")
        for item in try levelsNode.list() {
            let m = try item.mapping(
                allowed: ["name", "capacity", "vector_words", "instances", "keeps", "word_bits", "spatial", "temporal"],
                required: ["name", "capacity"])
            let nameNode = try m.required("name")
            let name = try nameNode.name()
            guard name != "DRAM", !levels.contains(where: { $0.name == name }) else {
                throw nameNode.error("the level name '\(name)' is used twice (DRAM names the channel above the levels)")
            }
            let capacityNode = try m.required("capacity")
            let bytes = try capacityNode.bytes(in: 1...(1 << 40))
            let levelBits = try m["word_bits"]?.int(in: 1...64)
            let words = bytes * 8 / UInt64(levelBits ?? wordBits)
            guard words >= 1 else { throw capacityNode.error("\(bytes) B holds no \(levelBits ?? wordBits)-bit word") }
            let instances = try m["instances"]?.int(in: 1...(1 << 20)) ?? 1
            var keeps = [true, true, true]
            if let k = m["keeps"] {
                let kept = try k.list().map { v throws(SpindleError) in try v.choice(spaces) }
                keeps = spaces.map { kept.contains($0) }
            }
            if let above = levels.last, instances % above.instances != 0 {
                throw (m["instances"] ?? item).error(
                    "level '\(name)' has \(instances) instances, not a multiple of the \(above.instances) of '\(above.name)' above it")
            }
            var level = StorageHierarchy.Level(
                name: name, instances: instances, blockWords: try m["vector_words"]?.int(in: 1...65_536) ?? 1,
                capacityWords: Int(min(words, UInt64(Int.max))), keeps: keeps)
            level.wordBits = levelBits
            level.constraints = try constraints(m)
            levels.append(level)
        }
        // Each level's fan-outs multiply to the instances below it.
        for (i, level) in levels.enumerated() where !level.constraints.fanouts.isEmpty {
            let below = i + 1 < levels.count ? levels[i + 1].instances : macs
            let product = level.constraints.fanouts.reduce(1) { $0 * $1.size }
            guard product * level.instances == below else {
                throw try levelsNode.list()[i].error(
                    "the fan-outs below '\(level.name)' multiply to \(product), but \(level.instances) instance(s) feed \(below) below it",
                    expected: "spatial sizes whose product is \(below / max(level.instances, 1))")
            }
        }
        guard let innermost = levels.last else { throw levelsNode.error("a loop-nest tile needs at least one storage level") }
        guard macs % innermost.instances == 0 else {
            throw try t.required("macs_per_cycle").error(
                "\(macs) MAC units do not divide among the \(innermost.instances) instances of '\(innermost.name)'")
        }
        var h = StorageHierarchy(levels: levels, macUnits: macs, wordBits: wordBits, dataflow: flow)
        if let f = t["timeloop_mapping"] {
            let m = try f.mapping(allowed: ["architecture", "problem", "mapping"], required: ["architecture", "problem", "mapping"])
            func file(_ k: String) throws(SpindleError) -> String {
                let v = try m.required(k)
                let p = source.resolve(try v.string(), from: path)
                guard source.exists(p) else {
                    throw SpindleError(.fileNotFound, "the Timeloop \(k) '\(p)' named here does not exist", at: v.location)
                }
                return p
            }
            let layout = try TimeloopFiles.architecture(try file("architecture"), source: source)
            let names = layout.architecture.storage.dropFirst().map(\.name)
            guard names == levels.map(\.name) else {
                throw f.error(
                    "the Timeloop architecture's levels below its outermost are \(names.joined(separator: ", ")), the tile's are "
                        + levels.map(\.name).joined(separator: ", "), expected: "the same levels in the same order")
            }
            let problem = try TimeloopFiles.problem(try file("problem"), source: source)
            let mapping = try TimeloopFiles.mapping(try file("mapping"), problem: problem, layout: layout, source: source)
            do {
                h.fixed = [try TimeloopFiles.convolution(problem, mapping: mapping)]
            } catch {
                throw SpindleError(
                    error.kind, error.message, at: f.location, expected: error.expected, choices: error.choices, hint: error.hint)
            }
        }
        var type = TileType(
            name: key, kind: .loopNest, macsPerCycle: macs, clockGHz: try t.required("clock").quantity(.frequency),
            bufferBytes: UInt64(levels[0].capacityWords * levels[0].instances) * UInt64(wordBits) / 8)
        type.hierarchy = h
        return type
    }
}

extension TopologyLoader {
    /// A level's `spatial` and `temporal` constraints, dimensions named as Timeloop's CNN layer (`K` for `M`).
    static func constraints(_ m: YAMLMapping) throws(SpindleError) -> LoopNestConstraints {
        let names = ConvolutionShape.dimensionNames
        func dimensions(_ v: YAMLValue) throws(SpindleError) -> [Int] {
            var out: [Int] = []
            for item in try v.list() {
                let name = try item.string()
                guard let d = names.firstIndex(of: name) ?? ConvolutionShape.aliases[name], !out.contains(d) else {
                    throw item.error("'\(name)' is not a convolution dimension, or repeats", choices: names)
                }
                out.append(d)
            }
            return out
        }
        var c = LoopNestConstraints()
        for item in try m["spatial"]?.list() ?? [] {
            let f = try item.mapping(allowed: ["size", "dimensions"], required: ["size"])
            c.fanouts.append(
                .init(
                    size: try f.required("size").int(in: 1...(1 << 20)),
                    dimensions: try f["dimensions"].map { v throws(SpindleError) in try dimensions(v) }))
        }
        if let t = m["temporal"] { c.temporal = try dimensions(t) }
        return c
    }
}
