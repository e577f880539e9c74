import Foundation
import SpindleCore
import SpindleWorkload
import Testing

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
        let rect = try fixture("rect-kernel"), lstm = try fixture("lstm")
        do {
            _ = try ONNXModel.network(path: rect)
            Issue.record("a 1x3 kernel was accepted")
        } catch {
            #expect(error.description.contains("node 'conv1d_like' (Conv): a 1x3 kernel"))
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

    @Test("Truncated and bit-flipped models are refused or read, never a crash")
    func damaged() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try fixture("tiny-cnn"))))
        var rng = RandomStream(seed: 5)
        var refused = 0
        for k in 0..<300 {
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
        #expect(refused > 50)
    }
}
