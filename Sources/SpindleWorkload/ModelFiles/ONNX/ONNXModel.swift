import Foundation
import SpindleCore
import SwiftProtobuf

/// Reads ONNX models into networks: the graph's nodes in order, every tensor's shape inferred from the
/// graph's inputs and initializers, and each Conv, Gemm and MatMul becoming a layer (normalisations,
/// activations, pooling and elementwise nodes move no weights and are followed for their shapes only).
///
/// Weight bytes are never needed: initializers count by their dimensions, so a model whose weights live in
/// external data files reads without them. Shapes computed at run time (Shape, Gather, Slice, Concat, ...)
/// are folded to values where they follow from known shapes. Symbolic dimensions (`batch`, `sequence`) take
/// the values given, else 1. A node the importer cannot follow, or a layer Spindle's layer model cannot
/// express (a 3-D convolution), is an error that names the node, its operator and what was expected.
public enum ONNXModel {
    /// The operators whose output has the shape of their first input.
    static let sameShape: Set<String> = [
        "Relu", "LeakyRelu", "PRelu", "Sigmoid", "Tanh", "Clip", "Elu", "Selu", "HardSigmoid", "HardSwish", "Softplus", "Gelu", "Erf",
        "BatchNormalization", "InstanceNormalization", "LayerNormalization", "LRN", "Dropout", "Identity", "Softmax", "LogSoftmax",
        "Sqrt", "Neg", "Exp", "Log", "Abs", "Reciprocal", "Cast", "Mish", "Swish", "Not", "Trilu", "Softsign", "Floor", "Ceil", "Round",
        "Sign", "Sin", "Cos", "IsNaN", "IsInf", "CastLike", "SimplifiedLayerNormalization",
    ]
    /// Elementwise operators with broadcasting.
    static let broadcast: Set<String> = [
        "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "Where", "Equal", "Less", "Greater", "LessOrEqual",
        "GreaterOrEqual",
        "And", "Or", "Xor", "Mod",
    ]
    /// Reductions over axes.
    static let reductions: Set<String> = [
        "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL2", "ReduceSumSquare", "ArgMax", "ArgMin",
    ]
    /// Shape arithmetic, folded to values where it can be.
    static let shapeArithmetic: Set<String> = ["Shape", "Gather", "Slice", "Split", "Range", "ConstantOfShape", "Expand", "Size"]
    /// Every operator the importer follows, for error messages.
    public static var supported: [String] {
        (sameShape.union(broadcast).union(reductions).union(shapeArithmetic).union([
            "Conv", "Gemm", "MatMul", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Flatten", "Reshape", "Transpose",
            "Concat", "Constant", "Squeeze", "Unsqueeze",
        ])).sorted()
    }

    /// The most nodes a graph may have.
    public static let maxNodes = 1_000_000
    /// The most elements a tensor may have, and the most MACs a layer may have (keeps every count far from
    /// overflow).
    public static let maxElements = 1 << 40
    public static let maxLayerMACs = 1e15
    /// The most elements of an integer tensor whose values are kept (shapes and indices).
    public static let maxFolded = 64

    /// Loads the ONNX file at `path` as a network named after the file (or `name`), with 8-bit weights and
    /// activations like the zoo's networks. Symbolic dimensions take their values from `dimensions` (a name
    /// the model does not use is an error), else 1.
    public static func network(path: String, name: String? = nil, bits: Int = 8, dimensions: [String: Int] = [:]) throws(SpindleError)
        -> Network
    {
        try read(path: path, name: name, bits: bits, dimensions: dimensions).network
    }

    /// A model read: the network, and the value each symbolic dimension took.
    public struct Reading: Sendable {
        public var network: Network
        /// Symbolic dimension names, with the values they took.
        public var dimensions: [String: Int]
    }

    /// Loads the ONNX file at `path` (see `network(path:)`), with the symbolic dimensions it used.
    public static func read(path: String, name: String? = nil, bits: Int = 8, dimensions: [String: Int] = [:]) throws(SpindleError)
        -> Reading
    {
        let data = try InputFile.bytes(path, what: "model in ONNX format", maxBytes: 1 << 32)
        return try read(data, file: path, name: name ?? Self.stem(path), bits: bits, dimensions: dimensions)
    }

    /// The file's name without its folder and `.onnx`: the network's name.
    public static func stem(_ path: String) -> String {
        let file = path.split(separator: "/").last.map(String.init) ?? path
        return file.hasSuffix(".onnx") ? String(file.dropLast(5)) : file
    }

    /// The network in ONNX bytes read from `file`.
    public static func network(_ data: Data, file: String, name: String, bits: Int = 8, dimensions: [String: Int] = [:])
        throws(SpindleError) -> Network
    {
        try read(data, file: file, name: name, bits: bits, dimensions: dimensions).network
    }

    /// The network in ONNX bytes read from `file`, with the symbolic dimensions it used.
    public static func read(_ data: Data, file: String, name: String, bits: Int = 8, dimensions: [String: Int] = [:])
        throws(SpindleError) -> Reading
    {
        let model: Onnx_ModelProto
        do {
            var options = BinaryDecodingOptions()
            options.messageDepthLimit = 64
            model = try Onnx_ModelProto(serializedBytes: data, extensions: nil, partial: true, options: options)
        } catch {
            throw SpindleError(.syntax, "'\(file)' is not an ONNX model (\(error))", expected: "an ONNX ModelProto file (.onnx)")
        }
        guard model.hasGraph else { throw SpindleError(.syntax, "'\(file)' has no graph", expected: "an ONNX model with a graph") }
        for (k, v) in dimensions where !(1...(1 << 24)).contains(v) {
            throw SpindleError(.invalidValue, "the dimension '\(k)' is \(v)", expected: "a whole number from 1 to \(1 << 24)")
        }
        var importer = Importer(file: file, bits: bits, dimensions: dimensions)
        try importer.read(model.graph)
        let unused = Set(dimensions.keys).subtracting(importer.symbolic.keys)
        if let first = unused.sorted().first {
            throw SpindleError(
                .unknownKey, "'\(file)' has no symbolic dimension '\(first)'",
                choices: importer.symbolic.keys.sorted().isEmpty ? ["(none: every dimension is fixed)"] : importer.symbolic.keys.sorted())
        }
        guard !importer.layers.isEmpty else {
            throw SpindleError(
                .invalidValue, "'\(file)' has no Conv, Gemm or MatMul node, so no layer moves weights",
                expected: "a model with convolutions or matrix products")
        }
        return Reading(network: Network(name: name, layers: importer.layers), dimensions: importer.symbolic)
    }

    /// The name of the layer node `index` becomes: the node's name, else its first output's, else the operator
    /// and the index.
    static func layerName(_ node: Onnx_NodeProto, _ index: Int) -> String {
        if !node.name.isEmpty { return node.name }
        if let o = node.output.first, !o.isEmpty { return o }
        return "\(node.opType)_\(index)"
    }

    /// Follows a graph node by node.
    struct Importer {
        let file: String
        let bits: Int
        /// Values given for symbolic dimensions.
        let given: [String: Int]
        /// Symbolic dimensions met, with the values they took.
        var symbolic: [String: Int] = [:]
        /// The first graph input's leading dimension: the batch a Gemm's rows include.
        var batch = 1
        var shapes: [String: [Int]] = [:]
        /// Values of small integer tensors (initializers and Constant outputs), for Reshape and friends.
        var constants: [String: [Int64]] = [:]
        var initializers: Set<String> = []
        var layers: [Layer] = []

        init(file: String, bits: Int, dimensions: [String: Int] = [:]) {
            self.file = file
            self.bits = bits
            self.given = dimensions
        }

        func fail(_ node: Onnx_NodeProto, _ index: Int, _ what: String, expected: String? = nil) -> SpindleError {
            let label = node.name.isEmpty ? "node \(index)" : "node '\(node.name)'"
            return SpindleError(.unsupported, "\(file): \(label) (\(node.opType)): \(what)", expected: expected)
        }

        /// A declared shape: symbolic dimensions take their given value, else 1 (recorded in `symbolic`).
        mutating func dims(_ shape: Onnx_TensorShapeProto) -> [Int] {
            shape.dim.map { d in
                switch d.value {
                case .dimValue(let v)? where v > 0: return Int(clamping: v)
                case .dimParam(let name)? where !name.isEmpty:
                    let v = given[name] ?? 1
                    symbolic[name] = v
                    return v
                default: return 1
                }
            }
        }

        mutating func read(_ graph: Onnx_GraphProto) throws(SpindleError) {
            guard graph.node.count <= ONNXModel.maxNodes else {
                throw SpindleError(.capacity, "\(file) has \(graph.node.count) nodes", expected: "at most \(ONNXModel.maxNodes)")
            }
            for t in graph.initializer {
                guard t.dims.count <= 16, t.dims.allSatisfy({ $0 >= 0 && $0 < 1 << 32 }), let n = Self.product(t.dims.map { Int($0) }),
                    n <= ONNXModel.maxElements
                else {
                    throw SpindleError(.invalidValue, "\(file): initializer '\(t.name)' has dimensions \(t.dims)")
                }
                shapes[t.name] = t.dims.map { Int($0) }
                initializers.insert(t.name)
                if let v = Self.integers(t) { constants[t.name] = v }
            }
            var first = true
            for v in graph.input + graph.valueInfo where shapes[v.name] == nil {
                if case .tensorType(let t)? = v.type.value, t.hasShape {
                    let d = dims(t.shape)
                    if first, graph.input.contains(where: { $0.name == v.name }) {
                        batch = max(d.first ?? 1, 1)
                        first = false
                    }
                    guard d.count <= 16, d.allSatisfy({ $0 < 1 << 32 }), let n = Self.product(d), n <= ONNXModel.maxElements else {
                        throw SpindleError(
                            .invalidValue, "\(file): input '\(v.name)' has shape \(d)",
                            expected: "at most \(ONNXModel.maxElements) elements")
                    }
                    shapes[v.name] = d
                }
            }
            for (i, node) in graph.node.enumerated() { try follow(node, i) }
        }

        /// An integer tensor's values, when it is small and stored inside the model.
        static func integers(_ t: Onnx_TensorProto) -> [Int64]? {
            let count = t.dims.reduce(Int64(1)) { $0 &* max($1, 0) }
            guard count <= ONNXModel.maxFolded else { return nil }
            if !t.int64Data.isEmpty { return t.int64Data }
            // INT64 (7) stored raw, little-endian.
            if t.dataType == 7, t.rawData.count == Int(count) * 8 {
                return (0..<Int(count)).map { k in
                    t.rawData[t.rawData.startIndex + 8 * k..<t.rawData.startIndex + 8 * k + 8].enumerated().reduce(Int64(0)) {
                        $0 | Int64($1.element) << (8 * Int64($1.offset))
                    }
                }
            }
            return nil
        }

        func attribute(_ node: Onnx_NodeProto, _ name: String) -> Onnx_AttributeProto? { node.attribute.first { $0.name == name } }
        func int(_ node: Onnx_NodeProto, _ name: String, _ fallback: Int) -> Int {
            attribute(node, name).map { Int(clamping: $0.i) } ?? fallback
        }
        func ints(_ node: Onnx_NodeProto, _ name: String) -> [Int]? { attribute(node, name).map { $0.ints.map { Int(clamping: $0) } } }

        func shape(_ node: Onnx_NodeProto, _ index: Int, input k: Int) throws(SpindleError) -> [Int] {
            guard k < node.input.count, let s = shapes[node.input[k]] else {
                throw fail(
                    node, index, "the shape of its input \(k < node.input.count ? "'\(node.input[k])'" : "\(k)") is not known",
                    expected: "a model whose graph inputs have shapes (export with fixed input sizes, or run onnx's shape inference)")
            }
            return s
        }

        func name(_ node: Onnx_NodeProto, _ index: Int) -> String { ONNXModel.layerName(node, index) }

        /// Records the shape of the node's outputs; a negative or overflowing shape is refused.
        mutating func set(_ node: Onnx_NodeProto, _ shape: [Int], _ i: Int) throws(SpindleError) {
            guard shape.count <= 16, shape.allSatisfy({ $0 >= 0 }), let n = Self.product(shape), n <= ONNXModel.maxElements else {
                throw fail(node, i, "its output would have shape \(shape)", expected: "at most \(ONNXModel.maxElements) elements")
            }
            for o in node.output where !o.isEmpty { shapes[o] = shape }
        }

        /// The product of `values`, or `nil` when it overflows.
        static func product<S: Sequence>(_ values: S) -> Int? where S.Element == Int {
            var p = 1
            for v in values {
                let (r, overflow) = p.multipliedReportingOverflow(by: v)
                if overflow { return nil }
                p = r
            }
            return p
        }

        /// Adds a layer after checking its work stays countable.
        mutating func add(_ layer: Layer, _ node: Onnx_NodeProto, _ i: Int) throws(SpindleError) {
            let out = layer.kind == .conv2d ? Double(layer.outHeight) * Double(layer.outWidth) : Double(layer.inHeight)
            let macs =
                out * Double(layer.inChannels) / Double(max(layer.kind == .conv2d ? layer.groups : 1, 1))
                * Double(layer.kernelArea) * Double(layer.outChannels) * Double(layer.kind == .matmul ? max(layer.groups, 1) : 1)
            guard macs <= ONNXModel.maxLayerMACs else {
                throw fail(node, i, "about \(macs) MACs", expected: "at most 10^15 MACs in one layer")
            }
            layers.append(layer)
        }

        mutating func follow(_ node: Onnx_NodeProto, _ i: Int) throws(SpindleError) {
            let op = node.opType
            switch op {
            case "Conv": try conv(node, i)
            case "Gemm": try gemm(node, i)
            case "MatMul": try matmul(node, i)
            case _ where ONNXModel.sameShape.contains(op):
                try set(node, try shape(node, i, input: 0), i)
                // Values pass through casts and copies; Neg negates them.
                if ["Cast", "Identity", "CastLike"].contains(op) { fold(node, values(node, input: 0)) }
                if op == "Neg" { fold(node, values(node, input: 0)?.map { 0 &- $0 }) }
            case _ where ONNXModel.broadcast.contains(op):
                var out: [Int] = []
                for k in node.input.indices where !node.input[k].isEmpty {
                    let s = try shape(node, i, input: k)
                    out = Self.broadcast(out, s)
                }
                try set(node, out, i)
                foldArithmetic(node)
            case _ where ONNXModel.reductions.contains(op):
                if op.hasPrefix("Arg") {
                    let x = try shape(node, i, input: 0)
                    guard let a = Self.axis(int(node, "axis", 0), rank: x.count) else {
                        throw fail(node, i, "axis of \(x.count) dimensions")
                    }
                    var out = x
                    if int(node, "keepdims", 1) == 1 { out[a] = 1 } else { out.remove(at: a) }
                    try set(node, out, i)
                } else {
                    try reduce(node, i)
                }
            case "Shape": try shapeOf(node, i)
            case "Size":
                try set(node, [], i)
                fold(node, Self.product(try shape(node, i, input: 0)).map { [Int64($0)] })
            case "Gather": try gather(node, i)
            case "Slice": try slice(node, i)
            case "Split": try split(node, i)
            case "Range": try range(node, i)
            case "ConstantOfShape": try constantOfShape(node, i)
            case "Expand": try expand(node, i)
            case "MaxPool", "AveragePool":
                let x = try shape(node, i, input: 0)
                guard x.count >= 3 else { throw fail(node, i, "its input has \(x.count) dimensions", expected: "N x C x spatial") }
                let kernel = ints(node, "kernel_shape") ?? []
                let spatial = x.count - 2
                guard kernel.count == spatial else { throw fail(node, i, "kernel_shape \(kernel) for \(spatial) spatial dimensions") }
                let strides = ints(node, "strides") ?? Array(repeating: 1, count: spatial)
                let pads = ints(node, "pads") ?? Array(repeating: 0, count: 2 * spatial)
                guard strides.count == spatial, pads.count == 2 * spatial else {
                    throw fail(node, i, "strides \(strides) and pads \(pads) do not fit \(spatial) spatial dimensions")
                }
                let bound = 1 << 16
                guard (kernel + strides).allSatisfy({ (1...bound).contains($0) }), pads.allSatisfy({ (0...bound).contains($0) }) else {
                    throw fail(
                        node, i, "kernel_shape \(kernel), strides \(strides), pads \(pads)",
                        expected: "window sizes and strides from 1 to \(bound), pads from 0 to \(bound)")
                }
                let ceil = int(node, "ceil_mode", 0) == 1
                var out = Array(x.prefix(2))
                for d in 0..<spatial {
                    let span = x[2 + d] + pads[d] + pads[d + spatial] - kernel[d]
                    guard span >= 0 else { throw fail(node, i, "a \(kernel[d])-wide window over \(x[2 + d]) values") }
                    out.append((ceil ? (span + strides[d] - 1) : span) / strides[d] + 1)
                }
                try set(node, out, i)
            case "GlobalAveragePool", "GlobalMaxPool":
                let x = try shape(node, i, input: 0)
                try set(node, Array(x.prefix(2)) + Array(repeating: 1, count: max(x.count - 2, 0)), i)
            case "Flatten":
                let x = try shape(node, i, input: 0)
                var axis = int(node, "axis", 1)
                if axis < 0 { axis += x.count }
                guard (0...x.count).contains(axis) else { throw fail(node, i, "axis \(axis) of a \(x.count)-dimensional input") }
                guard let rows = Self.product(x.prefix(axis)), let cols = Self.product(x.dropFirst(axis)) else {
                    throw fail(node, i, "flattening \(x) overflows")
                }
                try set(node, [rows, cols], i)
            case "Reshape":
                let x = try shape(node, i, input: 0)
                guard node.input.count > 1, let target = constants[node.input[1]] else {
                    throw fail(
                        node, i, "its target shape is computed from values the importer does not know",
                        expected: "a constant shape, or one computed from shapes (Shape, Gather, Slice, Concat, ...)")
                }
                guard let out = Self.reshape(x, target, allowZero: int(node, "allowzero", 0) == 1) else {
                    throw fail(node, i, "shape \(target) does not fit an input of \(x)")
                }
                try set(node, out, i)
            case "Transpose":
                let x = try shape(node, i, input: 0)
                let perm = ints(node, "perm") ?? Array(x.indices.reversed())
                guard perm.sorted() == Array(x.indices) else { throw fail(node, i, "perm \(perm) for \(x.count) dimensions") }
                try set(node, perm.map { x[$0] }, i)
            case "Concat":
                var out = try shape(node, i, input: 0)
                var axis = int(node, "axis", 0)
                if axis < 0 { axis += out.count }
                guard out.indices.contains(axis) else { throw fail(node, i, "axis \(axis) of a \(out.count)-dimensional input") }
                for k in 1..<max(node.input.count, 1) {
                    let s = try shape(node, i, input: k)
                    guard s.count == out.count else { throw fail(node, i, "inputs of \(out.count) and \(s.count) dimensions") }
                    out[axis] = min(out[axis] + s[axis], ONNXModel.maxElements)
                }
                try set(node, out, i)
                if out.count == 1 {
                    let parts = node.input.indices.map { values(node, input: $0) }
                    if parts.allSatisfy({ $0 != nil }) { fold(node, parts.flatMap { $0! }) }
                }
            case "Constant":
                if let t = attribute(node, "value")?.t {
                    guard t.dims.count <= 16, t.dims.allSatisfy({ (0..<(1 << 32)).contains($0) }) else {
                        throw fail(node, i, "a constant of dimensions \(t.dims)")
                    }
                    try set(node, t.dims.map { Int($0) }, i)
                    fold(node, Self.integers(t))
                } else if let a = attribute(node, "value_int") {
                    try set(node, [], i)
                    fold(node, [a.i])
                } else if let a = attribute(node, "value_ints") {
                    try set(node, [a.ints.count], i)
                    fold(node, a.ints)
                } else if attribute(node, "value_float") != nil {
                    try set(node, [], i)
                } else if let a = attribute(node, "value_floats") {
                    try set(node, [a.floats.count], i)
                } else {
                    throw fail(node, i, "a constant without a value", expected: "value, value_int(s) or value_float(s)")
                }
            case "Squeeze", "Unsqueeze":
                let x = try shape(node, i, input: 0)
                let axes = ints(node, "axes") ?? (node.input.count > 1 ? constants[node.input[1]]?.map { Int(clamping: $0) } : nil) ?? []
                // Squeeze drops axes of the input; Unsqueeze inserts axes of the output.
                let rank = op == "Squeeze" ? x.count : x.count + axes.count
                var normalised: [Int] = []
                for a in axes {
                    guard let k = Self.axis(a, rank: rank), !normalised.contains(k) else {
                        throw fail(node, i, "axes \(axes) for \(rank) dimensions", expected: "distinct axes from \(-rank) to \(rank - 1)")
                    }
                    normalised.append(k)
                }
                if op == "Squeeze" {
                    let drop = Set(normalised)
                    try set(node, x.enumerated().filter { axes.isEmpty ? $0.element != 1 : !drop.contains($0.offset) }.map(\.element), i)
                } else {
                    var out = x
                    for a in normalised.sorted() { out.insert(1, at: a) }
                    try set(node, out, i)
                }
                fold(node, values(node, input: 0))
            default:
                throw fail(node, i, "this operator is not supported", expected: "one of " + ONNXModel.supported.joined(separator: ", "))
            }
        }

        static func broadcast(_ a: [Int], _ b: [Int]) -> [Int] {
            let n = max(a.count, b.count)
            let x = Array(repeating: 1, count: n - a.count) + a, y = Array(repeating: 1, count: n - b.count) + b
            return zip(x, y).map { max($0, $1) }
        }

        static func reshape(_ x: [Int], _ target: [Int64], allowZero: Bool) -> [Int]? {
            guard target.count <= 16, let total = product(x) else { return nil }
            var out = target.enumerated().map { k, v -> Int in v == 0 && !allowZero && k < x.count ? x[k] : Int(clamping: v) }
            guard out.allSatisfy({ $0 >= -1 }), let known = product(out.filter { $0 != -1 }) else { return nil }
            if let unknown = out.firstIndex(of: -1) {
                guard known > 0, total % known == 0, out.filter({ $0 == -1 }).count == 1 else { return nil }
                out[unknown] = total / known
            }
            guard out.allSatisfy({ $0 >= 0 }), product(out) == total else { return nil }
            return out
        }

        /// A 1-D (N x C x L) or 2-D (N x C x H x W) convolution; a 1-D one becomes a layer of height 1.
        mutating func conv(_ node: Onnx_NodeProto, _ i: Int) throws(SpindleError) {
            let x = try shape(node, i, input: 0), w = try shape(node, i, input: 1)
            guard x.count == 3 || x.count == 4, w.count == x.count else {
                throw fail(
                    node, i, "a \(x.count - 2)-D convolution with a \(w.count)-D weight",
                    expected: "1-D (N x C x L) or 2-D (N x C x H x W) convolutions; Spindle's layer model has no 3-D convolutions")
            }
            let axes = x.count - 2
            // Spatial sizes as (height, width): a 1-D convolution has height 1.
            let input = axes == 1 ? [1, x[2]] : [x[2], x[3]]
            let filter = axes == 1 ? [1, w[2]] : [w[2], w[3]]
            func pair(_ name: String, _ fallback: Int) throws(SpindleError) -> [Int] {
                guard let v = ints(node, name) else { return [fallback, fallback] }
                guard v.count == axes else { throw fail(node, i, "\(name) \(v)", expected: "\(axes) value(s), one per spatial axis") }
                return axes == 1 ? [fallback, v[0]] : v
            }
            let group = int(node, "group", 1)
            let strides = try pair("strides", 1)
            let dilations = try pair("dilations", 1)
            let autoPad = attribute(node, "auto_pad").map { String(decoding: $0.s, as: UTF8.self) } ?? "NOTSET"
            guard group >= 1, x[1] % group == 0, w[1] * group == x[1] else {
                throw fail(node, i, "\(x[1]) input channels, \(w[1]) per filter and \(group) groups do not agree")
            }
            if let k = ints(node, "kernel_shape"), k != Array(w.dropFirst(2)) {
                throw fail(node, i, "kernel_shape \(k) but a weight of \(Array(w.dropFirst(2)))", expected: "the weight's own filter shape")
            }
            let bound = 1 << 16
            guard (strides + dilations).allSatisfy({ (1...bound).contains($0) }), filter.allSatisfy({ (1...bound).contains($0) }) else {
                throw fail(
                    node, i, "strides \(strides), dilations \(dilations) and a \(filter[0])x\(filter[1]) filter",
                    expected: "strides, dilations and filter sizes from 1 to \(bound)")
            }
            let extent = (0..<2).map { (filter[$0] - 1) * dilations[$0] + 1 }
            // Total padding per axis (begin + end): only the sum decides the output size.
            var padding: [Int]
            switch autoPad {
            case "SAME_UPPER", "SAME_LOWER":
                padding = (0..<2).map { max((input[$0] + strides[$0] - 1) / strides[$0] - 1, 0) * strides[$0] + extent[$0] - input[$0] }
                padding = padding.map { max($0, 0) }
            case "VALID": padding = [0, 0]
            case "NOTSET", "":
                let pads = ints(node, "pads") ?? Array(repeating: 0, count: 2 * axes)
                guard pads.count == 2 * axes, pads.allSatisfy({ (0...bound).contains($0) }) else {
                    throw fail(node, i, "pads \(pads)", expected: "\(2 * axes) values from 0 to \(bound) (begin, then end, per axis)")
                }
                padding = axes == 1 ? [0, pads[0] + pads[1]] : [pads[0] + pads[2], pads[1] + pads[3]]
            default:
                throw fail(node, i, "auto_pad '\(autoPad)'", expected: "NOTSET, SAME_UPPER, SAME_LOWER or VALID")
            }
            guard input[0] + padding[0] >= extent[0], input[1] + padding[1] >= extent[1] else {
                throw fail(
                    node, i,
                    "a \(extent[0])x\(extent[1]) (dilated) filter over a padded \(input[0] + padding[0])x\(input[1] + padding[1]) input")
            }
            var layer = Layer(
                name: name(node, i), kind: .conv2d, inChannels: x[1], outChannels: w[0], inHeight: input[0], inWidth: input[1],
                kernelHeight: filter[0], kernelWidth: filter[1], strideHeight: strides[0], strideWidth: strides[1],
                paddingHeight: padding[0], paddingWidth: padding[1], weightBits: bits, activationBits: bits)
            layer.dilationHeight = dilations[0]
            layer.dilationWidth = dilations[1]
            layer.groups = group
            try add(layer, node, i)
            try set(node, axes == 1 ? [x[0], w[0], layer.outWidth] : [x[0], w[0], layer.outHeight, layer.outWidth], i)
        }

        mutating func gemm(_ node: Onnx_NodeProto, _ i: Int) throws(SpindleError) {
            var a = try shape(node, i, input: 0), b = try shape(node, i, input: 1)
            guard a.count == 2, b.count == 2 else {
                throw fail(node, i, "inputs of \(a.count) and \(b.count) dimensions", expected: "matrices")
            }
            if int(node, "transA", 0) == 1 { a.reverse() }
            if int(node, "transB", 0) == 1 { b.reverse() }
            guard a[1] == b[0] else { throw fail(node, i, "a \(a[0])x\(a[1]) by \(b[0])x\(b[1]) product") }
            if initializers.contains(node.input[1]) {
                // Rows beyond the batch are tokens (a transformer's rows are batch x sequence).
                let tokens = a[0] % batch == 0 ? max(a[0] / batch, 1) : max(a[0], 1)
                try add(.linear(name(node, i), b[0], b[1], tokens: tokens, bits: bits), node, i)
            } else {
                try add(.matmul(name(node, i), rows: a[0], inner: a[1], cols: b[1], bits: bits), node, i)
            }
            try set(node, [a[0], b[1]], i)
        }

        mutating func matmul(_ node: Onnx_NodeProto, _ i: Int) throws(SpindleError) {
            let a = try shape(node, i, input: 0), b = try shape(node, i, input: 1)
            guard a.count >= 2, b.count >= 2 else {
                throw fail(node, i, "inputs of \(a.count) and \(b.count) dimensions", expected: "matrices or stacks of them")
            }
            let m = a[a.count - 2], k = a[a.count - 1], kb = b[b.count - 2], n = b[b.count - 1]
            guard k == kb else { throw fail(node, i, "a ...x\(m)x\(k) by ...x\(kb)x\(n) product") }
            let stack = Self.broadcast(Array(a.dropLast(2)), Array(b.dropLast(2)))
            if initializers.contains(node.input[1]) && b.count == 2 {
                // Weights: every row of every leading dimension but the batch's is a token.
                guard let rows = Self.product([m] + stack.dropFirst()) else { throw fail(node, i, "\(stack) x \(m) rows overflow") }
                try add(.linear(name(node, i), k, n, tokens: rows, bits: bits), node, i)
            } else {
                // Two activations (attention): the stack beyond the batch are the heads.
                guard let heads = Self.product(stack.dropFirst()) else { throw fail(node, i, "a stack of \(stack) overflows") }
                try add(.matmul(name(node, i), rows: m, inner: k, cols: n, count: max(heads, 1), bits: bits), node, i)
            }
            try set(node, stack + [m, n], i)
        }
    }
}
