import Foundation
import SpindleCore
import SpindleWorkload
import Testing

@testable import SpindleHardware
@testable import SpindleStudies

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

    @Test("SRAM counts and cycles exact, DRAM counts exact, in the golden access report")
    func access() throws {
        let r = try alexnetConv1()
        let g = try goldenRow("DETAILED_ACCESS_REPORT.csv")
        #expect([r.sramIfmapStart, r.sramIfmapStop, r.sramIfmapReads].map(Double.init) == Array(g[0...2]))
        #expect([r.sramFilterStart, r.sramFilterStop, r.sramFilterReads].map(Double.init) == Array(g[3...5]))
        #expect([r.sramOfmapStart, r.sramOfmapStop, r.sramOfmapWrites].map(Double.init) == Array(g[6...8]))
        #expect(Double(r.dramIfmapReads) == g[11])  // 1,805,023: the estimator reproduced exactly
        #expect(Double(r.dramFilterReads) == g[14])
        #expect(Double(r.dramOfmapWrites) == g[17])  // 3,484,831: the write buffer's early-closed line counts in full
    }

    @Test(
        "The v3 reports equal SCALE-Sim v3's, every column: CALC (prefetch, write-back, bandwidths) and USER bandwidth (stalls)",
        arguments: [("scale-v3.cfg", "golden_v3_calc"), ("scale-v3-user.cfg", "v3_user_bw10")])
    func v3Reports(config: String, reports: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spindle-ss3-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cfg = try ScaleSimConfig.parse(try text(try scaleSimFixture(config)), file: config)
        let layer = try ScaleSimTopology.parse(try text(try scaleSimFixture("alexnet_part.csv")), file: "a", gemm: false)[0]
        try ScaleSimArray.writeReports([try ScaleSimArray.run(layer, config: cfg)], to: dir, layout: .v3)
        for name in ["COMPUTE_REPORT.csv", "BANDWIDTH_REPORT.csv", "DETAILED_ACCESS_REPORT.csv"] {
            let ours = try text(dir + "/" + name).split(separator: "\n")
            let golden = try text(try scaleSimFixture(reports + "/" + name)).split(separator: "\n")
            #expect(ours[0] == golden[0], "\(name) header")
            let a = ours[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let b = golden[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(a.count == b.count, "\(name)")
            for (x, y) in zip(a, b) {
                let u = try #require(Double(x), "\(name): \(x)"), v = try #require(Double(y))
                #expect(abs(u - v) <= 1e-9 * max(1, abs(v)), "\(name): \(x) vs \(y)")
            }
        }
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
        #expect(
            gemm[0]
                == ScaleSimLayer(
                    name: "Test 1", ifmapHeight: 128, ifmapWidth: 256, filterHeight: 1, filterWidth: 256, channels: 1, filters: 64,
                    strideHeight: 1, strideWidth: 1))
        #expect(gemm[0].ofmapPixels == 128 && gemm[0].window == 256)
        let dp = try ScaleSimTopology.parse(convHeader + "\nConvDP1, 8, 8, 3, 3, 4, 1, 1,\n", file: "d", gemm: false)
        #expect(dp.map(\.name) == ["ConvDP1Channel_0", "ConvDP1Channel_1", "ConvDP1Channel_2", "ConvDP1Channel_3"])
        #expect(dp.allSatisfy { $0.channels == 1 })
    }

    @Test("Bad topologies and configs are clear errors with the line")
    func badInput() throws {
        // A conv CSV read as GEMM, or a GEMM CSV as conv, is refused at its header.
        #expect {
            _ = try ScaleSimTopology.parse(convHeader + "\nConv1, 8, 8, 3, 3, 4, 1, 1,\n", file: "t.csv", gemm: true)
        } throws: { "\($0)".contains("t.csv:1") && "\($0)".contains("read as GEMM") }
        #expect {
            _ = try ScaleSimTopology.parse("Layer Name, M, N, K,\nG, 8, 8, 8,\n", file: "g.csv", gemm: false)
        } throws: { "\($0)".contains("Add --gemm") }
        // Products that would overflow are refused with the layer's line.
        #expect {
            _ = try ScaleSimTopology.parse("Layer Name, M, N, K,\nG, 16777216, 16777216, 16777216,\n", file: "g.csv", gemm: true)
        } throws: { "\($0)".contains("g.csv:2") && "\($0)".contains("MACs") }
        #expect {
            _ = try ScaleSimConfig.parse("[architecture_presets]\nArrayHeight: 1000000000\n", file: "c.cfg")
        } throws: { "\($0)".contains("c.cfg:2") && "\($0)".contains("4096") }
        #expect {
            _ = try ScaleSimTopology.parse(convHeader + "\nConv1, 224, 224, 11, 11, 3, 96, 4\n", file: "t.csv", gemm: false)
        } throws: { ($0 as? SpindleError)?.description.contains("t.csv:2") == true && "\($0)".contains("Strides") }
        #expect {
            _ = try ScaleSimTopology.parse(convHeader + "\nConv1, 4, 4, 11, 11, 3, 96, 4,\n", file: "t.csv", gemm: false)
        } throws: { ($0 as? SpindleError)?.description.contains("larger than its input") == true }
        #expect {
            _ = try ScaleSimConfig.parse("[architecture_presets]\nArrayHeigth: 32\n", file: "c.cfg")
        } throws: { ($0 as? SpindleError)?.hint == "Did you mean 'ArrayHeight'?" }
        #expect {
            _ = try ScaleSimConfig.parse("[architecture_presets]\nArrayHeight: 0\n", file: "c.cfg")
        } throws: { ($0 as? SpindleError)?.location?.line == 2 }
        #expect {
            _ = try ScaleSimConfig.parse("[architecture_presets]\nDataflow: rs\n", file: "c.cfg")
        } throws: { ($0 as? SpindleError)?.choices == ["ws", "os", "is"] }
    }

    @Test("The v3 config (WS) parses with its extra sections and gives the same cycles")
    func v3() throws {
        let cfg = try ScaleSimConfig.parse(try text(try scaleSimFixture("scale-v3.cfg")), file: "scale-v3.cfg")
        #expect(cfg.dataflow == "ws")
        let layers = try ScaleSimTopology.parse(try text(try scaleSimFixture("alexnet_part.csv")), file: "a", gemm: false)
        #expect(try ScaleSimArray.run(layers[0], config: cfg).totalCycles == 112_283)
    }
}

@Suite("SCALE-Sim output- and input-stationary dataflows")
struct ScaleSimDataflowTests {
    func conv1(_ dataflow: String) throws -> ScaleSimLayerReport {
        var cfg = try ScaleSimConfig.parse(try text(try scaleSimFixture("scale-v2.cfg")), file: "scale-v2.cfg")
        cfg.dataflow = dataflow
        let layer = try ScaleSimTopology.parse(try text(try scaleSimFixture("alexnet_part.csv")), file: "a", gemm: false)[0]
        return try ScaleSimArray.run(layer, config: cfg)
    }

    @Test("OS folds pixels x filters: 95 x 3 folds of T + R + C - 2 = 425 cycles; SRAM counts by re-reads")
    func outputStationary() throws {
        let r = try conv1("os")  // the v2 config's own dataflow
        #expect(r.totalCycles == 95 * 3 * (363 + 32 + 32 - 2) - 1)
        #expect(r.sramIfmapReads == 3 * 363 * 3_025)  // every pixel's window, once per filter fold
        #expect(r.sramFilterReads == 95 * 363 * 96)  // every filter, once per pixel fold
        #expect(r.sramOfmapWrites == 3_025 * 96)  // outputs leave the array once
        #expect(abs(r.mappingEfficiency - (94.0 * 32 + 17) / 95 / 32 * 100) < 1e-9)  // 3025 = 94 x 32 + 17 pixels
        #expect(r.dramFilterReads >= 34_848 && r.dramIfmapReads >= 150_528 - 2_000)
    }

    @Test("IS keeps inputs stationary: 12 x 95 folds of T + 2R + C - 2 = 190 cycles")
    func inputStationary() throws {
        let r = try conv1("is")
        #expect(r.totalCycles == 12 * 95 * (96 + 64 + 32 - 2) - 1)
        #expect(r.sramIfmapReads == 363 * 3_025)  // each input element loaded into the array once
        #expect(r.sramFilterReads == 95 * 96 * 363)
        #expect(r.sramOfmapWrites == 12 * 96 * 3_025)  // partial sums written once per window fold
        // Filters (34,848 words) exceed the 32,750-word estimator window, so every pixel fold re-reads them.
        #expect(r.dramFilterReads == r.sramFilterReads)
    }

    @Test("All three dataflows do the same MACs; utilisation = MACs / (cycles x array)")
    func consistency() throws {
        for d in ["ws", "os", "is"] {
            let r = try conv1(d)
            let macs = 3_025.0 * 363 * 96
            #expect(abs(r.overallUtilisation - macs * 100 / (Double(r.totalCycles) * 1_024)) < 1e-9, "\(d)")
            #expect(r.sramIfmapStart >= 1 && r.sramIfmapStop <= r.totalCycles + 1, "\(d)")
        }
    }
}

@Suite("Systolic PE-array tiles")
struct SystolicTileTests {
    @Test("A systolic tile times a job as SCALE-Sim mode does (cycles = its total + 1)", arguments: SystolicDataflow.allCases)
    func matchesStudy(dataflow: SystolicDataflow) throws {
        var cfg = ScaleSimConfig()
        cfg.dataflow = dataflow.rawValue
        let layer = try ScaleSimTopology.parse(try text(try scaleSimFixture("alexnet_part.csv")), file: "a", gemm: false)[0]
        let study = try ScaleSimArray.run(layer, config: cfg)
        var tile = TileType(name: "t", kind: .peArray, macsPerCycle: 1_024, clockGHz: 1, bufferBytes: 1 << 30)
        tile.systolic = (32, 32, dataflow)
        let work = tile.work(macs: UInt64(layer.macs), gemm: (layer.window, layer.filters, layer.ofmapPixels))
        let duration = work.durationPs
        #expect(duration == UInt64(study.totalCycles + 1) * 1_000)
        #expect(work.counts(on: tile) == [.macInt8: UInt64(layer.macs)])
        // Without the array, the same tile would be ideal: MACs / 1024 cycles, shorter than any dataflow.
        tile.systolic = nil
        #expect(tile.work(macs: UInt64(layer.macs)).durationPs < duration)
    }
}

/// SCALE-Sim's convolution header row.
let convHeader = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,"

@Suite("SCALE-Sim v3 configs")
struct ScaleSimV3Tests {
    @Test("v3 features that change the results are refused by name when switched on; their neutral settings run")
    func v3Features() throws {
        let base = try text(try scaleSimFixture("scale-v3.cfg"))
        #expect(try ScaleSimConfig.parse(base, file: "v3").dataflow == "ws")
        for (from, to, key) in [
            ("UseRamulatorTrace: False", "UseRamulatorTrace: True", "UseRamulatorTrace"),
            ("IfmapCustomLayout: False", "IfmapCustomLayout: True", "IfmapCustomLayout"),
            ("MemoryBanks:   1", "MemoryBanks:   4", "MemoryBanks"),
        ] {
            #expect(base.contains(from), "\(from)")
            do {
                _ = try ScaleSimConfig.parse(base.replacingOccurrences(of: from, with: to), file: "v3")
                Issue.record("accepted \(to)")
            } catch {
                #expect(error.kind == .unsupported && error.message.contains(key), "\(error)")
            }
        }
        // USER bandwidth stalls output stationary too (every column checked on the v3 suite).
        let user = base.replacingOccurrences(of: "InterfaceBandwidth: CALC", with: "InterfaceBandwidth: USER")
        var cfg = try ScaleSimConfig.parse(user, file: "v3")
        cfg.dataflow = "os"
        let layer = try ScaleSimTopology.parse(try text(try scaleSimFixture("alexnet_part.csv")), file: "a", gemm: false)[0]
        let stalled = try ScaleSimArray.run(layer, config: cfg)
        #expect(stalled.stallCycles > 0 && stalled.totalCycles > stalled.stallCycles)
        // Request buffers only matter with Ramulator traces: accepted.
        #expect(throws: Never.self) {
            _ = try ScaleSimConfig.parse(base.replacingOccurrences(of: "ReadRequestBuffer: 32", with: "ReadRequestBuffer: 8"), file: "v3")
        }
    }
}

extension ScaleSimV3Tests {
    @Test("With the compatibility switch, output-stationary OFMAP writes gain the array's rows + columns per fold, as SCALE-Sim counts")
    func osFoldEdgeWrites() throws {
        var cfg = try ScaleSimConfig.parse(try text(try scaleSimFixture("scale-v2.cfg")), file: "v2")
        #expect(cfg.dataflow == "os")
        let layer = try ScaleSimTopology.parse(try text(try scaleSimFixture("alexnet_part.csv")), file: "a", gemm: false)[0]
        let plain = try ScaleSimArray.run(layer, config: cfg)
        cfg.osFoldEdgeWrites = true
        let counted = try ScaleSimArray.run(layer, config: cfg)
        let folds = ((layer.ofmapPixels + 31) / 32) * ((layer.filters + 31) / 32)
        #expect(counted.sramOfmapWrites == plain.sramOfmapWrites + folds * 64)
        #expect(plain.sramOfmapWrites == layer.ofmapPixels * layer.filters)
        #expect(counted.totalCycles == plain.totalCycles && counted.dramOfmapWrites == plain.dramOfmapWrites)
    }
}
