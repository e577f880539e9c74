import Foundation
import SpindleCore
import SwiftProtobuf

/// A layer's weight tensor as an ONNX file stores it, named after the layer.
public struct ONNXWeight: Sendable, Equatable {
    /// The layer's name (the node's name, as `ONNXModel.network` names layers).
    public var name: String
    /// `[out, in, kh, kw]` for convolutions (kh 1 for 1-D ones), `[out, in]` for fully connected layers (transposed from
    /// MatMul's and Gemm's `[in, out]` where needed).
    public var shape: [Int]
    /// ONNX's element type: 1 float32, 3 int8, 10 float16, 11 float64, 16 bfloat16.
    public var elementType: Int32
    /// The elements, little-endian, row-major in `shape`.
    public var bytes: [UInt8]
}

extension ONNXModel {
    /// ONNX element types the weights may have, with their sizes in bytes.
    static let elementSizes: [Int32: Int] = [1: 4, 3: 1, 10: 2, 11: 8, 16: 2]

    /// The weights of every Conv, Gemm and MatMul layer of the model at `path`, read from the model or from
    /// its external data files (relative to the model's folder).
    public static func weights(path: String) throws(SpindleError) -> [ONNXWeight] {
        let data = try InputFile.bytes(path, what: "model in ONNX format", maxBytes: 1 << 32)
        let folder = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        return try weights(data, file: path, folder: folder)
    }

    static func weights(_ data: Data, file: String, folder: String) throws(SpindleError) -> [ONNXWeight] {
        let network = try network(data, file: file, name: stem(file))
        let model: Onnx_ModelProto
        do { model = try Onnx_ModelProto(serializedBytes: data) } catch {
            throw SpindleError(.syntax, "'\(file)' is not an ONNX model (\(error))")
        }
        let initializers = Dictionary(model.graph.initializer.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var out: [ONNXWeight] = []
        for (i, node) in model.graph.node.enumerated() where ["Conv", "Gemm", "MatMul"].contains(node.opType) {
            let name = layerName(node, i)
            guard network.layers.contains(where: { $0.name == name && $0.kind != .matmul }), node.input.count > 1,
                let t = initializers[node.input[1]]
            else { continue }
            var shape = t.dims.map { Int($0) }
            var bytes = try elements(t, file: file, folder: folder)
            guard let size = elementSizes[t.dataType] else {
                throw SpindleError(
                    .unsupported, "\(file): the weights of '\(name)' have ONNX element type \(t.dataType)",
                    expected: "float32 (1), int8 (3), float16 (10), float64 (11) or bfloat16 (16)")
            }
            guard let count = Importer.product(shape), bytes.count == count * size else {
                throw SpindleError(
                    .invalidValue, "\(file): the weights of '\(name)' hold \(bytes.count) bytes for shape \(shape)",
                    expected: "\(size) bytes per element")
            }
            // Fully connected weights as [out, in]: MatMul stores [in, out], and so does Gemm without transB.
            let transposed =
                node.opType == "MatMul" || (node.opType == "Gemm" && !node.attribute.contains { $0.name == "transB" && $0.i == 1 })
            if transposed && shape.count == 2 {
                bytes = transpose(bytes, rows: shape[0], columns: shape[1], size: size)
                shape.reverse()
            }
            // A 1-D convolution's [out, in, k] is [out, in, 1, k].
            if shape.count == 3 { shape.insert(1, at: 2) }
            out.append(ONNXWeight(name: name, shape: shape, elementType: t.dataType, bytes: bytes))
        }
        return out
    }

    /// A tensor's elements as little-endian bytes: raw data, typed fields, or an external file's slice.
    static func elements(_ t: Onnx_TensorProto, file: String, folder: String) throws(SpindleError) -> [UInt8] {
        if t.dataLocation == .external {
            let entries = Dictionary(t.externalData.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
            guard let location = entries["location"], !location.contains(".."), !location.hasPrefix("/") else {
                throw SpindleError(
                    .invalidValue, "\(file): the weights '\(t.name)' are external without a location inside the model's folder")
            }
            let whole = try InputFile.bytes(folder + "/" + location, what: "ONNX external data file", maxBytes: 1 << 34)
            let offset = Int(entries["offset"] ?? "0") ?? -1
            let length = entries["length"].flatMap { Int($0) } ?? (whole.count - max(offset, 0))
            guard offset >= 0, length >= 0, offset <= whole.count, length <= whole.count - offset else {
                throw SpindleError(
                    .invalidValue, "\(file): the weights '\(t.name)' lie outside '\(location)' (offset \(offset), length \(length))")
            }
            return [UInt8](whole[whole.startIndex + offset..<whole.startIndex + offset + length])
        }
        if !t.rawData.isEmpty { return [UInt8](t.rawData) }
        if !t.floatData.isEmpty {
            var out: [UInt8] = []
            out.reserveCapacity(t.floatData.count * 4)
            for f in t.floatData { withUnsafeBytes(of: f.bitPattern.littleEndian) { out += $0 } }
            return out
        }
        if !t.doubleData.isEmpty {
            var out: [UInt8] = []
            for d in t.doubleData { withUnsafeBytes(of: d.bitPattern.littleEndian) { out += $0 } }
            return out
        }
        if !t.int32Data.isEmpty {
            // int8, float16 and bfloat16 are stored one element per int32.
            let size = elementSizes[t.dataType] ?? 4
            var out: [UInt8] = []
            for v in t.int32Data { withUnsafeBytes(of: UInt32(bitPattern: v).littleEndian) { out += $0.prefix(size) } }
            return out
        }
        return []
    }

    static func transpose(_ bytes: [UInt8], rows: Int, columns: Int, size: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: bytes.count)
        for r in 0..<rows {
            for c in 0..<columns {
                let from = (r * columns + c) * size, to = (c * rows + r) * size
                for b in 0..<size { out[to + b] = bytes[from + b] }
            }
        }
        return out
    }
}
