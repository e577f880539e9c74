import Foundation
import SpindleCore
import Testing

@testable import SpindleHardware

func scaleSimFixture(_ name: String) throws -> String {
    try #require(Bundle.module.url(forResource: "Fixtures/scale-sim/" + name, withExtension: nil)).path
}

func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

/// The second line of a SCALE-Sim report as numbers (after LayerID).
func goldenRow(_ file: String) throws -> [Double] {
    let lines = try text(try scaleSimFixture("golden_v2/" + file)).split(separator: "\n")
    return lines[1].split(separator: ",").dropFirst().compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
}

@Suite("SCALE-Sim compatibility")
struct ScaleSimTests {
    func alexnetConv1() throws -> ScaleSimLayerReport {
        var cfg = try ScaleSimConfig.parse(try text(try scaleSimFixture("scale-v2.cfg")), file: "scale-v2.cfg")
        #expect(cfg.dataflow == "os")
        cfg.dataflow = "ws"
        let layers = try ScaleSimTopology.parse(try text(try scaleSimFixture("alexnet_part.csv")), file: "a", gemm: false)
        #expect(layers.count == 1 && layers[0].ofmapHeight == 55)  // ceil((224 - 11 + 4) / 4), no padding
        return try ScaleSimArray.run(layers[0], config: cfg)
    }

    @Test("AlexNet Conv1 on a 32x32 WS array reproduces the v2 golden compute report")
    func compute() throws {
        let r = try alexnetConv1()
        let golden = try goldenRow("COMPUTE_REPORT.csv")  // cycles, stalls, overall, mapping, compute
        #expect(Double(r.totalCycles) == golden[0])
        #expect(Double(r.stallCycles) == golden[1])
        #expect(abs(r.overallUtilisation - golden[2]) / golden[2] < 1e-12)
        #expect(abs(r.mappingEfficiency - golden[3]) / golden[3] < 1e-12)
        #expect(abs(r.computeUtilisation - golden[4]) / golden[4] < 1e-9)
    }

    @Test("SRAM counts and cycles exact, DRAM counts within 1 % of the golden access report")
    func access() throws {
        let r = try alexnetConv1()
        let g = try goldenRow("DETAILED_ACCESS_REPORT.csv")
        #expect([r.sramIfmapStart, r.sramIfmapStop, r.sramIfmapReads].map(Double.init) == Array(g[0...2]))
        #expect([r.sramFilterStart, r.sramFilterStop, r.sramFilterReads].map(Double.init) == Array(g[3...5]))
        #expect([r.sramOfmapStart, r.sramOfmapStop, r.sramOfmapWrites].map(Double.init) == Array(g[6...8]))
        #expect(Double(r.dramIfmapReads) == g[11])  // 1,805,023: the estimator reproduced exactly
        #expect(Double(r.dramFilterReads) == g[14])
        #expect(abs(Double(r.dramOfmapWrites) - g[17]) / g[17] < 0.01)
    }

    @Test("The written reports have SCALE-Sim's headers and the golden SRAM bandwidths")
    func reports() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spindle-ss-\(UUID().uuidString)").path
        try ScaleSimArray.writeReports([try alexnetConv1()], to: dir)
        for name in ["COMPUTE_REPORT.csv", "BANDWIDTH_REPORT.csv", "DETAILED_ACCESS_REPORT.csv"] {
            let ours = try text(dir + "/" + name).split(separator: "\n")
            let golden = try text(try scaleSimFixture("golden_v2/" + name)).split(separator: "\n")
            #expect(ours[0] == golden[0], "\(name) header")
        }
        let bw = try text(dir + "/BANDWIDTH_REPORT.csv").split(separator: "\n")[1].split(separator: ",")
        let golden = try goldenRow("BANDWIDTH_REPORT.csv")
        for k in 0..<3 { #expect(abs(Double(bw[k + 1].trimmingCharacters(in: .whitespaces))! - golden[k]) < 1e-12) }
    }

    @Test("Topology rules: trailing comma, header skipped, final line without newline, trimmed fields")
    func topologyRules() throws {
        let resnet = try ScaleSimTopology.parse(try text(try scaleSimFixture("Resnet18.csv")), file: "r", gemm: false)
        #expect(resnet.count == 21)
        #expect(resnet.last?.name == "FC" && resnet.last?.filters == 1000)
        let alexnet = try ScaleSimTopology.parse(try text(try scaleSimFixture("alexnet.csv")), file: "a", gemm: false)
        #expect(alexnet.count == 5)
        let gemm = try ScaleSimTopology.parse(try text(try scaleSimFixture("test_mnk_input.csv")), file: "g", gemm: true)
        // (M, N, K) = (128, 64, 256): an M x K input, a 1 x K filter, 1 channel, N filters.
        #expect(gemm[0] == ScaleSimLayer(name: "Test 1", ifmapHeight: 128, ifmapWidth: 256, filterHeight: 1, filterWidth: 256, channels: 1, filters: 64, strideHeight: 1, strideWidth: 1))
        #expect(gemm[0].ofmapPixels == 128 && gemm[0].window == 256)
        let dp = try ScaleSimTopology.parse("h\nConvDP1, 8, 8, 3, 3, 4, 1, 1,\n", file: "d", gemm: false)
        #expect(dp.map(\.name) == ["ConvDP1Channel_0", "ConvDP1Channel_1", "ConvDP1Channel_2", "ConvDP1Channel_3"])
        #expect(dp.allSatisfy { $0.channels == 1 })
    }

    @Test("Bad topologies and configs are clear errors with the line")
    func badInput() throws {
        #expect {
            _ = try ScaleSimTopology.parse("h\nConv1, 224, 224, 11, 11, 3, 96, 4\n", file: "t.csv", gemm: false)
        } throws: { ($0 as? SpindleError)?.description.contains("t.csv:2") == true && "\($0)".contains("Strides") }
        #expect {
            _ = try ScaleSimTopology.parse("h\nConv1, 4, 4, 11, 11, 3, 96, 4,\n", file: "t.csv", gemm: false)
        } throws: { ($0 as? SpindleError)?.description.contains("larger than its input") == true }
        #expect {
            _ = try ScaleSimConfig.parse("[architecture_presets]\nArrayHeigth: 32\n", file: "c.cfg")
        } throws: { ($0 as? SpindleError)?.hint == "Did you mean 'ArrayHeight'?" }
        #expect {
            _ = try ScaleSimConfig.parse("[architecture_presets]\nArrayHeight: 0\n", file: "c.cfg")
        } throws: { ($0 as? SpindleError)?.location?.line == 2 }
        var cfg = ScaleSimConfig()
        cfg.dataflow = "os"
        let layer = ScaleSimLayer(name: "x", ifmapHeight: 8, ifmapWidth: 8, filterHeight: 3, filterWidth: 3, channels: 1, filters: 1, strideHeight: 1, strideWidth: 1)
        #expect(throws: SpindleError.self) { _ = try ScaleSimArray.run(layer, config: cfg) }
    }

    @Test("The v3 config (WS) parses with its extra sections and gives the same cycles")
    func v3() throws {
        let cfg = try ScaleSimConfig.parse(try text(try scaleSimFixture("scale-v3.cfg")), file: "scale-v3.cfg")
        #expect(cfg.dataflow == "ws")
        let layers = try ScaleSimTopology.parse(try text(try scaleSimFixture("alexnet_part.csv")), file: "a", gemm: false)
        #expect(try ScaleSimArray.run(layers[0], config: cfg).totalCycles == 112_283)
    }
}
