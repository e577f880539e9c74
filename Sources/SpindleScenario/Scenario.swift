import Foundation
import SpindleCompression
import SpindleCore
import SpindleHardware
import SpindleMapping
import SpindleWorkload
import Yams

/// A value that replaces one field of a scenario or topology file (a sweep point).
public struct Override: Sendable, Equatable {
    /// Keys from the document's root, e.g. `["compression", "method"]`.
    public var path: [String]
    /// The new value, as YAML text (a scalar or a flow collection).
    public var value: String
    /// Where the value was written (the sweep list), for messages.
    public var location: SourceLocation?
    public init(path: [String], value: String, location: SourceLocation? = nil) {
        self.path = path
        self.value = value
        self.location = location
    }
    public var key: String { path.joined(separator: ".") }

    /// Where errors in the value are reported: the sweep list's line, or the `--set` option itself.
    public var blame: SourceLocation { location ?? SourceLocation(file: "--set \(key)=\(value)") }
}

extension YAMLValue {
    /// This document with the overrides applied (each replaces or adds the value at its path).
    func overriding(_ overrides: [Override]) throws(SpindleError) -> YAMLValue {
        guard !overrides.isEmpty else { return self }
        var root = node
        var blamed = self.blamed
        for o in overrides {
            let value: Node
            do {
                value = try Yams.compose(yaml: o.value) ?? Node("")
            } catch {
                throw SpindleError(.syntax, "the value '\(o.value)' for '\(o.key)' is not valid YAML", at: o.blame)
            }
            guard let updated = Self.set(root, o.path[...], value) else {
                throw SpindleError(
                    .invalidValue, "'\(o.key)' does not name a field that can be set in '\(file)'", at: o.blame,
                    hint: "Sweep keys are dotted paths of mapping keys, e.g. batch, compression.method, chips, noc.width")
            }
            // Mappings the override had to create were written by it too.
            var existing = root
            for (depth, key) in o.path.enumerated() {
                guard case .mapping(let m) = existing, let child = m[key] else {
                    blamed[o.path[...depth].joined(separator: ".")] = o.blame
                    break
                }
                existing = child
            }
            root = updated
            blamed[o.key] = o.blame
        }
        return YAMLValue(node: root, file: file, path: path, blamed: blamed)
    }

    private static func set(_ node: Node, _ path: ArraySlice<String>, _ value: Node) -> Node? {
        guard let key = path.first else { return value }
        guard case .mapping(var m) = node else { return nil }
        let child = m[key] ?? Node.mapping(Node.Mapping([]))
        guard let updated = set(child, path.dropFirst(), value) else { return nil }
        m[key] = updated
        return .mapping(m)
    }
}

/// A scenario: a network on a topology, what is run and how it is mapped.
public struct Scenario: Sendable {
    public var name: String
    /// The file it was loaded from.
    public var file: String
    public var topologyFile: String
    public var topology: Topology
    public var network: Network
    public var batch: Int
    public var seed: UInt64
    public var mapping: MappingOptions
    /// How weights are compressed; `nil` for dense. SmartDeal tiles receive the compressed format.
    public var compression: CompressionSettings?
    /// The sweep the file defines: each key with its values, in file order (empty: no sweep).
    public var sweep: [(key: String, values: [Override])]
    /// For a sweep point: its overrides as `key=value` pairs.
    public var point: String?
    /// The model file's own weights, by layer (`compression: {weights: model}` with an ONNX model); `nil`:
    /// compression runs on seeded synthetic weights.
    public var modelWeights: [(shape: WeightShape, tensor: Tensor)]? = nil
    /// SHA-256 of everything that determines the result: the text of every file read (scenario, topology,
    /// technology, DRAMsim3 and SCALE-Sim files), the overrides, and Spindle's model revision.
    public var inputHash: String
}

/// Loads scenario files (`scenarios/*.yaml`).
public enum ScenarioLoader {
    /// The scenario `spindle run` uses when none is given.
    public static let defaultScenario = "builtin:scenarios/quickstart.yaml"
    static let keys = [
        "name", "description", "topology", "model", "model_format", "model_dimensions", "layers", "bits", "batch", "seed", "mode",
        "mapping", "training", "compression", "technology_basis", "sweep",
    ]

    /// Loads a scenario; `overrides` (a sweep point) replace fields of the scenario, or of its topology when
    /// the key is not a scenario key (`chips`, `noc.width`) or starts with `topology.`.
    public static func load(_ path: String, source: FileSource = FileSource(), overrides: [Override] = []) throws(SpindleError) -> Scenario
    {
        var scenarioOverrides: [Override] = []
        var source = source
        let recorder = source.recorder ?? InputRecorder()
        source.recorder = recorder
        for o in overrides {
            if o.path.first == "topology" && o.path.count > 1 {
                source.topologyOverrides.append(Override(path: Array(o.path.dropFirst()), value: o.value, location: o.location))
            } else if keys.contains(o.path[0]) {
                scenarioOverrides.append(o)
            } else if TopologyLoader.keys.contains(o.path[0]) {
                source.topologyOverrides.append(o)
            } else {
                let suggestion = Spelling.nearest(o.path[0], in: keys + TopologyLoader.keys).map { "Did you mean '\($0)'?" }
                throw SpindleError(
                    .unknownKey, "the sweep key '\(o.key)' is neither a scenario nor a topology field", at: o.location,
                    choices: keys.filter { $0 != "sweep" } + TopologyLoader.keys.filter { $0 != "name" }, hint: suggestion)
            }
        }
        let root = try source.load(path).overriding(scenarioOverrides).mapping(allowed: keys, required: ["name", "topology", "model"])
        if let b = root["technology_basis"] {
            // Prices the scenario's topology at one process point: the topology's own key, checked by its loader.
            // A value from --set or a sweep is blamed on that, not on the scenario's line.
            let blame = overrides.last { $0.path.first == "technology_basis" }?.blame ?? b.location
            source.topologyOverrides.append(Override(path: ["technology_basis"], value: try b.yamlText(), location: blame))
        }
        var compression = try loadCompression(root["compression"], modelWeights: true)
        let topologyNode = try root.required("topology")
        let topologyPath = source.resolve(try topologyNode.string(), from: path)
        let topology: Topology
        do {
            topology = try TopologyLoader.load(topologyPath, source: source)
        } catch let e where e.kind == .fileNotFound && e.location == nil && !source.exists(topologyPath) {
            throw SpindleError(
                .fileNotFound, "the scenario names the topology '\(try topologyNode.string())', but '\(topologyPath)' does not exist",
                at: topologyNode.location, hint: "Paths are relative to the scenario file")
        }
        var network = try loadModel(
            root.required("model"), format: root["model_format"], dimensions: root["model_dimensions"], scenarioFile: path, source: source)
        if let filter = root["layers"] { network = try selectLayers(network, filter) }
        var modelWeights: [(shape: WeightShape, tensor: Tensor)]? = nil
        if let w = try root["compression"]?.anyMapping()["weights"], try w.choice(["synthetic", "model"]) == "model" {
            // The model file's own weights, for an ONNX model that holds them.
            let modelNode = try root.required("model")
            let file = source.resolve(try modelNode.string(), from: path)
            let format = try root["model_format"]?.string()
            guard file.hasSuffix(".onnx") || format == "onnx" else {
                throw w.error(
                    "weights: model reads an ONNX model's own weights, but the model is '\(try modelNode.string())'",
                    expected: "model: a .onnx file, or weights: synthetic")
            }
            do {
                modelWeights = try Compressor.fromFile(file)
            } catch let e where e.kind == .fileNotFound {
                throw w.error(
                    "the model's weights are not all there: \(e.message)",
                    expected: "an ONNX model with its weights (or weights: synthetic)")
            }
        }
        if let p = try root["compression"]?.anyMapping()["row_prune"], (try? p.string()) == "reference", compression?.method == .smartdeal {
            // SmartDeal's released per-layer list for CIFAR ResNet-18.
            let names = network.weightShapes.map(\.name)
            guard names.count == SmartDealOptions.resnet18CifarRowPrune.count else {
                throw p.error(
                    "row_prune 'reference' is SmartDeal's list for CIFAR ResNet-18 (\(SmartDealOptions.resnet18CifarRowPrune.count) layers); this network has \(names.count)",
                    expected: "model: resnet18-cifar, or a ratio such as 0.3")
            }
            compression?.smartDeal.rowPrune = Dictionary(uniqueKeysWithValues: zip(names, SmartDealOptions.resnet18CifarRowPrune))
        }
        if let b = root["bits"] {
            // One width for every weight and activation (the zoo's networks are 8-bit).
            let bits = try b.int(in: 1...32)
            for i in network.layers.indices {
                network.layers[i].weightBits = bits
                network.layers[i].activationBits = bits
            }
        }
        var mapping = MappingOptions()
        if let m = root["mapping"] { try loadMapping(m, into: &mapping) }
        if let mode = root["mode"] {
            mapping.mode = MappingOptions.Mode(rawValue: try mode.choice(MappingOptions.Mode.allCases.map(\.rawValue)))!
        }
        if let t = root["training"] {
            let m = try t.mapping(allowed: ["optimizer", "gradient_bits"])
            if let o = m["optimizer"] {
                mapping.optimizer = MappingOptions.Optimizer(rawValue: try o.choice(MappingOptions.Optimizer.allCases.map(\.rawValue)))!
            }
            mapping.gradientBits = try m["gradient_bits"]?.int(in: 1...64) ?? mapping.gradientBits
        }
        var sweep: [(key: String, values: [Override])] = []
        if let s = root["sweep"] {
            let m = try s.anyMapping()
            for key in m.keys {
                let list = try m.required(key).list()
                guard !list.isEmpty else {
                    throw try m.required(key).error("the sweep of '\(key)' has no values", expected: "a list of one or more values")
                }
                let path = key.split(separator: ".").map(String.init)
                let first = path[0]
                guard keys.contains(first) || TopologyLoader.keys.contains(first) || first == "topology", first != "sweep" else {
                    let suggestion = Spelling.nearest(first, in: keys + TopologyLoader.keys).map { "Did you mean '\($0)'?" }
                    throw SpindleError(
                        .unknownKey, "the sweep key '\(key)' is neither a scenario nor a topology field", at: m.keyLocation(key),
                        choices: keys.filter { $0 != "sweep" } + TopologyLoader.keys.filter { $0 != "name" }, hint: suggestion)
                }
                sweep.append(
                    (key, try list.map { v throws(SpindleError) in Override(path: path, value: try v.yamlText(), location: v.location) }))
            }
        }
        return Scenario(
            name: try root.required("name").name(), file: path, topologyFile: topologyPath, topology: topology, network: network,
            batch: try root["batch"]?.int(in: 1...1_000_000) ?? 1, seed: UInt64(try root["seed"]?.int(in: 0...Int.max) ?? 1),
            mapping: mapping, compression: compression, sweep: sweep,
            point: overrides.isEmpty ? nil : overrides.map { "\($0.key)=\($0.value)" }.joined(separator: ","),
            modelWeights: modelWeights, inputHash: recorder.hash(overrides: overrides.map { "\($0.key)=\($0.value)" }))
    }

    static func loadMapping(_ node: YAMLValue, into o: inout MappingOptions) throws(SpindleError) {
        let strategies = MappingOptions.Strategy.allCases.map(\.rawValue) + ["simple"]
        func strategy(_ v: YAMLValue) throws(SpindleError) -> MappingOptions.Strategy {
            // "simple" is the data-parallel rule of earlier files.
            let name = try v.choice(strategies)
            return name == "simple" ? .dataParallel : MappingOptions.Strategy(rawValue: name)!
        }
        // A plain string is the strategy.
        if (try? node.string()) != nil {
            o.strategy = try strategy(node)
            return
        }
        let m = try node.mapping(allowed: [
            "strategy", "objective", "stages", "split", "micro_batches", "crossbar_weights", "program_weights",
        ])
        if let s = m["strategy"] { o.strategy = try strategy(s) }
        if let v = m["objective"] {
            o.objective = MappingOptions.Objective(rawValue: try v.choice(MappingOptions.Objective.allCases.map(\.rawValue)))!
        }
        if let v = m["stages"] {
            o.stages = try v.int(in: 1...4096)
            if m["strategy"] == nil { o.strategy = .hybrid }
        }
        if let v = m["split"] { o.split = try v.int(in: 1...4096) }
        if let v = m["micro_batches"] { o.microBatches = try v.int(in: 1...1_000_000) }
        if let v = m["crossbar_weights"] {
            o.crossbarWeights = MappingOptions.CrossbarWeights(
                rawValue: try v.choice(MappingOptions.CrossbarWeights.allCases.map(\.rawValue)))!
        }
        if let v = m["program_weights"] { o.programWeights = try v.bool() }
    }

    static func loadCompression(_ node: YAMLValue?, modelWeights: Bool = false) throws(SpindleError) -> CompressionSettings? {
        guard let c = node else { return nil }
        let m = try c.mapping(
            allowed: ["method", "threshold", "row_prune", "basis_bits", "keep", "magnitude_bits"] + (modelWeights ? ["weights"] : []),
            required: ["method"])
        switch try m.required("method").choice(["dense", "smartdeal", "osc"]) {
        case "smartdeal":
            var settings = CompressionSettings(method: .smartdeal)
            settings.smartDeal.threshold = try m["threshold"]?.double(in: 0...1e6) ?? settings.smartDeal.threshold
            settings.smartDeal.basisBits = try m["basis_bits"]?.int(in: 1...32) ?? 8
            if let p = m["row_prune"], (try? p.string()) != "reference" {
                let ratio = try p.double(in: 0...1)
                guard ratio < 1 else {
                    throw p.error("row_prune 1.0 removes every row of every layer", expected: "a ratio from 0 up to, not including, 1")
                }
                settings.smartDeal.rowPrune = [:]
                settings.smartDeal.rowPruneAll = ratio
            }
            return settings
        case "osc":
            var settings = CompressionSettings(method: .osc)
            if let k = m["keep"] { settings.osc.keep = try k.double(in: 0.000001...1) }
            if let b = m["magnitude_bits"] { settings.osc.magnitudeBits = try b.int(in: 1...16) }
            return settings
        default:
            return nil
        }
    }

    /// A zoo network by name, an ONNX model or a SCALE-Sim topology CSV (paths relative to the scenario).
    /// `dimensions` (`model_dimensions: {sequence: 128}`) gives an ONNX model's symbolic dimensions their values.
    static func loadModel(_ node: YAMLValue, format: YAMLValue?, dimensions: YAMLValue? = nil, scenarioFile: String, source: FileSource)
        throws(SpindleError) -> Network
    {
        let name = try node.string()
        let fmt =
            try format?.choice(["zoo", "onnx", "scalesim-conv", "scalesim-gemm"])
            ?? (name.hasSuffix(".csv") ? "scalesim-conv" : name.hasSuffix(".onnx") ? "onnx" : "zoo")
        var values: [String: Int] = [:]
        if let dimensions {
            guard fmt == "onnx" else {
                throw dimensions.error(
                    "model_dimensions sets an ONNX model's symbolic dimensions, but the model is '\(name)'",
                    expected: "model: a .onnx file, or no model_dimensions")
            }
            let m = try dimensions.anyMapping()
            for key in m.keys { values[key] = try m.required(key).int(in: 1...(1 << 24)) }
        }
        if fmt == "onnx" {
            let path = source.resolve(name, from: scenarioFile)
            do {
                return try ONNXModel.network(
                    try source.bytes(path, what: "model in ONNX format", maxBytes: 1 << 32), file: path, name: ONNXModel.stem(path),
                    dimensions: values)
            } catch let e where e.kind == .unknownKey {
                throw dimensions?.error(e.message, choices: e.choices) ?? e
            } catch let e where e.kind == .fileNotFound {
                throw SpindleError(
                    .fileNotFound, "no such ONNX model '\(path)'", at: node.location, hint: "Paths are relative to the scenario file")
            }
        }
        if fmt == "zoo" {
            guard let n = ModelZoo.network(named: name) else {
                throw node.error(
                    "'\(name)' is not a built-in model", choices: ModelZoo.names,
                    hint:
                        "An ONNX model or a SCALE-Sim topology CSV works too: give its path (ending in .onnx or .csv; for GEMM rows, model_format: scalesim-gemm)"
                )
            }
            return n
        }
        let path = source.resolve(name, from: scenarioFile)
        return try ModelFiles.scaleSim(path: path, gemm: fmt == "scalesim-gemm", at: node.location, source: source)
    }

    /// Keeps the layers `filter` names: `all`, a kind (`conv`, `linear`, `matmul`), or a list of names.
    static func selectLayers(_ network: Network, _ filter: YAMLValue) throws(SpindleError) -> Network {
        var n = network
        if let s = try? filter.string() {
            switch try filter.choice(["all", "conv", "linear", "matmul"]) {
            case "conv": n.layers = network.layers.filter { $0.kind == .conv2d }
            case "linear": n.layers = network.layers.filter { $0.kind == .linear }
            case "matmul": n.layers = network.layers.filter { $0.kind == .matmul }
            default: break
            }
            if s != "all" { n.name += " (\(s) layers)" }
        } else {
            let names = try filter.list().map { v throws(SpindleError) in (try v.string(), v) }
            for (name, v) in names where !network.layers.contains(where: { $0.name == name }) {
                throw v.error("'\(network.name)' has no layer '\(name)'", choices: network.layers.map(\.name))
            }
            let keep = Set(names.map(\.0))
            n.layers = network.layers.filter { keep.contains($0.name) }
            n.name += " (\(n.layers.count) layers)"
        }
        guard !n.layers.isEmpty else { throw filter.error("no layer of '\(network.name)' is selected") }
        return n
    }
}

/// Networks from files.
public enum ModelFiles {
    /// A SCALE-Sim topology CSV as a network: conv rows become unpadded 8-bit convolutions (depthwise `DP`
    /// rows one single-channel layer per channel, as SCALE-Sim runs them); GEMM rows (M, N, K) become linear
    /// layers of K inputs and N outputs applied to M rows.
    public static func scaleSim(path: String, gemm: Bool, at location: SourceLocation? = nil, source: FileSource = FileSource())
        throws(SpindleError) -> Network
    {
        let text: String
        do {
            text = try source.text(path, what: "SCALE-Sim topology CSV")
        } catch let e where e.kind == .fileNotFound {
            throw SpindleError(
                .fileNotFound, "no such SCALE-Sim topology file '\(path)'", at: location, hint: "Paths are relative to the scenario file")
        }
        return try ScaleSimTopology.network(text, file: path, gemm: gemm)
    }
}
