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
}
