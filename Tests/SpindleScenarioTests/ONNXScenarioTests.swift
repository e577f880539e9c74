import Foundation
import SpindleCore
import SpindleScenario
import SpindleTestSupport
import SpindleWorkload
import Testing

@Suite("Scenarios with ONNX models")
struct ONNXScenarioTests {
    @Test("compression: {weights: model} compresses the ONNX model's own weights; other models are refused")
    func ownWeights() throws {
        let dir = try temporaryFiles([
            "own.yaml": """
            name: own
            topology: builtin:topologies/single-chip-4x4.yaml
            model: \(repoPath("examples/onnx/tiny-cnn.onnx"))
            compression: {method: smartdeal, weights: model}
            layers: [conv1, pw]
            """,
            "zoo.yaml":
                "name: z\ntopology: builtin:topologies/single-chip-4x4.yaml\nmodel: tiny-cnn\ncompression: {method: osc, weights: model}\n",
        ])
        let s = try ScenarioLoader.load(dir + "/own.yaml")
        let w = try #require(s.modelWeights)
        #expect(w.map(\.shape.name) == ["conv1", "dw", "pw", "fc"])
        #expect(w[0].tensor.shape == [16, 3, 3, 3])
        do {
            _ = try ScenarioLoader.load(dir + "/zoo.yaml")
            Issue.record("weights: model on a zoo network was accepted")
        } catch {
            #expect(error.description.contains("zoo.yaml:4") && error.description.contains("weights: model"))
        }
    }

    @Test("model: FILE.onnx loads the file beside the scenario; its bytes enter the input hash; a missing file names the line")
    func scenario() throws {
        let dir = try temporaryFiles([
            "s.yaml": "name: s\ntopology: builtin:topologies/single-chip-4x4.yaml\nmodel: net.onnx\nbatch: 2\nmapping: simple\n",
            "missing.yaml": "name: m\ntopology: builtin:topologies/single-chip-4x4.yaml\nmodel: nothere.onnx\n",
        ])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: repoPath("examples/onnx/tiny-cnn.onnx")))
        try bytes.write(to: URL(fileURLWithPath: dir + "/net.onnx"))
        let s = try ScenarioLoader.load(dir + "/s.yaml")
        #expect(s.network.name == "net" && s.network.layers.map(\.name) == ["conv1", "dw", "pw", "fc"])
        #expect(s.network == (try ONNXModel.network(path: repoPath("examples/onnx/tiny-cnn.onnx"), name: "net")))
        // The same file gives the same hash; another model under the same name does not.
        #expect(try ScenarioLoader.load(dir + "/s.yaml").inputHash == s.inputHash)
        try Data(contentsOf: URL(fileURLWithPath: repoPath("examples/onnx/attention.onnx"))).write(
            to: URL(fileURLWithPath: dir + "/net.onnx"))
        #expect(try ScenarioLoader.load(dir + "/s.yaml").inputHash != s.inputHash)
        do {
            _ = try ScenarioLoader.load(dir + "/missing.yaml")
            Issue.record("a missing model loaded")
        } catch {
            #expect(error.kind == .fileNotFound && error.description.contains("missing.yaml:3"))
        }
    }

    @Test("model_dimensions gives an ONNX model's symbolic dimensions their values; unknown names and zoo models are refused by line")
    func dimensions() throws {
        let model = repoPath("examples/onnx/gpt2-block.onnx")
        let head = "name: g\ntopology: builtin:topologies/single-chip-4x4.yaml\nmodel: \(model)\n"
        let dir = try temporaryFiles([
            "a.yaml": head + "model_dimensions: {sequence: 32}\n",
            "b.yaml": head + "model_dimensions: {sequence: 64}\n",
            "unknown.yaml": head + "model_dimensions: {tokens: 64}\n",
            "zoo.yaml": "name: z\ntopology: builtin:topologies/single-chip-4x4.yaml\nmodel: resnet18\nmodel_dimensions: {N: 2}\n",
        ])
        let a = try ScenarioLoader.load(dir + "/a.yaml"), b = try ScenarioLoader.load(dir + "/b.yaml")
        #expect(a.network.layers.first?.inHeight == 32 && b.network.layers.first?.inHeight == 64)
        #expect(b.network.macsPerSample > 2 * a.network.macsPerSample)
        #expect(a.inputHash != b.inputHash)
        for (file, line, text) in [("unknown.yaml", 4, "no symbolic dimension 'tokens'"), ("zoo.yaml", 4, "model_dimensions")] {
            do {
                _ = try ScenarioLoader.load(dir + "/" + file)
                Issue.record("\(file) loaded")
            } catch {
                #expect(error.description.contains("\(file):\(line)") && error.description.contains(text), "\(error)")
            }
        }
    }
}
