import Foundation
import SpindleCompression
import SpindleCore
import SpindleHardware
import SpindleMapping
import SpindleWorkload

/// Reads input files, from disk or from the built-in set (paths starting with `builtin:`).
public struct FileSource: Sendable {
    /// Values that replace parts of a topology file as it is loaded (a sweep point's topology fields).
    public var topologyOverrides: [Override] = []
    /// When set, every file read is recorded here (for the scenario's input hash).
    public var recorder: InputRecorder?
    public init() {}

    /// The text of `path` (a built-in file or one on disk), recorded if there is a recorder.
    public func text(_ path: String, what: String = "file") throws(SpindleError) -> String {
        let text: String
        if path.hasPrefix("builtin:") {
            guard let t = BuiltinFiles.files[String(path.dropFirst("builtin:".count))] else {
                throw SpindleError(
                    .fileNotFound, "no built-in file '\(path)'", choices: BuiltinFiles.files.keys.sorted().map { "builtin:" + $0 })
            }
            text = t
        } else {
            text = try InputFile.text(path, what: what)
        }
        recorder?.record(text)
        return text
    }

    /// The bytes of the file at `path` (on disk), recorded by their SHA-256 if there is a recorder.
    public func bytes(_ path: String, what: String = "file", maxBytes: Int) throws(SpindleError) -> Data {
        let data = try InputFile.bytes(path, what: what, maxBytes: maxBytes)
        if let recorder {
            var h = SHA256()
            h.update(data)
            recorder.record("bytes-sha256:" + h.hexDigest())
        }
        return data
    }

    /// Loads the YAML file at `path`.
    public func load(_ path: String) throws(SpindleError) -> YAMLValue {
        try YAMLValue.parse(try text(path, what: "YAML file"), file: path)
    }

    /// Resolves `reference` (as written inside `file`) relative to that file's folder.
    public func resolve(_ reference: String, from file: String) -> String {
        if reference.hasPrefix("/") || reference.hasPrefix("builtin:") { return reference }
        if file.hasPrefix("builtin:") {
            return "builtin:" + Self.join(directory(of: String(file.dropFirst("builtin:".count))), reference)
        }
        return Self.join(directory(of: file), reference)
    }

    /// Whether `path` names an existing file (a built-in one, or one on disk).
    public func exists(_ path: String) -> Bool {
        if path.hasPrefix("builtin:") { return BuiltinFiles.files[String(path.dropFirst("builtin:".count))] != nil }
        return FileManager.default.fileExists(atPath: path)
    }

    private func directory(of file: String) -> String {
        guard let slash = file.lastIndex(of: "/") else { return "" }
        return String(file[..<slash])
    }

    /// Joins a folder and a relative path, folding `.` and `..` (without touching the file system).
    static func join(_ dir: String, _ relative: String) -> String {
        let absolute = dir.hasPrefix("/")
        var parts: [Substring] = []
        for p in (dir + "/" + relative).split(separator: "/") {
            if p == "." { continue }
            if p == "..", let last = parts.last, last != ".." {
                parts.removeLast()
                continue
            }
            if p == ".." && absolute { continue }
            parts.append(p)
        }
        return (absolute ? "/" : "") + parts.joined(separator: "/")
    }
}

/// Loads technology tables (`topologies/tech/*.yaml`).
public enum TechnologyLoader {
    public static func load(_ path: String, source: FileSource = FileSource()) throws(SpindleError) -> Technology {
        let root = try source.load(path).mapping(
            allowed: ["name", "description", "actions", "sram_curve", "voltages", "areas", "sram_area_curve"],
            required: ["name", "actions"])
        let name = try root.required("name").name()
        var actions: [TechnologyAction] = []
        var seen: Set<String> = []
        for item in try root.required("actions").list() {
            let m = try item.mapping(
                allowed: ["name", "energy", "per", "width_bits", "node_nm", "source", "note"],
                required: ["name", "energy", "per", "node_nm", "source"])
            let actionName = try m.required("name").name()
            guard seen.insert(actionName).inserted else {
                throw try m.required("name").error("action '\(actionName)' is defined twice")
            }
            let source = try m.required("source").string()
            guard !source.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw try m.required("source").error("action '\(actionName)' has an empty source", expected: "where the number comes from")
            }
            actions.append(
                TechnologyAction(
                    name: actionName, energyPJ: try m.required("energy").quantity(.energy, allowZero: true),
                    per: try m.required("per").string(), widthBits: try m["width_bits"]?.int(in: 1...4096),
                    nodeNm: try nodeNm(m.required("node_nm")), source: source, note: try m["note"]?.string()))
        }
        var curve: [SRAMPoint] = []
        for item in try root["sram_curve"]?.list() ?? [] {
            let m = try item.mapping(
                allowed: ["capacity", "energy", "width_bits", "node_nm", "source"],
                required: ["capacity", "energy", "width_bits", "node_nm", "source"])
            curve.append(
                SRAMPoint(
                    capacityBytes: try m.required("capacity").quantity(.size), energyPJ: try m.required("energy").quantity(.energy),
                    widthBits: try m.required("width_bits").int(in: 1...4096), nodeNm: try nodeNm(m.required("node_nm")),
                    source: try m.required("source").string()))
        }
        // The curve is interpolated in log-log space between neighbouring capacities: they must differ.
        curve.sort { $0.capacityBytes < $1.capacityBytes }
        for (a, b) in zip(curve, curve.dropFirst()) where a.capacityBytes == b.capacityBytes {
            throw try root.required("sram_curve").error(
                "two sram_curve points have the same capacity (\(Units.formatBytes(UInt64(a.capacityBytes))))",
                expected: "one point per capacity")
        }
        var tech = Technology(name: name, actions: actions, sramCurve: curve)
        try loadAreasAndVoltages(root, into: &tech)
        var required = Technology.requiredActions
        if curve.isEmpty { required += [Action.bufferRead(bankKiB: nil).name, Action.bufferWrite(bankKiB: nil).name] }
        let missing = required.filter { tech.actions[$0] == nil }
        if !missing.isEmpty {
            throw SpindleError(
                .missingKey, "technology '\(name)' does not price the actions " + missing.joined(separator: ", "),
                at: try root.required("actions").location,
                expected: "an entry for every action a run counts (buffers: sram.read.bytes and sram.write.bytes, or an sram_curve)",
                choices: required)
        }
        return tech
    }
}

extension TechnologyLoader {
    /// The optional `voltages` (supply voltage per node, for node scaling), `areas` (component areas) and
    /// `sram_area_curve` (buffer area by capacity) sections.
    static func loadAreasAndVoltages(_ root: YAMLMapping, into tech: inout Technology) throws(SpindleError) {
        for item in try root["voltages"]?.list() ?? [] {
            let m = try item.mapping(allowed: ["node_nm", "vdd", "source"], required: ["node_nm", "vdd", "source"])
            let node = try m.required("node_nm").int(in: 1...1000)
            guard tech.voltages[node] == nil else { throw try m.required("node_nm").error("the voltage of \(node) nm is given twice") }
            tech.voltages[node] = NodeVoltage(
                nodeNm: node, vdd: try m.required("vdd").quantity(.voltage), source: try m.required("source").string())
        }
        let names = AreaName.allCases.map(\.name)
        for item in try root["areas"]?.list() ?? [] {
            let m = try item.mapping(
                allowed: ["name", "area", "per", "node_nm", "source"], required: ["name", "area", "per", "node_nm", "source"])
            let nameNode = try m.required("name")
            let name = try nameNode.choice(names)
            guard tech.areas[name] == nil else { throw nameNode.error("area '\(name)' is defined twice") }
            tech.areas[name] = AreaEntry(
                name: name, areaUm2: try m.required("area").quantity(.area), per: try m.required("per").string(),
                nodeNm: try nodeNm(m.required("node_nm")), source: try m.required("source").string())
        }
        var curve: [AreaEntry] = []
        for item in try root["sram_area_curve"]?.list() ?? [] {
            let m = try item.mapping(
                allowed: ["capacity", "area", "node_nm", "source"], required: ["capacity", "area", "node_nm", "source"])
            curve.append(
                AreaEntry(
                    name: "sram", areaUm2: try m.required("area").quantity(.area), per: "buffer", nodeNm: try nodeNm(m.required("node_nm")),
                    source: try m.required("source").string(), capacityBytes: try m.required("capacity").quantity(.size)))
        }
        curve.sort { $0.capacityBytes! < $1.capacityBytes! }
        for (a, b) in zip(curve, curve.dropFirst()) where a.capacityBytes == b.capacityBytes {
            throw try root.required("sram_area_curve").error(
                "two sram_area_curve points have the same capacity", expected: "one point per capacity")
        }
        tech.sramAreaCurve = curve
    }

    static func nodeNm(_ v: YAMLValue) throws(SpindleError) -> Int? {
        if let s = try? v.string(), s == "off-chip" || s == "none" { return nil }
        return try v.int(in: 1...1000)
    }
}

/// Loads topology files (`topologies/*.yaml`).
public enum TopologyLoader {
    /// A DRAMsim3 config a run prices with: its currents must give positive command energies.
    static func pricedDRAM(_ config: DRAMConfig, file: String) throws(SpindleError) -> DRAMConfig {
        try config.requirePositiveEnergies(file: file)
        return config
    }

    static let keys = [
        "name", "description", "technology", "technology_basis", "chips", "noc", "package", "control_latency", "tile_types", "tiles",
        "dram",
    ]
    static let tileKeys = [
        "kind", "macs_per_cycle", "clock", "buffer", "crossbars", "rows", "columns", "cell_bits", "weight_bits", "input_bits",
        "adc_bits", "columns_per_adc", "adc_rate", "device", "rebuild_per_cycle", "dataflow", "buffer_banks", "rf_accesses_per_mac",
        "rf_bytes_per_mac", "slices", "lines", "macs_per_line", "mac", "activation_bits", "booth_nonzero_fraction", "zero_activation_rows",
        "input_buffer", "index_buffer", "weight_buffer", "output_buffer", "word_bits", "levels", "timeloop_mapping",
    ]

    public static func load(_ path: String, source: FileSource = FileSource()) throws(SpindleError) -> Topology {
        let doc = try source.load(path).overriding(source.topologyOverrides)
        let root = try doc.mapping(allowed: keys, required: ["name", "technology", "noc", "tile_types", "tiles", "dram"])
        let name = try root.required("name").name()
        let techPath = source.resolve(try root.required("technology").string(), from: path)
        var technology: Technology
        do {
            technology = try TechnologyLoader.load(techPath, source: source)
        } catch let e where e.kind == .fileNotFound {
            throw SpindleError(
                .fileNotFound, "the technology file '\(techPath)' named here does not exist",
                at: try root.required("technology").location)
        }
        if let b = root["technology_basis"] {
            let m = try b.mapping(allowed: ["node_nm", "vdd"], required: ["node_nm", "vdd"])
            let node = try m.required("node_nm").int(in: 1...1000)
            guard NodeScaling.covers(node) else {
                throw try m.required("node_nm").error(
                    "technology_basis node_nm is \(node), which the scaling equations do not cover",
                    choices: NodeScaling.nodes.map(String.init))
            }
            do {
                technology = try technology.scaled(to: ProcessPoint(nodeNm: node, vdd: try m.required("vdd").quantity(.voltage)))
            } catch {
                throw SpindleError(
                    error.kind, error.message, at: b.location, expected: error.expected, choices: error.choices, hint: error.hint)
            }
        }
        let chips = try root["chips"]?.int(in: 1...4096) ?? 1

        let n = try root.required("noc").mapping(
            allowed: [
                "topology", "width", "height", "router_latency", "link_latency", "link_bandwidth", "packet_size", "flit_size",
                "link_length", "input_buffer",
            ],
            required: ["width", "height", "router_latency", "link_latency", "link_bandwidth"])
        let shape =
            try n["topology"].map { v throws(SpindleError) in NoCSpec.Shape(rawValue: try v.choice(NoCSpec.Shape.allCases.map(\.rawValue)))!
            } ?? .mesh
        let flit = try n["flit_size"]?.bytes(in: 1...(1 << 20)) ?? 32
        let packet = try n["packet_size"]?.bytes(in: 1...(1 << 30)) ?? 256
        guard packet >= flit else {
            throw (n["packet_size"] ?? n.owner).error("packet_size (\(packet) B) must be at least flit_size (\(flit) B)")
        }
        var noc = NoCSpec(
            width: try n.required("width").int(in: 1...256), height: try n.required("height").int(in: 1...256),
            routerLatencyPs: try n.required("router_latency").picoseconds(allowZero: true),
            linkLatencyPs: try n.required("link_latency").picoseconds(allowZero: true),
            linkBandwidthGBps: try n.required("link_bandwidth").quantity(.bandwidth), packetBytes: packet, flitBytes: flit,
            linkLengthMM: try n["link_length"]?.quantity(.length) ?? 1)
        noc.shape = shape
        if let b = n["input_buffer"] {
            guard shape == .mesh else {
                throw b.error(
                    "finite input buffers are modelled on meshes only",
                    hint: "Torus and ring links would need dateline virtual channels to stay free of deadlock")
            }
            noc.inputBufferPackets = try b.int(in: 1...1_000_000)
        }
        if shape == .ring && noc.height != 1 {
            throw try n.required("height").error("a ring NoC has height 1 (its nodes are numbered along x)", expected: "height: 1")
        }

        var package = PackageSpec(linkLatencyPs: 20_000, linkBandwidthGBps: 25)
        if let p = root["package"] {
            let m = try p.mapping(allowed: ["link_latency", "link_bandwidth", "topology", "width"], required: ["link_latency"])
            let latencyNode = try m.required("link_latency")
            let latency = try latencyNode.picoseconds(allowZero: true)
            if latency == 0 && chips > 1 {
                throw latencyNode.error(
                    "package link_latency is 0, but chips are simulated in parallel partitions",
                    expected: "a positive latency (it is the lookahead between chips), such as '20 ns'")
            }
            package = PackageSpec(linkLatencyPs: latency, linkBandwidthGBps: try m["link_bandwidth"]?.quantity(.bandwidth) ?? 25)
            if let shape = m["topology"] {
                package.shape = PackageSpec.Shape(rawValue: try shape.choice(PackageSpec.Shape.allCases.map(\.rawValue)))!
            }
            if package.shape == .mesh || package.shape == .torus {
                guard let w = m["width"] else {
                    throw p.error("a \(package.shape.rawValue) package needs 'width' (chips per row)")
                }
                package.width = try w.int(in: 1...chips)
                guard chips % package.width == 0 else {
                    throw w.error("\(chips) chips do not fill rows of \(package.width)", expected: "a width that divides the chip count")
                }
            }
        }

        var types: [String: TileType] = [:]
        let typesNode = try root.required("tile_types")
        let typesMap = try typesNode.mapping(allowed: (try? typeNames(typesNode)) ?? [])
        for key in typesMap.keys {
            let node = try typesMap.required(key)
            let kindName = try node.mapping(allowed: TopologyLoader.tileKeys, required: ["kind"]).required("kind").choice(
                TileKind.allCases.map(\.rawValue))
            let kind = TileKind(rawValue: kindName)!
            switch kind {
            case .peArray:
                let t = try node.mapping(
                    allowed: [
                        "kind", "macs_per_cycle", "clock", "buffer", "buffer_banks", "rows", "columns", "dataflow", "rf_accesses_per_mac",
                        "rf_bytes_per_mac",
                    ],
                    required: ["kind", "clock", "buffer"])
                let array = ["rows", "columns", "dataflow"].filter { t[$0] != nil }
                guard (array.isEmpty) != (t["macs_per_cycle"] == nil), array.isEmpty || array.count == 3 else {
                    throw node.error(
                        "a PE-array tile gives either 'macs_per_cycle' (ideal) or 'rows', 'columns' and 'dataflow' (systolic)")
                }
                var type = TileType(
                    name: key, kind: kind, macsPerCycle: 1, clockGHz: try t.required("clock").quantity(.frequency),
                    bufferBytes: try t.required("buffer").bytes())
                if let m = t["macs_per_cycle"] {
                    type.macsPerCycle = try m.int(in: 1...1_000_000)
                } else {
                    let rows = try t.required("rows").int(in: 1...4_096), columns = try t.required("columns").int(in: 1...4_096)
                    let flow = SystolicDataflow(rawValue: try t.required("dataflow").choice(SystolicDataflow.allCases.map(\.rawValue)))!
                    type.systolic = (rows, columns, flow)
                    type.macsPerCycle = rows * columns
                }
                type.rfAccessesPerMAC = try t["rf_accesses_per_mac"]?.int(in: 0...64) ?? 0
                type.rfBytesPerMAC = Int(try t["rf_bytes_per_mac"]?.bytes(in: 1...1_048_576) ?? 0)
                types[key] = type
            case .smartdeal:
                types[key] = try smartdealTile(key, node)
            case .loopNest:
                types[key] = try loopNestTile(key, node, path: path, source: source)
            case .spinCrossbar:
                let keys = [
                    "kind", "buffer", "crossbars", "rows", "columns", "cell_bits", "weight_bits", "input_bits", "adc_bits",
                    "columns_per_adc", "adc_rate", "device",
                ]
                let t = try node.mapping(allowed: keys + ["buffer_banks", "macs_per_cycle", "clock"], required: keys)
                let deviceName = try t.required("device").choice(MRAMDevice.presets.keys.sorted())
                let columns = try t.required("columns").int(in: 1...65_536)
                let cellBits = try t.required("cell_bits").int(in: 1...8)
                let weightBits = try t.required("weight_bits").int(in: 1...32)
                let spec = CrossbarSpec(
                    rows: try t.required("rows").int(in: 1...65_536), columns: columns, cellBits: cellBits, weightBits: weightBits,
                    inputBits: try t.required("input_bits").int(in: 1...32), adcBits: try t.required("adc_bits").int(in: 1...16),
                    columnsPerADC: try t.required("columns_per_adc").int(in: 1...columns),
                    adcRateGSps: try t.required("adc_rate").quantity(.frequency), device: MRAMDevice.presets[deviceName]!)
                guard spec.logicalColumns >= 1 else {
                    throw try t.required("columns").error(
                        "\(columns) columns cannot hold one \(weightBits)-bit weight in \(cellBits)-bit cells",
                        expected: "at least \(spec.slices) columns")
                }
                // The tile's digital unit (weight gradients, updates): 1 MAC per cycle at the ADC rate unless given.
                types[key] = TileType(
                    name: key, kind: kind, macsPerCycle: try t["macs_per_cycle"]?.int(in: 1...1_000_000) ?? 1,
                    clockGHz: try t["clock"]?.quantity(.frequency) ?? spec.adcRateGSps,
                    bufferBytes: try t.required("buffer").bytes(), crossbar: spec,
                    crossbars: try t.required("crossbars").int(in: 1...65_536))
            }
        }
        guard !types.isEmpty else { throw typesNode.error("tile_types is empty", expected: "at least one tile type") }
        for key in typesMap.keys {
            let node = try typesMap.required(key).mapping(allowed: TopologyLoader.tileKeys)
            if let banks = node["buffer_banks"] {
                let n = try banks.int(in: 1...4_096)
                guard types[key]!.bufferBytes % UInt64(n) == 0, types[key]!.bufferBytes / UInt64(n) >= 1_024 else {
                    throw banks.error("\(n) banks do not split the buffer into whole KiB", expected: "a bank count that divides the buffer")
                }
                types[key]!.bufferBanks = n
            }
        }

        var occupied: [MeshPosition: String] = [:]
        var tiles: [TilePlacement] = []
        for group in try root.required("tiles").list() {
            let g = try group.mapping(allowed: ["type", "at"], required: ["type", "at"])
            let typeName = try g.required("type").string()
            guard let type = types[typeName] else {
                let hint = Spelling.nearest(typeName, in: Array(types.keys)).map { "Did you mean '\($0)'?" }
                throw try g.required("type").error("unknown tile type '\(typeName)'", choices: types.keys.sorted(), hint: hint)
            }
            for pos in try g.required("at").list() {
                let at = try position(pos, noc: noc)
                if let other = occupied[at] {
                    throw pos.error("two tiles at \(at) (the other is a '\(other)')", expected: "one tile per mesh node")
                }
                occupied[at] = typeName
                tiles.append(TilePlacement(type: type, at: at))
            }
        }
        var dram: [DRAMChannelSpec] = []
        for item in try root.required("dram").list() {
            let d = try item.mapping(allowed: ["at", "bandwidth", "latency", "preset", "config"], required: ["at"])
            let at = try position(d.required("at"), noc: noc)
            let jedecKeys = ["preset", "config"].filter { d[$0] != nil }
            if jedecKeys.isEmpty {
                for k in ["bandwidth", "latency"] where d[k] == nil {
                    throw item.error("a DRAM channel needs '\(k)' (or a 'preset' or DRAMsim3 'config')")
                }
                dram.append(
                    DRAMChannelSpec(
                        at: at, bandwidthGBps: try d.required("bandwidth").quantity(.bandwidth),
                        latencyPs: try d.required("latency").picoseconds(allowZero: true)))
                continue
            }
            guard jedecKeys.count == 1, d["bandwidth"] == nil, d["latency"] == nil else {
                throw item.error(
                    "a DRAM channel is either simple ('bandwidth' and 'latency') or JEDEC (one of 'preset' or 'config')")
            }
            if let p = d["preset"] {
                let name = try p.choice(DRAMConfig.presets.keys.sorted())
                dram.append(DRAMChannelSpec(at: at, jedec: DRAMConfig.presets[name]!))
            } else {
                let configNode = try d.required("config")
                let configPath = source.resolve(try configNode.string(), from: path)
                guard source.exists(configPath) else {
                    throw SpindleError(
                        .fileNotFound, "the DRAMsim3 config '\(configPath)' named here does not exist", at: configNode.location,
                        hint: "Paths are relative to the topology file")
                }
                dram.append(
                    DRAMChannelSpec(
                        at: at,
                        jedec: try Self.pricedDRAM(
                            try DRAMIni.parse(try source.text(configPath, what: "DRAMsim3 config"), file: configPath), file: configPath)))
            }
        }
        guard !dram.isEmpty else { throw try root.required("dram").error("the topology has no DRAM channel", expected: "at least one") }
        guard !tiles.isEmpty else { throw try root.required("tiles").error("the topology has no tiles", expected: "at least one") }
        let needed = Set(tiles.flatMap(\.type.actions).map(\.name)).subtracting(technology.actions.keys).sorted()
        if !needed.isEmpty {
            throw SpindleError(
                .missingKey,
                "technology '\(technology.name)' does not price " + needed.joined(separator: ", ")
                    + ", which this topology's tiles count", at: try root.required("technology").location,
                hint: "Add them to \(techPath)")
        }
        let control = try root["control_latency"]?.picoseconds(allowZero: true) ?? 1_000
        return Topology(
            name: name, chips: chips, noc: noc, tiles: tiles, dram: dram, package: package, controlLatencyPs: control,
            technology: technology)
    }

    private static func typeNames(_ v: YAMLValue) throws(SpindleError) -> [String] {
        guard case .mapping(let m) = v.node else { throw v.error("tile_types must be a mapping from a name to its parameters") }
        return m.compactMap { $0.key.string }
    }

    static func position(_ v: YAMLValue, noc: NoCSpec) throws(SpindleError) -> MeshPosition {
        let items = try v.list()
        guard items.count == 2 else { throw v.error("a mesh position has two numbers", expected: "[x, y]") }
        let x = try items[0].int(in: 0...(noc.width - 1))
        let y = try items[1].int(in: 0...(noc.height - 1))
        return MeshPosition(x: x, y: y)
    }
}

extension TopologyLoader {
    /// A SmartDeal tile: `macs_per_cycle` alone, or `slices` x `lines` x `macs_per_line` (then `macs_per_cycle`,
    /// if given, must equal the product); one `buffer`, or buffers by data type (their sum is the buffer).
    static func smartdealTile(_ key: String, _ node: YAMLValue) throws(SpindleError) -> TileType {
        let organisation = ["slices", "lines", "macs_per_line"]
        let buffers = ["input_buffer", "index_buffer", "weight_buffer", "output_buffer"]
        let t = try node.mapping(
            allowed: [
                "kind", "macs_per_cycle", "clock", "buffer", "rebuild_per_cycle", "buffer_banks", "mac", "activation_bits",
                "booth_nonzero_fraction", "zero_activation_rows",
            ] + organisation + buffers,
            required: ["kind", "clock", "rebuild_per_cycle"])
        var o = SmartDealOrganisation()
        let given = organisation.filter { t[$0] != nil }
        guard given.isEmpty || given.count == 3 else {
            throw node.error(
                "a SmartDeal tile gives all of slices, lines and macs_per_line, or none (it has \(given.joined(separator: ", ")))")
        }
        if given.count == 3 {
            o.slices = try t.required("slices").int(in: 1...65_536)
            o.lines = try t.required("lines").int(in: 1...65_536)
            o.macsPerLine = try t.required("macs_per_line").int(in: 1...65_536)
        }
        var macs = o.slices * o.lines * o.macsPerLine
        if let m = t["macs_per_cycle"] {
            let n = try m.int(in: 1...1_000_000)
            if macs > 0 && n != macs {
                throw m.error(
                    "macs_per_cycle is \(n), but \(o.slices) slices x \(o.lines) lines x \(o.macsPerLine) MACs make \(macs)",
                    expected: "\(macs), or leave macs_per_cycle out")
            }
            macs = n
        }
        guard macs > 0 else { throw node.error("a SmartDeal tile needs 'macs_per_cycle', or 'slices', 'lines' and 'macs_per_line'") }
        if let m = t["mac"] {
            o.mac = SmartDealOrganisation.MACStyle(rawValue: try m.choice(SmartDealOrganisation.MACStyle.allCases.map(\.rawValue)))!
        }
        o.activationBits = try t["activation_bits"]?.int(in: 1...32) ?? 8
        o.boothNonZeroFraction = try t["booth_nonzero_fraction"]?.double(in: 0.01...1) ?? 1
        o.zeroActivationRows = try t["zero_activation_rows"]?.double(in: 0...0.99) ?? 0
        o.inputBuffer = try t["input_buffer"]?.bytes() ?? 0
        o.indexBuffer = try t["index_buffer"]?.bytes() ?? 0
        o.weightBuffer = try t["weight_buffer"]?.bytes() ?? 0
        o.outputBuffer = try t["output_buffer"]?.bytes() ?? 0
        let split = o.inputBuffer + o.indexBuffer + o.weightBuffer + o.outputBuffer
        let buffer: UInt64
        switch (t["buffer"], split > 0) {
        case (let b?, false): buffer = try b.bytes()
        case (nil, true): buffer = split
        case (let b?, true):
            throw b.error("give one 'buffer' or buffers by data type (input_buffer, index_buffer, weight_buffer, output_buffer), not both")
        case (nil, false): throw node.error("a SmartDeal tile needs a 'buffer', or buffers by data type")
        }
        var type = TileType(
            name: key, kind: .smartdeal, macsPerCycle: macs, clockGHz: try t.required("clock").quantity(.frequency), bufferBytes: buffer)
        type.rebuildPerCycle = try t.required("rebuild_per_cycle").int(in: 1...1_000_000)
        type.smartdeal = o
        // Partitioned buffers: an access touches one partition, priced at their mean size.
        let parts = UInt64(o.buffers(total: buffer).count)
        if parts > 1 && buffer % parts == 0 && buffer / parts >= 1_024 { type.bufferBanks = Int(parts) }
        return type
    }
}
