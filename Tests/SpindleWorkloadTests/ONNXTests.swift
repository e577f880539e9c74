import Foundation
import SpindleCore
import SwiftProtobuf
import Testing

@testable import SpindleWorkload

@Suite("ONNX models")
struct ONNXTests {
    func fixture(_ name: String) throws -> String {
        try #require(Bundle.module.url(forResource: "Fixtures/onnx/" + name, withExtension: "onnx")).path
    }

    @Test("ResNet-50's graph (weights in an external file that is absent) equals the zoo's ResNet-50 layer for layer")
    func resnet50() throws {
        let n = try ONNXModel.network(path: try fixture("resnet50"))
        let zoo = try #require(ModelZoo.network(named: "resnet50"))
        #expect(n.name == "resnet50")
        #expect(n.layers.count == zoo.layers.count)
        // The zoo keeps a block's downsample after its third conv; the graph lists it where the export puts it.
        for l in zoo.layers {
            let got = try #require(n.layers.first { $0.name == l.name }, "no layer \(l.name)")
            #expect(got == l, "\(l.name): \(got) vs \(l)")
        }
        #expect(n.parameters == zoo.parameters && n.macsPerSample == zoo.macsPerSample)
        // torchvision's ResNet-50 has 25,557,032 parameters; without the 53,120 of batch norms and the
        // 1,000 biases of fc: 25,502,912.
        #expect(n.parameters == 25_502_912)
    }

    @Test("A small CNN: convolutions (padded, depthwise, 1x1) and a Gemm, with shapes through pools and a flatten")
    func tinyCNN() throws {
        let n = try ONNXModel.network(path: try fixture("tiny-cnn"))
        #expect(n.layers.map(\.name) == ["conv1", "dw", "pw", "fc"])
        let conv1 = n.layers[0], dw = n.layers[1], pw = n.layers[2], fc = n.layers[3]
        #expect(conv1 == .conv("conv1", 3, 16, size: 32, kernel: 3, padding: 1))
        #expect(dw == .depthwise("dw", 16, size: 16, kernel: 3, stride: 2, padding: 1))
        #expect(pw == .conv("pw", 16, 32, size: 8, kernel: 1))
        #expect(fc == .linear("fc", 32, 10))
        #expect(n.macsPerSample == 3 * 9 * 16 * 32 * 32 + 9 * 16 * 8 * 8 + 16 * 32 * 8 * 8 + 32 * 10)
    }

    @Test("Attention: projections become linear layers over the tokens, the two activation products matmuls per head")
    func attention() throws {
        let n = try ONNXModel.network(path: try fixture("attention"))
        #expect(n.layers.map(\.name) == ["q_proj", "k_proj", "v_proj", "scores", "context", "o_proj"])
        for name in ["q_proj", "k_proj", "v_proj", "o_proj"] {
            #expect(n.layers.first { $0.name == name } == .linear(name, 64, 64, tokens: 8))
        }
        #expect(n.layers[3] == .matmul("scores", rows: 8, inner: 32, cols: 8, count: 2))
        #expect(n.layers[4] == .matmul("context", rows: 8, inner: 8, cols: 32, count: 2))
        #expect(n.parameters == 4 * 64 * 64)
    }

    @Test("What the layer model cannot express, and operators the importer cannot follow, are errors naming the node")
    func refusals() throws {
        let conv3d = try fixture("conv3d"), lstm = try fixture("lstm")
        do {
            _ = try ONNXModel.network(path: conv3d)
            Issue.record("a 3-D convolution was accepted")
        } catch {
            #expect(error.description.contains("node 'video_conv' (Conv): a 3-D convolution"))
        }
        do {
            _ = try ONNXModel.network(path: lstm)
            Issue.record("an LSTM was accepted")
        } catch {
            #expect(error.description.contains("node 'encoder_lstm' (LSTM): this operator is not supported"))
            #expect(error.description.contains("MatMul"))
        }
        do {
            _ = try ONNXModel.network(Data("not a model".utf8), file: "x.onnx", name: "x")
            Issue.record("text was read as a model")
        } catch {
            #expect(error.kind == .syntax)
        }
    }

    /// Every output shape the importer infers for `name`, with `dimensions`.
    func inferredShapes(_ name: String, dimensions: [String: Int] = [:]) throws -> [String: [Int]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: try fixture(name)))
        let model = try Onnx_ModelProto(serializedBytes: data)
        var importer = ONNXModel.Importer(file: name, bits: 8, dimensions: dimensions)
        try importer.read(model.graph)
        return importer.shapes
    }

    /// onnx's own shape inference of the fixtures (`conv-shapes.json`, written by `make_fixtures.py`).
    func referenceShapes() throws -> [String: [String: [Int]]] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/onnx/conv-shapes", withExtension: "json"))
        return try JSONDecoder().decode([String: [String: [Int]]].self, from: Data(contentsOf: url))
    }

    @Test("1-D, rectangular, strided, dilated and asymmetrically padded convolutions have onnx's own output shapes")
    func convolutionShapes() throws {
        let reference = try #require(try referenceShapes()["conv-shapes"])
        let shapes = try inferredShapes("conv-shapes")
        #expect(reference.count == 6)
        for (tensor, shape) in reference { #expect(shapes[tensor] == shape, "\(tensor)") }
        let n = try ONNXModel.network(path: try fixture("conv-shapes"))
        #expect(n.layers.map(\.name) == ["conv1d_a", "conv1d_dilated", "conv_1x7", "conv_7x1", "conv_same_grouped"])
        let a = n.layers[0], b = n.layers[1], c = n.layers[2], d = n.layers[3], e = n.layers[4]
        #expect(a == .conv1d("conv1d_a", 8, 16, length: 100, kernel: 5, stride: 2, padding: 2))
        #expect(a.weightShape.kernelHeight == 1 && a.weightShape.kernelWidth == 5 && a.parameters == 16 * 8 * 5)
        #expect(b.dilationWidth == 2 && b.outWidth == 21 && b.macsPerSample == UInt64(21 * 32 * 16 * 3))
        #expect(c.kernelHeight == 1 && c.kernelWidth == 7 && c.paddingWidth == 5 && c.strideWidth == 2 && c.outWidth == 10)
        #expect(d.kernelHeight == 7 && d.kernelWidth == 1 && d.strideHeight == 2 && d.outHeight == 4 && !d.isSquare)
        // SAME_UPPER over 4 x 10 with stride 2: ceil(4/2) x ceil(10/2).
        #expect(e.outHeight == 2 && e.outWidth == 5 && e.groups == 2 && e.parameters == 16 * 4 * 9)
        // Per layer, outputs x taps x channels: 50x16x(8x5) + 21x32x(16x3) + 80x8x(4x7) + 40x8x(8x7) + 10x16x(4x9).
        #expect(n.macsPerSample == 32_000 + 32_256 + 17_920 + 17_920 + 5_760)
    }

    @Test("A GPT-2 block as the exporter writes it: computed reshapes and masks fold, and its work equals the zoo's GPT-2 block")
    func gpt2Block() throws {
        // Every shape onnx infers at sequence 16 is inferred the same.
        let reference = try #require(try referenceShapes()["gpt2-block"])
        let shapes = try inferredShapes("gpt2-block", dimensions: ["sequence": 16])
        #expect(reference.count > 70)
        for (tensor, shape) in reference { #expect(shapes[tensor] == shape, "\(tensor)") }

        let tokens = 128
        let reading = try ONNXModel.read(path: try fixture("gpt2-block"), dimensions: ["sequence": tokens])
        #expect(reading.dimensions == ["batch": 1, "sequence": tokens])
        let n = reading.network
        let gpt2 = try #require(TransformerZoo.model(named: "gpt2"))
        let zoo = Array(gpt2.network(tokens: tokens).layers.prefix { $0.name.hasPrefix("blocks.0.") })
        #expect(zoo.count == 8)
        // The export fuses Q, K and V into one 768 x 2304 projection (c_attn): one layer where the zoo has three.
        #expect(n.layers.count == zoo.count - 2)
        #expect(n.parameters == zoo.reduce(0) { $0 + $1.parameters })
        #expect(n.parameters == 12 * 768 * 768)
        #expect(n.macsPerSample == zoo.reduce(UInt64(0)) { $0 + $1.macsPerSample })
        let scores = try #require(n.layers.first { $0.kind == .matmul && $0.outChannels == tokens })
        #expect(scores == .matmul(scores.name, rows: tokens, inner: 64, cols: tokens, count: 12))
        let fc = try #require(n.layers.first { $0.name == "h.0.mlp.c_fc/Gemm" })
        #expect(fc == .linear(fc.name, 768, 3_072, tokens: tokens))

        // A dimension the model does not have is an error naming the ones it has.
        let block = try fixture("gpt2-block")
        do {
            _ = try ONNXModel.network(path: block, dimensions: ["seq": 8])
            Issue.record("an unknown dimension was accepted")
        } catch {
            #expect(error.description.contains("'seq'") && error.description.contains("sequence"))
        }
    }

    @Test("Truncated and bit-flipped models are refused or read, never a crash")
    func damaged() throws {
        var rng = RandomStream(seed: 5)
        for name in ["tiny-cnn", "gpt2-block", "conv-shapes"] {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try fixture(name))))
            var refused = 0
            for k in 0..<200 {
                var b = bytes
                if k % 3 == 0 {
                    b = Array(b.prefix(Int(rng.next() % UInt64(b.count))))
                } else {
                    for _ in 0..<(1 + k % 4) { b[Int(rng.next() % UInt64(b.count))] = UInt8(truncatingIfNeeded: rng.next()) }
                }
                do {
                    let n = try ONNXModel.network(Data(b), file: "damaged.onnx", name: "d")
                    #expect(n.macsPerSample > 0)
                } catch {
                    refused += 1
                }
            }
            #expect(refused > 30, "\(name)")
        }
    }

    @Test("Integer constants and attributes set to extremes (shapes, indices, slice bounds, splits) are refused or read, never a crash")
    func hostileIntegers() throws {
        var rng = RandomStream(seed: 11)
        let extremes: [Int64] = [.min, .max, -1, 0, 1, 2, -2, 1 << 32, -(1 << 40), 7, 3]
        for name in ["gpt2-block", "conv-shapes", "attention"] {
            let model = try Onnx_ModelProto(serializedBytes: Data(contentsOf: URL(fileURLWithPath: try fixture(name))))
            var refused = 0
            for _ in 0..<150 {
                var m = model
                for _ in 0..<(1 + Int(rng.next() % 3)) {
                    let v = extremes[Int(rng.next() % UInt64(extremes.count))]
                    if rng.next() % 2 == 0 {
                        let k = Int(rng.next() % UInt64(m.graph.initializer.count))
                        guard !m.graph.initializer[k].int64Data.isEmpty || m.graph.initializer[k].dataType == 7 else { continue }
                        var values = ONNXModel.Importer.integers(m.graph.initializer[k]) ?? [0]
                        values[Int(rng.next() % UInt64(max(values.count, 1)))] = v
                        m.graph.initializer[k].rawData = Data()
                        m.graph.initializer[k].int64Data = values
                    } else {
                        let k = Int(rng.next() % UInt64(m.graph.node.count))
                        guard !m.graph.node[k].attribute.isEmpty else { continue }
                        let a = Int(rng.next() % UInt64(m.graph.node[k].attribute.count))
                        if m.graph.node[k].attribute[a].ints.isEmpty {
                            m.graph.node[k].attribute[a].i = v
                        } else {
                            let j = Int(rng.next() % UInt64(m.graph.node[k].attribute[a].ints.count))
                            m.graph.node[k].attribute[a].ints[j] = v
                        }
                    }
                }
                do {
                    let n = try ONNXModel.network(try m.serializedData(), file: "hostile.onnx", name: "h")
                    #expect(n.macsPerSample > 0)
                } catch {
                    refused += 1
                }
            }
            #expect(refused > 10, "\(name)")
        }
    }
}
