import Foundation
import SpindleCore
import SpindleWorkload
import Testing

@testable import SpindleStudies

/// One SCALE-Sim v3 sparse run committed under `Fixtures/scale-sim/v3_suite` (see its `cases.csv`).
struct SparseCase: Sendable, CustomStringConvertible {
    let config: String, topology: String, gemm: Bool, reports: String
    var description: String { reports }

    static func all() throws -> [SparseCase] {
        let lines = try text(try scaleSimFixture("v3_suite/cases.csv")).split(separator: "\n").dropFirst()
        return lines.map { line in
            let f = line.split(separator: ",").map(String.init)
            return SparseCase(config: f[0], topology: f[1], gemm: f[2] == "true", reports: f[3])
        }
    }

    func run() throws -> [ScaleSimLayerReport] {
        var cfg = try ScaleSimConfig.parse(try text(try scaleSimFixture("v3_suite/" + config)), file: config)
        cfg.osFoldEdgeWrites = cfg.dataflow == "os"  // SCALE-Sim's output-stationary write count
        let layers = try ScaleSimTopology.parse(try text(try scaleSimFixture("v3_suite/" + topology)), file: topology, gemm: gemm)
        return try layers.map { l throws(SpindleError) in try ScaleSimArray.run(l, config: cfg) }
    }
}

/// The columns of SCALE-Sim's report `name` that differ from Spindle's, as "row:column ours/theirs".
func reportDifferences(_ reports: [ScaleSimLayerReport], golden directory: String, name: String) throws -> [String] {
    let ours = ScaleSimArray.reportFiles(reports, layout: .v3).first { $0.name == name }?.text ?? ""
    let theirs = try text(try scaleSimFixture(directory + "/" + name))
    let a = ours.split(separator: "\n"), b = theirs.split(separator: "\n")
    guard a.count == b.count, a.first == b.first else { return ["header or row count: \(a.first ?? "") / \(b.first ?? "")"] }
    var differences: [String] = []
    for (i, (x, y)) in zip(a, b).enumerated().dropFirst() {
        let u = x.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let v = y.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard u.count == v.count else { return ["row \(i) has \(u.count) columns, SCALE-Sim's \(v.count)"] }
        for (j, (p, q)) in zip(u, v).enumerated() {
            if let m = Double(p), let n = Double(q) {
                if abs(m - n) > 1e-9 * max(1, abs(n)) { differences.append("\(i):\(j) \(p)/\(q)") }
            } else if p != q {
                differences.append("\(i):\(j) \(p)/\(q)")
            }
        }
    }
    return differences
}

@Suite("SCALE-Sim v3 runs: N:M sparsity, and every dataflow")
struct ScaleSimSparsityTests {
    @Test("NumPy's legacy randint draws, as SCALE-Sim seeds them (values from NumPy 1.26)")
    func numpyDraws() {
        var r = NumPyLegacyRandom(seed: 40)
        #expect((0..<12).map { _ in r.int(1, 5) } == [3, 4, 4, 2, 1, 1, 3, 2, 1, 4, 3, 4])
        var s = NumPyLegacyRandom(seed: 7)
        #expect((0..<8).map { _ in s.int(1, 9) } == [8, 5, 2, 7, 4, 4, 8, 8])
        var t = NumPyLegacyRandom(seed: 0)
        #expect((0..<8).map { _ in t.int(1, 4) } == [1, 2, 1, 2, 2, 3, 1, 3])
        var one = NumPyLegacyRandom(seed: 1)
        #expect(one.int(1, 2) == 1 && one.next() == 1_791_095_845)  // a one-value range draws nothing
    }

    @Test(
        "Every column of every report equals SCALE-Sim v3's: ws/os/is, CALC and USER, dense, layer- and row-wise sparse",
        arguments: try SparseCase.all())
    func suite(_ c: SparseCase) throws {
        let reports = try c.run()
        let names = ["COMPUTE_REPORT.csv", "BANDWIDTH_REPORT.csv", "DETAILED_ACCESS_REPORT.csv"]
        let sparse = reports.first?.sparse != nil
        let reference = try scaleSimFixture("v3_suite/" + c.reports + "/COMPUTE_REPORT.csv")
        let hasSparseReport = FileManager.default.fileExists(
            atPath: (reference as NSString).deletingLastPathComponent + "/SPARSE_REPORT.csv")
        #expect(sparse == hasSparseReport)
        for name in names + (sparse ? ["SPARSE_REPORT.csv"] : []) {
            let differences = try reportDifferences(reports, golden: "v3_suite/" + c.reports, name: name)
            #expect(differences.isEmpty, "\(c) \(name): \(differences.prefix(6))")
        }
    }

    @Test("Layer-wise 2:4 halves the filter operand: closed-form storage, cycles and the M/N IFMAP read count")
    func layerWiseClosedForm() throws {
        var cfg = ScaleSimConfig()
        (cfg.rows, cfg.columns) = (8, 8)
        cfg.sparsity = ScaleSimSparsity()
        var layer = ScaleSimLayer(
            name: "g", ifmapHeight: 16, ifmapWidth: 64, filterHeight: 1, filterWidth: 64, channels: 1, filters: 16, strideHeight: 1,
            strideWidth: 1)
        layer.sparsity = NMSparsity(nonZero: 2, block: 4)
        let r = try ScaleSimArray.run(layer, config: cfg)
        let s = try #require(r.sparse)
        // 64 x 16 weights; 32 rows kept of 64; ELLPACK metadata: 2 bits per kept weight, in 32-bit words.
        #expect(s.originalFilterWords == 1_024 && s.metadataWords == 32 * 16 * 2 / 32 && s.newFilterWords == 512 + 32)
        // 4 row folds x 2 column folds of T + 2R + C - 2 = 16 + 16 + 8 - 2 lines.
        #expect(r.totalCycles == 8 * 38 - 1 && r.stallCycles == 0)
        #expect(r.sramIfmapReads == 2 * 16 * 32 && r.scaleSimIfmapSRAMReads == 2 * 16 * 32 * 2)
        #expect(s.metadataBandwidth == 32 / Double(r.totalCycles))
        cfg.sparsity = nil
        let dense = try ScaleSimArray.run(layer, config: cfg)
        #expect(dense.totalCycles == 16 * 38 - 1 && dense.sparse == nil)
    }

    @Test("Row-wise sparsity on random shapes never crashes and keeps SCALE-Sim's invariants")
    func rowWiseFuzz() throws {
        var g = SystemRandomNumberGenerator()
        for _ in 0..<40 {
            var cfg = ScaleSimConfig()
            cfg.rows = [2, 4, 6, 8].randomElement(using: &g)!
            cfg.columns = Int.random(in: 1...9, using: &g)
            (cfg.ifmapSRAMKB, cfg.filterSRAMKB, cfg.ofmapSRAMKB) = (1, 1, 1)
            cfg.interfaceBandwidth = Bool.random(using: &g) ? "USER" : "CALC"
            cfg.bandwidth = Int.random(in: 1...12, using: &g)
            var sparse = ScaleSimSparsity()
            sparse.rowWise = true
            sparse.blockSize = [2, 4, 8].filter { $0 <= cfg.rows && (2 * cfg.rows) % $0 == 0 }.randomElement(using: &g)!
            sparse.representation = ScaleSimSparsity.Representation.allCases.randomElement(using: &g)!
            sparse.seed = UInt32.random(in: 0...100, using: &g)
            cfg.sparsity = sparse
            let h = Int.random(in: 1...9, using: &g), w = Int.random(in: 1...9, using: &g)
            var layer = ScaleSimLayer(
                name: "f", ifmapHeight: h, ifmapWidth: w, filterHeight: Int.random(in: 1...h, using: &g),
                filterWidth: Int.random(in: 1...w, using: &g), channels: Int.random(in: 1...5, using: &g),
                filters: Int.random(in: 1...12, using: &g), strideHeight: Int.random(in: 1...3, using: &g), strideWidth: 1)
            layer.strideWidth = layer.strideHeight
            layer.sparsity = NMSparsity(nonZero: 1, block: Int.random(in: 1...8, using: &g))
            let r = try ScaleSimArray.run(layer, config: cfg)
            let rows = (layer.window + 2 * sparse.blockSize - 1) / (2 * sparse.blockSize) * sparse.blockSize
            #expect(r.sramFilterReads == rows * layer.filters, "\(cfg) \(layer)")
            #expect(r.dramFilterReads >= 1 && r.totalCycles > 0 && r.stallCycles >= 0)
            let kept = try #require(r.sparse)
            #expect(kept.originalFilterWords == layer.window * layer.filters)
        }
    }

    @Test("Bad sparsity input is a clear error: N:M, BlockSize, SparseRep, and row-wise off weight stationary")
    func badInput() throws {
        for bad in ["0:4", "5:4", "2-4", "2:", ":4", "2:4:8", "1:100000"] {
            let csv = "Layer Name, M, N, K, Sparsity,\nG, 4, 4, 16, \(bad),\n"
            #expect(throws: SpindleError.self, "\(bad)") { try ScaleSimTopology.parse(csv, file: "t.csv", gemm: true) }
        }
        let ok = try ScaleSimTopology.parse("Layer Name, M, N, K, Sparsity,\nG, 4, 4, 16, 2:4,\nH, 4, 4, 16,\n", file: "t.csv", gemm: true)
        #expect(ok[0].sparsity == NMSparsity(nonZero: 2, block: 4) && ok[1].sparsity == nil)
        let conv = try ScaleSimTopology.parse(convHeader + " Sparsity,\nC, 8, 8, 3, 3, 2, 4, 1, 1:4,\n", file: "c.csv", gemm: false)
        #expect(conv[0].sparsity == NMSparsity(nonZero: 1, block: 4) && conv[0].strideWidth == 1)
        let base = "[architecture_presets]\nArrayHeight: 8\nArrayWidth: 8\n[sparsity]\nSparsitySupport: true\nSparseRep: csr\n"
        #expect(try ScaleSimConfig.parse(base, file: "c.cfg").sparsity?.representation == .csr)
        for (extra, kind) in [
            ("OptimizedMapping: true\nBlockSize: 16\n", SpindleError.Kind.invalidValue),  // larger than the array's rows
            ("OptimizedMapping: true\nBlockSize: 6\n", .invalidValue),  // 6 does not divide 16
            ("OptimizedMapping: maybe\n", .invalidValue),
            ("SparseRep: coo\n", .invalidValue),
            ("BlockSise: 4\n", .unknownKey),
        ] {
            do {
                _ = try ScaleSimConfig.parse(base + extra, file: "c.cfg")
                Issue.record("accepted \(extra)")
            } catch {
                #expect(error.kind == kind && error.location?.line != nil, "\(error)")
            }
        }
        // configparser's rules: keys in any case, Bandwidth as a list (its first value), [network_presets] read.
        let python = try ScaleSimConfig.parse(
            "[architecture_presets]\narrayheight: 16\nIFMAPSRAMSZKB: 8\nBandwidth : 10,20,30\n[network_presets]\nTopologyCsvLoc = \"t.csv\"\n",
            file: "p.cfg")
        #expect(python.rows == 16 && python.ifmapSRAMKB == 8 && python.bandwidth == 10)
        #expect(throws: SpindleError.self) { try ScaleSimConfig.parse("[architecture_presets]\nBandwidth: 10,x\n", file: "b.cfg") }
        var cfg = try ScaleSimConfig.parse(base + "OptimizedMapping: true\nBlockSize: 4\n", file: "c.cfg")
        cfg.dataflow = "os"
        do {
            _ = try ScaleSimArray.run(ok[0], config: cfg)
            Issue.record("row-wise sparsity ran on os")
        } catch {
            #expect(error.kind == .unsupported && error.message.contains("row-wise"))
        }
        // A scenario's network cannot silently drop the sparsity of a topology row.
        #expect(throws: SpindleError.self) {
            try ScaleSimTopology.network("Layer Name, M, N, K, Sparsity,\nG, 4, 4, 16, 2:4,\n", file: "t.csv", gemm: true)
        }
    }
}
