import Foundation
import SpindleCore
import SpindleWorkload
import Testing

@testable import SpindleCompression

@Suite("Weights from ONNX models")
struct ONNXWeightTests {
    /// The repository's examples folder, found from this file's path.
    static let examples: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path + "/examples/onnx/"
    }()

    @Test("A model's layer weights read under their layers' names, as [out, in, kh, kw] and [out, in], with the values onnx wrote")
    func tinyCNN() throws {
        let tensors = try WeightFiles.read(Self.examples + "tiny-cnn.onnx")
        #expect(tensors.map(\.name) == ["conv1", "dw", "pw", "fc"])
        #expect(tensors.map(\.tensor.shape) == [[16, 3, 3, 3], [16, 1, 3, 3], [32, 16, 1, 1], [10, 32]])
        // The values the onnx package reads back (numpy_helper.to_array), sums to float32 rounding.
        let conv1 = tensors[0].tensor.floats, fc = tensors[3].tensor.floats
        #expect(
            conv1.prefix(3).map(Double.init).elementsEqual([0.03455841913819313, 0.0821618139743805, 0.03304370865225792]) {
                abs($0 - $1) < 1e-7
            })
        #expect(abs(conv1.reduce(0, +) - -3.240309238433838) < 1e-4)
        #expect(abs(fc.reduce(0, +) - 1.6437523365020752) < 1e-4)
        // They feed the compressors like any weight file.
        let shapes = try Compressor.fromFile(Self.examples + "tiny-cnn.onnx")
        #expect(shapes.count == 4)
    }

    @Test("MatMul weights are transposed to [out, in]; activation products have none")
    func attention() throws {
        let tensors = try WeightFiles.read(Self.examples + "attention.onnx")
        #expect(tensors.map(\.name) == ["q_proj", "k_proj", "v_proj", "o_proj"])
        #expect(tensors.allSatisfy { $0.tensor.shape == [64, 64] })
        // Stored [in, out]: element [out 0, in 1] is the file's [1][0], and so on.
        let q = tensors[0].tensor.floats
        #expect(abs(Double(q[0 * 64 + 1]) - -0.08859825879335403) < 1e-7)
        #expect(abs(Double(q[1 * 64 + 0]) - -0.13330528140068054) < 1e-7)
        #expect(abs(Double(q[3 * 64 + 5]) - 0.0397164411842823) < 1e-7)
    }

    @Test("A model whose weights are in an absent external file says which file it needs")
    func external() throws {
        var url = URL(fileURLWithPath: #filePath)
        url.deleteLastPathComponent()
        do {
            _ = try WeightFiles.read(url.path + "/../SpindleWorkloadTests/Fixtures/onnx/resnet50.onnx")
            Issue.record("weights were read from a file that is not there")
        } catch {
            #expect(error.kind == .fileNotFound && error.description.contains("resnet50.weights"))
        }
    }
}
