import Foundation
import SpindleCore
import SwiftProtobuf

/// Reads ONNX models into networks: the graph's nodes in order, every tensor's shape inferred from the
/// graph's inputs and initializers, and each Conv, Gemm and MatMul becoming a layer (normalisations,
/// activations, pooling and elementwise nodes move no weights and are followed for their shapes only).
///
/// Weight bytes are never needed: initializers count by their dimensions, so a model whose weights live in
/// external data files reads without them. A node the importer cannot follow, or a layer Spindle's layer
/// model cannot express (a non-square kernel, dilation, asymmetric padding), is an error that names the
/// node, its operator and what was expected.
public enum ONNXModel {
    /// The operators whose output has the shape of their first input.
    static let sameShape: Set<String> = [
        "Relu", "LeakyRelu", "PRelu", "Sigmoid", "Tanh", "Clip", "Elu", "Selu", "HardSigmoid", "HardSwish", "Softplus", "Gelu", "Erf",
        "BatchNormalization", "InstanceNormalization", "LayerNormalization", "LRN", "Dropout", "Identity", "Softmax", "LogSoftmax",
        "Sqrt", "Neg", "Exp", "Log", "Abs", "Reciprocal", "Cast", "Mish", "Swish",
    ]
    /// Elementwise operators with broadcasting.
    static let broadcast: Set<String> = ["Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "Where", "Equal"]
    /// Every operator the importer follows, for error messages.
    public static var supported: [String] {
        (sameShape.union(broadcast).union([
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

    /// Loads the ONNX file at `path` as a network named after the file (or `name`), with 8-bit weights and
    /// activations like the zoo's networks. Symbolic dimensions (a batch of `N`) count as 1.
    public static func network(path: String, name: String? = nil, bits: Int = 8) throws(SpindleError) -> Network {
        let data = try InputFile.bytes(path, what: "model in ONNX format", maxBytes: 1 << 32)
        return try network(data, file: path, name: name ?? Self.stem(path), bits: bits)
    }

    /// The file's name without its folder and `.onnx`: the network's name.
    public static func stem(_ path: String) -> String {
        let file = path.split(separator: "/").last.map(String.init) ?? path
        return file.hasSuffix(".onnx") ? String(file.dropLast(5)) : file
    }

    /// The network in ONNX bytes read from `file`.
    public static func network(_ data: Data, file: String, name: String, bits: Int = 8) throws(SpindleError) -> Network {
        let model: Onnx_ModelProto
        do {
            var options = BinaryDecodingOptions()
            options.messageDepthLimit = 64
            model = try Onnx_ModelProto(serializedBytes: data, extensions: nil, partial: true, options: options)
        } catch {
            throw SpindleError(.syntax, "'\(file)' is not an ONNX model (\(error))", expected: "an ONNX ModelProto file (.onnx)")
        }
        guard model.hasGraph else { throw SpindleError(.syntax, "'\(file)' has no graph", expected: "an ONNX model with a graph") }
        var importer = Importer(file: file, bits: bits)
        try importer.read(model.graph)
        guard !importer.layers.isEmpty else {
            throw SpindleError(
                .invalidValue, "'\(file)' has no Conv, Gemm or MatMul node, so no layer moves weights",
                expected: "a model with convolutions or matrix products")
        }
        return Network(name: name, layers: importer.layers)
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
        var shapes: [String: [Int]] = [:]
        /// Values of small integer tensors (initializers and Constant outputs), for Reshape and friends.
        var constants: [String: [Int64]] = [:]
        var initializers: Set<String> = []
        var layers: [Layer] = []

        init(file: String, bits: Int) {
            self.file = file
            self.bits = bits
        }

        func fail(_ node: Onnx_NodeProto, _ index: Int, _ what: String, expected: String? = nil) -> SpindleError {
            let label = node.name.isEmpty ? "node \(index)" : "node '\(node.name)'"
            return SpindleError(.unsupported, "\(file): \(label) (\(node.opType)): \(what)", expected: expected)
        }

        static func dims(_ shape: Onnx_TensorShapeProto) -> [Int] {
            shape.dim.map { d in
                if case .dimValue(let v)? = d.value, v > 0 { return Int(clamping: v) }
                return 1
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
            for v in graph.input + graph.valueInfo where shapes[v.name] == nil {
                if case .tensorType(let t)? = v.type.value, t.hasShape {
                    let d = Self.dims(t.shape)
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
            guard count <= 64 else { return nil }
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
                * Double(layer.kernel * layer.kernel) * Double(layer.outChannels) * Double(layer.kind == .matmul ? max(layer.groups, 1) : 1)
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
            case _ where ONNXModel.sameShape.contains(op): try set(node, try shape(node, i, input: 0), i)
            case _ where ONNXModel.broadcast.contains(op):
                var out: [Int] = []
                for k in node.input.indices where !node.input[k].isEmpty {
                    let s = try shape(node, i, input: k)
                    out = Self.broadcast(out, s)
                }
                try set(node, out, i)
            case "MaxPool", "AveragePool":
                let x = try shape(node, i, input: 0)
                guard x.count >= 3 else { throw fail(node, i, "its input has \(x.count) dimensions", expected: "N x C x spatial") }
                let kernel = ints(node, "kernel_shape") ?? []
                let spatial = x.count - 2
                guard kernel.count == spatial else { throw fail(node, i, "kernel_shape \(kernel) for \(spatial) spatial dimensions") }
                let strides = ints(node, "strides") ?? Array(repeating: 1, count: spatial)
                let pads = ints(node, "pads") ?? Array(repeating: 0, count: 2 * spatial)
                guard strides.count == spatial, pads.count == 2 * spatial, strides.allSatisfy({ $0 > 0 }) else {
                    throw fail(node, i, "strides \(strides) and pads \(pads) do not fit \(spatial) spatial dimensions")
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
                        node, i, "its target shape is computed at run time",
                        expected: "a constant shape (an initializer or a Constant node)")
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
            case "Constant":
                if let t = attribute(node, "value")?.t {
                    try set(node, t.dims.map { Int(clamping: $0) }, i)
                    if let v = Self.integers(t), let o = node.output.first { constants[o] = v }
                }
            case "Squeeze", "Unsqueeze":
                let x = try shape(node, i, input: 0)
                let axes = ints(node, "axes") ?? (node.input.count > 1 ? constants[node.input[1]]?.map { Int(clamping: $0) } : nil) ?? []
                if op == "Squeeze" {
                    let drop = Set(axes.map { $0 < 0 ? $0 + x.count : $0 })
                    try set(node, x.enumerated().filter { axes.isEmpty ? $0.element != 1 : !drop.contains($0.offset) }.map(\.element), i)
                } else {
                    var out = x
                    for a in axes.map({ $0 < 0 ? $0 + x.count + axes.count : $0 }).sorted() where a <= out.count { out.insert(1, at: a) }
                    try set(node, out, i)
                }
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

        mutating func conv(_ node: Onnx_NodeProto, _ i: Int) throws(SpindleError) {
            let x = try shape(node, i, input: 0), w = try shape(node, i, input: 1)
            guard x.count == 4, w.count == 4 else {
                throw fail(
                    node, i, "a \(x.count - 2)-D convolution",
                    expected: "2-D convolutions (N x C x H x W); Spindle's layer model has no 1-D or 3-D convolutions yet")
            }
            let group = int(node, "group", 1)
            let kernel = ints(node, "kernel_shape") ?? [w[2], w[3]]
            let strides = ints(node, "strides") ?? [1, 1]
            let dilations = ints(node, "dilations") ?? [1, 1]
            var pads = ints(node, "pads") ?? [0, 0, 0, 0]
            let autoPad = attribute(node, "auto_pad").map { String(decoding: $0.s, as: UTF8.self) } ?? "NOTSET"
            guard group >= 1, x[1] % group == 0, w[1] * group == x[1] else {
                throw fail(node, i, "\(x[1]) input channels, \(w[1]) per filter and \(group) groups do not agree")
            }
            guard kernel.count == 2, kernel[0] == kernel[1], kernel[0] == w[2], w[2] == w[3] else {
                throw fail(
                    node, i, "a \(w[2])x\(w[3]) kernel", expected: "square kernels (Spindle's layer model has no rectangular filters yet)")
            }
            guard dilations.allSatisfy({ $0 == 1 }) else { throw fail(node, i, "dilations \(dilations)", expected: "no dilation") }
            guard strides.count == 2, strides[0] == strides[1], strides[0] > 0 else {
                throw fail(node, i, "strides \(strides)", expected: "equal strides in both dimensions")
            }
            if autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" {
                let total = max((x[2] + strides[0] - 1) / strides[0] - 1, 0) * strides[0] + kernel[0] - x[2]
                guard total % 2 == 0 else {
                    throw fail(node, i, "\(autoPad) pads \(total) rows, unevenly", expected: "padding equal on every side")
                }
                pads = Array(repeating: total / 2, count: 4)
            } else if autoPad == "VALID" {
                pads = [0, 0, 0, 0]
            }
            guard pads.count == 4, Set(pads).count == 1, pads[0] >= 0 else {
                throw fail(node, i, "pads \(pads)", expected: "padding equal on every side")
            }
            guard pads[0] <= 1 << 16, kernel[0] <= 1 << 16, strides[0] <= 1 << 16, x[2] + 2 * pads[0] >= kernel[0],
                x[3] + 2 * pads[0] >= kernel[0]
            else {
                throw fail(node, i, "a \(kernel[0])x\(kernel[0]) kernel over a \(x[2])x\(x[3]) input")
            }
            var layer = Layer(
                name: name(node, i), kind: .conv2d, inChannels: x[1], outChannels: w[0], inHeight: x[2], inWidth: x[3], kernel: kernel[0],
                stride: strides[0], padding: pads[0], weightBits: bits, activationBits: bits)
            layer.groups = group
            try add(layer, node, i)
            try set(node, [x[0], w[0], layer.outHeight, layer.outWidth], i)
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
                try add(.linear(name(node, i), b[0], b[1], tokens: 1, bits: bits), node, i)
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
