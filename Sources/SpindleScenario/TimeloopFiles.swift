import Foundation
import SpindleCore
import SpindleHardware
import Yams

/// Reads Timeloop v0.4 descriptions (architecture, problem, mapping) and Accelergy energy reference tables
/// into a `LoopNestProblem`, `LoopNestArchitecture` and `LoopNestMapping`.
///
/// Architecture: `architecture: {version: 0.4, nodes: [...]}`, a list of `!Container` and `!Component`
/// nodes in which a container's `spatial: {meshX, meshY}` multiplies the instances of every node after it.
/// The last component is the compute unit (a class naming a MAC); the others are storage levels, outermost
/// first, whose vector is `width / datawidth` words (or `block_size`) and whose capacity is `depth` vectors
/// (unbounded for the `DRAM` class). Mapping: `temporal` factors and `permutation` (innermost dimension first,
/// as Timeloop writes it) per storage level, `spatial` factors per container (the fan-out below the storage
/// level above it) or storage level, and `dataspace` (or `bypass`) entries with `keep` and `bypass` lists.
/// Problem: `problem: {shape: {dimensions, coefficients, data_spaces: [{name, projection, read_write}]},
/// instance: {...}}` with projections as lists of axes, each a list of `[dimension]` or
/// `[dimension, coefficient]` terms (either order).
public enum TimeloopFiles {
    /// An architecture as read, with where its containers sit: a container's spatial mapping fans out below
    /// the storage level above it.
    public struct Layout: Sendable {
        public var architecture: LoopNestArchitecture
        /// Each container's name and the storage level above it (nil: above every storage level).
        public var containers: [String: Int?]
        /// Per storage level: its class, `datawidth` and `width` (bits) as written.
        public var classes: [String] = []
        public var wordBits: [Int?] = []
        public var widthBits: [Int?] = []
        /// The compute unit's `datawidth` or `width`, and the clock period and technology node if any node
        /// gives `global_cycle_seconds` or `technology`.
        public var computeBits: Int?
        public var cycleSeconds: Double?
        public var technologyNm: Int?
        /// Per storage level, the data spaces its `constraints: {dataspace: {keep, bypass}}` keep (true) or
        /// bypass (false), `*` standing for the others (bypassed when only `keep` is given); a mapping's own
        /// entries override them.
        public var dataspaceConstraints: [[String: Bool]] = []
        /// Components that came from `!Parallel` nodes (read as consecutive levels), and constraints not used.
        public var parallelComponents: [String] = []
        public var unusedConstraints: [String] = []
        /// A container's fan-out: the storage level above it (nil: none), its instances, and the dimensions
        /// its spatial constraints let it split, in the permutation's order (nil: unconstrained).
        public struct Fanout: Sendable {
            public var level: Int?
            public var size: Int
            public var dimensions: [String]?
        }
        public var fanouts: [Fanout] = []
        /// Per storage level, the temporal constraints: the permutation (innermost first, as written, when
        /// given) and the dimensions fixed to a factor of 1.
        public var temporalConstraints: [(order: [String]?, fixed: Set<String>)?] = []
    }

    // MARK: problem

    /// Instance keys Timeloop's layer files write for information (input size, padding, sparsity) and
    /// that no projection uses.
    static let informationalInstanceKeys: Set<String> = ["densities", "H", "W", "Hpad", "Wpad"]

    public static func problem(_ path: String, source: FileSource = FileSource()) throws(SpindleError) -> LoopNestProblem {
        let root = try source.load(path).anyMapping()
        let problem = try root.required("problem").anyMapping()
        let shape = try problem.required("shape").anyMapping()
        let dimensions = try shape.required("dimensions").list().map { v throws(SpindleError) in try v.string() }
        guard !dimensions.isEmpty, Set(dimensions).count == dimensions.count else {
            throw try shape.required("dimensions").error("the dimensions must be distinct names", expected: "[C, M, R, S, N, P, Q]")
        }
        var coefficients: [String: Int] = [:]
        for c in try shape["coefficients"]?.list() ?? [] {
            let m = try c.mapping(allowed: ["name", "default"], required: ["name"])
            coefficients[try m.required("name").string()] = try m["default"]?.int(in: 0...(1 << 20)) ?? 1
        }
        let instance = try problem.required("instance").anyMapping()
        var bounds = [Int](repeating: 1, count: dimensions.count)
        for key in instance.keys {
            let value = try instance.required(key)
            if let d = dimensions.firstIndex(of: key) {
                bounds[d] = try value.int(in: 1...(1 << 24))
            } else if coefficients[key] != nil {
                coefficients[key] = try value.int(in: 0...(1 << 20))
            } else if !Self.informationalInstanceKeys.contains(key) {
                throw value.error(
                    "'\(key)' is neither a dimension nor a coefficient of the shape", choices: dimensions + coefficients.keys.sorted())
            }
        }
        var spaces: [LoopNestProblem.DataSpace] = []
        for s in try shape.required("data_spaces").list() {
            let m = try s.mapping(allowed: ["name", "projection", "read_write"], required: ["name", "projection"])
            var axes: [[LoopNestProblem.Term]] = []
            for axis in try m.required("projection").list() {
                var terms: [LoopNestProblem.Term] = []
                for term in try axis.list() {
                    // Timeloop writes [DIMENSION, COEFFICIENT]; [COEFFICIENT, DIMENSION] is read too.
                    let words = try term.list().map { v throws(SpindleError) in try v.string() }
                    guard (1...2).contains(words.count), let at = words.firstIndex(where: { dimensions.contains($0) }) else {
                        throw term.error("a projection term is [DIMENSION] or [DIMENSION, COEFFICIENT]", choices: dimensions)
                    }
                    var coefficient = 1
                    if words.count == 2 {
                        let name = words[1 - at]
                        guard let c = coefficients[name] ?? Int(name) else {
                            throw term.error("'\(name)' is not a coefficient of the shape", choices: coefficients.keys.sorted())
                        }
                        coefficient = c
                    }
                    terms.append(LoopNestProblem.Term(coefficient: coefficient, dimension: dimensions.firstIndex(of: words[at])!))
                }
                axes.append(terms)
            }
            var readWrite = false
            if let rw = m["read_write"] {
                // Timeloop's files write True and False.
                guard let b = ["true": true, "false": false][try rw.string().lowercased()] else {
                    throw rw.error("'read_write' is '\(try rw.string())'", expected: "true or false")
                }
                readWrite = b
            }
            spaces.append(LoopNestProblem.DataSpace(name: try m.required("name").name(), axes: axes, readWrite: readWrite))
        }
        return LoopNestProblem(
            name: try shape["name"]?.string() ?? "problem", dimensions: dimensions, bounds: bounds, dataSpaces: spaces)
    }

    // MARK: architecture

    public static func architecture(_ path: String, source: FileSource = FileSource()) throws(SpindleError) -> Layout {
        let root = try source.load(path).anyMapping()
        let arch = try root.required("architecture").anyMapping()
        guard let nodes = try arch["nodes"]?.list() else {
            throw try root.required("architecture").error(
                "only Timeloop v0.4 architectures (a 'nodes' list of !Container and !Component) are read",
                hint: "Older 'subtree' descriptions can be converted with timeloopfe")
        }
        var fanout = 1
        var storage: [LoopNestArchitecture.Storage] = []
        var containers: [String: Int?] = [:]
        var compute: (name: String, instances: Int)?
        var extra = Layout(architecture: LoopNestArchitecture(name: "", storage: [], computeName: "", computeInstances: 1), containers: [:])
        // A !Parallel node's components sit side by side, each keeping its own data spaces: they are read as
        // consecutive levels (a level only counts the data spaces it keeps). !Nothing nodes hold nothing.
        var flat: [YAMLValue] = []
        for node in nodes {
            switch node.tag {
            case "!Parallel":
                let inner = try node.anyMapping().required("nodes").list()
                for n in inner where n.tag != "!Nothing" {
                    guard n.tag == "!Component" else {
                        throw n.error("a node tagged '\(n.tag ?? "(none)")' inside !Parallel", expected: "!Component or !Nothing")
                    }
                    extra.parallelComponents.append(try n.anyMapping().required("name").name())
                    flat.append(n)
                }
            case "!Nothing": continue
            default: flat.append(node)
            }
        }
        for node in flat {
            let tag = node.tag
            let m = try node.anyMapping()
            let name = try m.required("name").name()
            if let a = try m["attributes"]?.anyMapping() {
                if let c = a["global_cycle_seconds"] { extra.cycleSeconds = try c.double(in: 1e-15...1) }
                if let t = a["technology"] {
                    let text = try t.string().lowercased().replacingOccurrences(of: "nm", with: "").trimmingCharacters(in: .whitespaces)
                    guard let nm = Int(text), (1...1000).contains(nm) else {
                        throw t.error("technology '\(try t.string())' is not a node", expected: "a node such as 40nm")
                    }
                    extra.technologyNm = nm
                }
            }
            let constraints = try m["constraints"]?.anyMapping()
            if let s = m["spatial"] {
                let spatial = try s.mapping(allowed: ["meshX", "meshY"])
                let size = try (spatial["meshX"]?.int(in: 1...(1 << 16)) ?? 1) * (spatial["meshY"]?.int(in: 1...(1 << 16)) ?? 1)
                fanout *= size
                if size > 1 {
                    let allowed = try constraints?["spatial"].map { v throws(SpindleError) in try Self.loopConstraint(v) }
                    extra.fanouts.append(
                        Layout.Fanout(
                            level: storage.isEmpty ? nil : storage.count - 1, size: size,
                            dimensions: allowed.map { c in (c.order ?? ConvolutionShape.dimensionNames).filter { !c.fixed.contains($0) } }))
                }
                guard fanout <= 1 << 24 else {
                    throw s.error("the instances multiply to \(fanout)", expected: "at most \(1 << 24) instances")
                }
            }
            switch tag {
            case "!Container":
                containers[name] = storage.isEmpty ? nil : storage.count - 1
            case "!Component":
                guard compute == nil else {
                    throw node.error("'\(name)' follows the compute unit '\(compute!.name)'", expected: "the compute unit last")
                }
                let cls = try m["class"]?.string() ?? ""
                let attributes = try m["attributes"]?.anyMapping()
                func attribute(_ key: String) throws(SpindleError) -> Int? { try attributes?[key]?.int(in: 1...(1 << 40)) }
                if cls.lowercased().contains("mac") || cls.lowercased() == "compute" {
                    compute = (name, fanout)
                    let multiplier = try attribute("multiplier_width"), bits = try attribute("datawidth"), width = try attribute("width")
                    extra.computeBits = multiplier ?? bits ?? width
                    continue
                }
                let width = try attribute("width"), datawidth = try attribute("datawidth")
                var constraint: [String: Bool] = [:]
                extra.temporalConstraints.append(try constraints?["temporal"].map { v throws(SpindleError) in try Self.loopConstraint(v) })
                if let c = constraints {
                    if let d = try c["dataspace"]?.anyMapping() {
                        for (key, value) in [("keep", true), ("bypass", false)] {
                            for v in try d[key]?.list() ?? [] { constraint[try v.string()] = value }
                        }
                        // A keep list alone keeps only what it lists (the components of a !Parallel node each
                        // keep their own data).
                        if d["keep"] != nil && d["bypass"] == nil { constraint["*"] = false }
                    }
                    for key in c.keys where !["dataspace", "temporal", "spatial"].contains(key) {
                        extra.unusedConstraints.append("\(name) (\(key))")
                    }
                }
                extra.dataspaceConstraints.append(constraint)
                extra.classes.append(cls)
                extra.wordBits.append(datawidth)
                extra.widthBits.append(width)
                let block = try attribute("block_size") ?? (width != nil && datawidth != nil ? max(width! / datawidth!, 1) : 1)
                let depth = try attribute("depth")
                storage.append(
                    LoopNestArchitecture.Storage(
                        name: name, instances: fanout, blockWords: block,
                        capacityWords: cls.uppercased() == "DRAM" ? nil : depth.map { $0 * block }))
            default:
                throw node.error("a node tagged '\(tag ?? "(none)")'", expected: "!Container, !Component, !Parallel or !Nothing")
            }
        }
        guard let compute, !storage.isEmpty else {
            throw try root.required("architecture").error(
                "the architecture needs storage levels and a compute unit last", expected: "a component whose class names a MAC (intmac)")
        }
        extra.architecture = LoopNestArchitecture(
            name: (path as NSString).lastPathComponent, storage: storage, computeName: compute.name, computeInstances: compute.instances)
        extra.containers = containers
        return extra
    }

    // MARK: mapping

    public static func mapping(_ path: String, problem: LoopNestProblem, layout: Layout, source: FileSource = FileSource())
        throws(SpindleError) -> LoopNestMapping
    {
        let root = try source.load(path).anyMapping()
        let entries = try root.required("mapping").list()
        let levels = layout.architecture.storage.map(\.name)
        var loops = [[LoopNestMapping.Loop]](repeating: [], count: levels.count)
        var keeps = layout.keeps(problem)
        for e in entries {
            let m = try e.mapping(allowed: ["target", "type", "factors", "permutation", "keep", "bypass", "split"], required: ["target"])
            let targetNode = try m.required("target")
            let target = try targetNode.string()
            let type = try m["type"]?.choice(["temporal", "spatial", "dataspace", "bypass"]) ?? "temporal"
            var level = levels.firstIndex(of: target)
            if level == nil, type == "spatial", let above = layout.containers[target] {
                guard let above else {
                    throw targetNode.error("the container '\(target)' has no storage level above it to fan out from")
                }
                level = above
            }
            guard let level else {
                throw targetNode.error(
                    "'\(target)' is not a storage level\(type == "spatial" ? " or container" : "") of the architecture",
                    choices: levels + (type == "spatial" ? layout.containers.keys.sorted() : []))
            }
            if type == "dataspace" || type == "bypass" {
                for (key, value) in [("keep", true), ("bypass", false)] {
                    for v in try m[key]?.list() ?? [] {
                        let name = try v.string()
                        guard let d = problem.dataSpaces.firstIndex(where: { $0.name == name }) else {
                            throw v.error("'\(name)' is not a data space of the problem", choices: problem.dataSpaces.map(\.name))
                        }
                        keeps[level][d] = value
                    }
                }
                continue
            }
            var factors = [Int](repeating: 1, count: problem.dimensions.count)
            if let f = m["factors"] {
                for word in try f.string().split(separator: " ") {
                    let parts = word.split(separator: "=")
                    guard parts.count == 2, let d = problem.dimensions.firstIndex(of: String(parts[0])), let v = Int(parts[1]), v >= 1,
                        v <= 1 << 24
                    else {
                        throw f.error("'\(word)' is not DIMENSION=FACTOR", choices: problem.dimensions)
                    }
                    factors[d] = v
                }
            }
            // Timeloop lists the permutation innermost first; dimensions it leaves out go inside.
            var order: [Int] = []
            if let p = m["permutation"] {
                let text = try p.string()
                let names = text.contains(" ") ? text.split(separator: " ").map(String.init) : text.map { String($0) }
                for name in names {
                    guard let d = problem.dimensions.firstIndex(of: name), !order.contains(d) else {
                        throw p.error("'\(name)' in the permutation is not a dimension, or repeats", choices: problem.dimensions)
                    }
                    order.append(d)
                }
            }
            let missing = problem.dimensions.indices.filter { !order.contains($0) }
            let outerFirst = Array(order.reversed()) + missing
            for d in outerFirst where factors[d] > 1 {
                loops[level].append(LoopNestMapping.Loop(dimension: d, bound: factors[d], spatial: type == "spatial"))
            }
        }
        for (d, name) in problem.dimensions.enumerated() {
            let product = loops.joined().filter { $0.dimension == d }.reduce(1.0) { $0 * Double($1.bound) }
            guard product == Double(problem.bounds[d]) else {
                throw try root.required("mapping").error(
                    "the factors of \(name) multiply to \(Units.format(product, 0)), not \(problem.bounds[d])",
                    expected: "factors whose product over all levels is the problem's bound")
            }
        }
        return LoopNestMapping(loops: loops, keeps: keeps)
    }

    // MARK: energy

    /// One component's table in an Accelergy ERT.
    public struct EnergyTable: Sendable {
        /// The component's full name (`System_top_level.GlobalBuffer[1..1]`).
        public var fullName: String
        /// The estimator Accelergy priced it with, when the file says.
        public var estimator: String?
        /// Energy per action (pJ); the first entry of an action with several argument sets.
        public var actions: [String: Double]
    }

    /// The tables of an Accelergy ERT (`ERT:` with `tables`, or `ERT_summary:` with `table_summary`), by the
    /// component's short name (`GlobalBuffer`).
    public static func energyTables(_ path: String, source: FileSource = FileSource()) throws(SpindleError) -> [String: EnergyTable] {
        let root = try source.load(path).anyMapping()
        let tables: [YAMLValue]
        if let e = root["ERT"] {
            tables = try e.anyMapping().required("tables").list()
        } else if let s = root["ERT_summary"] {
            tables = try s.anyMapping().required("table_summary").list()
        } else {
            throw SpindleError(.invalidValue, "'\(path)' is not an Accelergy energy reference table", expected: "ERT: or ERT_summary:")
        }
        var out: [String: EnergyTable] = [:]
        for t in tables {
            let m = try t.anyMapping()
            let full = try m.required("name").string()
            var name = full
            if let bracket = name.firstIndex(of: "[") { name = String(name[..<bracket]) }
            if let dot = name.lastIndex(of: ".") { name = String(name[name.index(after: dot)...]) }
            var actions: [String: Double] = [:]
            for a in try m.required("actions").list() {
                let am = try a.anyMapping()
                let action = try am.required("name").string()
                if actions[action] == nil { actions[action] = try am.required("energy").double(in: 0...1e12) }
            }
            var estimator: String?
            for key in ["primitive_estimation(s)", "primitive_estimations"] {
                for p in try m[key]?.list() ?? [] { estimator = try p.anyMapping()["estimator"]?.string() ?? estimator }
            }
            out[name] = EnergyTable(fullName: full, estimator: estimator, actions: actions)
        }
        return out
    }

    /// Sets each level's and the compute unit's action energies from an Accelergy ERT (`ERT:` with
    /// `tables`, or `ERT_summary:` with `table_summary`), matching tables by component name.
    public static func applyEnergy(_ path: String, to arch: inout LoopNestArchitecture, source: FileSource = FileSource())
        throws(SpindleError)
    {
        let tables = try energyTables(path, source: source)
        let energies = tables.mapValues(\.actions)
        for i in arch.storage.indices {
            guard let a = energies[arch.storage[i].name] else {
                throw SpindleError(
                    .missingKey, "'\(path)' has no table for the storage level '\(arch.storage[i].name)'", choices: energies.keys.sorted())
            }
            arch.storage[i].readPJ = a["read"] ?? 0
            arch.storage[i].writePJ = a["write"] ?? a["read"] ?? 0
            arch.storage[i].updatePJ = a["update"] ?? a["write"] ?? 0
            arch.storage[i].leakPJ = a["leak"] ?? 0
        }
        guard let c = energies[arch.computeName] else {
            throw SpindleError(
                .missingKey, "'\(path)' has no table for the compute unit '\(arch.computeName)'", choices: energies.keys.sorted())
        }
        arch.computePJ = c["compute"] ?? c["mac_random"] ?? c["mac"] ?? 0
        arch.energySource = "Accelergy ERT '\((path as NSString).lastPathComponent)'"
    }
}

// MARK: convolutions

extension TimeloopFiles {
    /// For each of the problem's dimensions, its index in `ConvolutionShape` (Timeloop's CNN-layer names, `K`
    /// for `M`), after checking that the problem is a convolution: data spaces `Weights`, `Inputs` and
    /// `Outputs` that depend on the dimensions a convolution's do, with the sizes a convolution's have.
    public static func convolutionDimensions(_ problem: LoopNestProblem) throws(SpindleError) -> [Int] {
        let names = ConvolutionShape.dimensionNames
        var roles: [Int] = []
        for d in problem.dimensions {
            guard let r = names.firstIndex(of: d.uppercased()) ?? ConvolutionShape.aliases[d.uppercased()], !roles.contains(r) else {
                throw SpindleError(
                    .invalidValue, "the problem's dimension '\(d)' is not one of a convolution's, or repeats one",
                    expected: "distinct convolution dimensions", choices: names + ConvolutionShape.aliases.keys.sorted(),
                    hint: "Spindle runs convolutions (a matrix product as a 1 x 1 one); other loop nests run with 'spindle timeloop'")
            }
            roles.append(r)
        }
        return roles
    }

    /// The problem as a convolution (see `convolutionDimensions`), strides and dilations from the inputs'
    /// projection.
    public static func convolution(_ problem: LoopNestProblem) throws(SpindleError) -> ConvolutionShape {
        let roles = try convolutionDimensions(problem)
        var bounds = [Int](repeating: 1, count: ConvolutionShape.dimensionNames.count)
        for (i, r) in roles.enumerated() { bounds[r] = problem.bounds[i] }
        typealias D = ConvolutionShape
        var shape = ConvolutionShape(
            filterWidth: bounds[D.r], filterHeight: bounds[D.s], outputWidth: bounds[D.p], outputHeight: bounds[D.q],
            channels: bounds[D.c], filters: bounds[D.m], samples: bounds[D.n])
        if let inputs = problem.dataSpaces.first(where: { $0.name == D.DataSpace.inputs.name }) {
            for term in inputs.axes.joined() {
                switch roles[term.dimension] {
                case D.p: shape.strideWidth = max(term.coefficient, 1)
                case D.q: shape.strideHeight = max(term.coefficient, 1)
                case D.r: shape.dilationWidth = max(term.coefficient, 1)
                case D.s: shape.dilationHeight = max(term.coefficient, 1)
                default: break
                }
            }
        }
        let canonical = shape.problem
        func volume(_ ds: LoopNestProblem.DataSpace, _ p: LoopNestProblem) -> Double { ds.words(extents: p.bounds) }
        for space in D.DataSpace.allCases {
            guard let ds = problem.dataSpaces.first(where: { $0.name == space.name }) else {
                throw SpindleError(
                    .missingKey, "the problem has no data space '\(space.name)'", choices: problem.dataSpaces.map(\.name),
                    hint: "Spindle runs convolutions, whose data spaces are Weights, Inputs and Outputs")
            }
            let mine = Set(ds.axes.joined().filter { problem.bounds[$0.dimension] > 1 }.map { roles[$0.dimension] })
            let theirs = Set(canonical.dataSpaces[space.rawValue].axes.joined().filter { bounds[$0.dimension] > 1 }.map(\.dimension))
            guard mine == theirs, volume(ds, problem) == volume(canonical.dataSpaces[space.rawValue], canonical),
                ds.readWrite == (space == .outputs)
            else {
                throw SpindleError(
                    .invalidValue,
                    "the problem's data space '\(space.name)' is not a convolution's: it depends on "
                        + mine.sorted().map { ConvolutionShape.dimensionNames[$0] }.joined(separator: ", ") + ", a convolution's on "
                        + theirs.sorted().map { ConvolutionShape.dimensionNames[$0] }.joined(separator: ", "),
                    hint: "Spindle runs convolutions (a matrix product as a 1 x 1 one); other loop nests run with 'spindle timeloop'")
            }
        }
        return shape
    }

    /// A Timeloop mapping of a convolution problem, in `ConvolutionShape`'s dimensions and data-space order.
    public static func convolution(_ problem: LoopNestProblem, mapping: LoopNestMapping) throws(SpindleError)
        -> StorageHierarchy.FixedMapping
    {
        let shape = try convolution(problem)
        let roles = try convolutionDimensions(problem)
        let order = ConvolutionShape.DataSpace.allCases.map { s in problem.dataSpaces.firstIndex { $0.name == s.name }! }
        let loops = mapping.loops.map { level in
            level.map { LoopNestMapping.Loop(dimension: roles[$0.dimension], bound: $0.bound, spatial: $0.spatial) }
        }
        return StorageHierarchy.FixedMapping(
            shape: shape, mapping: LoopNestMapping(loops: loops, keeps: mapping.keeps.map { k in order.map { k[$0] } }))
    }
}

extension TimeloopFiles.Layout {
    /// Per storage level and data space of `problem`, whether the level keeps it under the architecture's
    /// dataspace constraints (all kept where none is given).
    public func keeps(_ problem: LoopNestProblem) -> [[Bool]] {
        architecture.storage.indices.map { i in
            problem.dataSpaces.map { ds in
                guard i < dataspaceConstraints.count else { return true }
                return dataspaceConstraints[i][ds.name] ?? dataspaceConstraints[i]["*"] ?? true
            }
        }
    }
}

extension TimeloopFiles {
    /// A `temporal` or `spatial` constraint: its permutation as written (Timeloop lists it innermost first,
    /// as a list or a string of one-letter names), and the dimensions its `factors` fix to 1 (other factors
    /// are not used).
    static func loopConstraint(_ v: YAMLValue) throws(SpindleError) -> (order: [String]?, fixed: Set<String>) {
        let m = try v.anyMapping()
        func words(_ x: YAMLValue) throws(SpindleError) -> [String] {
            if let items = try? x.list() { return try items.map { i throws(SpindleError) in try i.string() } }
            let text = try x.string()
            return text.contains(" ") || text.contains("=") ? text.split(separator: " ").map(String.init) : text.map { String($0) }
        }
        var fixed: Set<String> = []
        for f in try m["factors"].map({ x throws(SpindleError) in try words(x) }) ?? [] {
            let parts = f.split(separator: "=")
            guard parts.count == 2, let n = Int(parts[1]) else {
                throw v.error("the constraint factor '\(f)' is not DIMENSION=FACTOR")
            }
            if n == 1 { fixed.insert(Self.canonical(String(parts[0]))) }
        }
        let order = try m["permutation"].map { x throws(SpindleError) in try words(x).map(Self.canonical) }
        return (order, fixed)
    }

    /// A dimension's name as `ConvolutionShape` spells it (`K` is `M`).
    static func canonical(_ name: String) -> String {
        ConvolutionShape.aliases[name].map { ConvolutionShape.dimensionNames[$0] } ?? name
    }
}
