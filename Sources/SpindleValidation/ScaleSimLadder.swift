import Foundation
import SpindleCore
import SpindleStudies
import SpindleWorkload

/// The SCALE-Sim rungs of the ladder: the golden AlexNet Conv1 reports on a 32 x 32 weight-stationary array,
/// SCALE-Sim v3 runs of AlexNet (CALC and USER bandwidth), and v3 runs on small arrays (every dataflow, N:M
/// sparsity).
public enum ScaleSimLadder {
    public static let folder = "scale-sim"

    /// The second line of a SCALE-Sim report as numbers (after the layer id).
    static func golden(_ path: String) throws(SpindleError) -> [Double] {
        let lines = TextLines.split(try InputFile.text(path, what: "SCALE-Sim report")).filter { !$0.isEmpty }
        guard lines.count >= 2 else { throw SpindleError(.syntax, "expected a header and one row", at: SourceLocation(file: path)) }
        return lines[1].split(separator: ",").dropFirst().compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    }

    public static func rows(directory: String) throws(SpindleError) -> [LadderRow] {
        let base = directory + "/" + folder
        var cfg = try ScaleSimConfig.parse(try InputFile.text(base + "/scale-v2.cfg"), file: base + "/scale-v2.cfg")
        cfg.dataflow = "ws"  // the golden case; the shipped v2 cfg says os
        let layers = try ScaleSimTopology.parse(
            try InputFile.text(base + "/alexnet_part.csv"), file: base + "/alexnet_part.csv", gemm: false)
        guard let layer = layers.first else { return [] }
        let r = try ScaleSimArray.run(layer, config: cfg)
        let compute = try golden(base + "/golden_v2/COMPUTE_REPORT.csv")
        let access = try golden(base + "/golden_v2/DETAILED_ACCESS_REPORT.csv")
        let name = "AlexNet Conv1, 32x32 WS"
        var rows: [LadderRow] = []
        func row(_ metric: String, _ unit: String, _ reference: Double, _ spindle: Double, _ tolerance: LadderRow.Tolerance, _ file: String)
        {
            rows.append(
                LadderRow(
                    peer: "SCALE-Sim v2", name: name, metric: metric, unit: unit, reference: reference, spindle: spindle,
                    tolerance: tolerance,
                    source: "\(folder)/golden_v2/\(file)"))
        }
        guard compute.count >= 5, access.count >= 18 else {
            throw SpindleError(.syntax, "the golden reports have too few columns", at: SourceLocation(file: base + "/golden_v2"))
        }
        row("total cycles", "cycles", compute[0], Double(r.totalCycles), .exact, "COMPUTE_REPORT.csv")
        row("stall cycles", "cycles", compute[1], Double(r.stallCycles), .exact, "COMPUTE_REPORT.csv")
        row("overall utilisation", "%", compute[2], r.overallUtilisation, .relative(1e-9), "COMPUTE_REPORT.csv")
        row("mapping efficiency", "%", compute[3], r.mappingEfficiency, .relative(1e-9), "COMPUTE_REPORT.csv")
        row("compute utilisation", "%", compute[4], r.computeUtilisation, .relative(1e-9), "COMPUTE_REPORT.csv")
        row("SRAM IFMAP reads", "words", access[2], Double(r.sramIfmapReads), .exact, "DETAILED_ACCESS_REPORT.csv")
        row("SRAM filter reads", "words", access[5], Double(r.sramFilterReads), .exact, "DETAILED_ACCESS_REPORT.csv")
        row("SRAM OFMAP writes", "words", access[8], Double(r.sramOfmapWrites), .exact, "DETAILED_ACCESS_REPORT.csv")
        row("DRAM IFMAP reads", "words", access[11], Double(r.dramIfmapReads), .exact, "DETAILED_ACCESS_REPORT.csv")
        row("DRAM filter reads", "words", access[14], Double(r.dramFilterReads), .exact, "DETAILED_ACCESS_REPORT.csv")
        row("DRAM OFMAP writes", "words", access[17], Double(r.dramOfmapWrites), .exact, "DETAILED_ACCESS_REPORT.csv")
        // SCALE-Sim v3's layout and DRAM timing (prefetch and write-back), same case.
        let v3Compute = try golden(base + "/golden_v3_calc/COMPUTE_REPORT.csv")
        let v3Access = try golden(base + "/golden_v3_calc/DETAILED_ACCESS_REPORT.csv")
        let v3Bandwidth = try golden(base + "/golden_v3_calc/BANDWIDTH_REPORT.csv")
        guard v3Compute.count >= 2, v3Access.count >= 18, v3Bandwidth.count >= 6 else {
            throw SpindleError(.syntax, "the v3 golden reports have too few columns", at: SourceLocation(file: base + "/golden_v3_calc"))
        }
        func v3(_ metric: String, _ unit: String, _ reference: Double, _ spindle: Double?, _ tolerance: LadderRow.Tolerance, _ file: String)
        {
            rows.append(
                LadderRow(
                    peer: "SCALE-Sim v3", name: name, metric: metric, unit: unit, reference: reference, spindle: spindle ?? .nan,
                    tolerance: tolerance, source: "\(folder)/golden_v3_calc/\(file)"))
        }
        v3("total cycles incl. prefetch", "cycles", v3Compute[0], r.totalCyclesWithPrefetch.map(Double.init), .exact, "COMPUTE_REPORT.csv")
        let spans: [(String, Int, Int?, Int?)] = [
            ("IFMAP", 9, r.dramIfmapStart, r.dramIfmapStop), ("filter", 12, r.dramFilterStart, r.dramFilterStop),
            ("OFMAP", 15, r.dramOfmapStart, r.dramOfmapStop),
        ]
        for (what, column, start, stop) in spans {
            v3("DRAM \(what) start cycle", "cycle", v3Access[column], start.map(Double.init), .exact, "DETAILED_ACCESS_REPORT.csv")
            v3("DRAM \(what) stop cycle", "cycle", v3Access[column + 1], stop.map(Double.init), .exact, "DETAILED_ACCESS_REPORT.csv")
        }
        v3("DRAM IFMAP bandwidth", "words/cycle", v3Bandwidth[3], r.dramIfmapBandwidth, .relative(1e-9), "BANDWIDTH_REPORT.csv")
        v3("DRAM filter bandwidth", "words/cycle", v3Bandwidth[4], r.dramFilterBandwidth, .relative(1e-9), "BANDWIDTH_REPORT.csv")
        v3("DRAM OFMAP bandwidth", "words/cycle", v3Bandwidth[5], r.dramOfmapBandwidth, .relative(1e-9), "BANDWIDTH_REPORT.csv")
        // SCALE-Sim v3 runs, every column of every report: AlexNet's five layers (its scale.cfg, CALC), and
        // AlexNet Conv1 stalled on a user bandwidth of 10 words a cycle.
        for (config, topology, reports, label) in [
            ("scale-v3.cfg", "alexnet.csv", "v3_alexnet_calc", "AlexNet layer"),
            ("scale-v3-user.cfg", "alexnet.csv", "v3_user_bw10", "AlexNet USER bw10, layer"),
        ] {
            rows += try columnRows(base: base, config: config, topology: topology, reports: reports, label: label)
        }
        rows += try sparseRows(base: base)
        return rows
    }

    /// SCALE-Sim v3's runs on small arrays (`v3_suite/cases.csv`: every dataflow, CALC and USER bandwidth,
    /// dense and N:M sparse): one row per run and report, counting the columns over all layers that equal
    /// SCALE-Sim's. Output-stationary runs count OFMAP writes as SCALE-Sim does (`osFoldEdgeWrites`).
    static func sparseRows(base: String) throws(SpindleError) -> [LadderRow] {
        let folder = base + "/v3_suite"
        let table = try CSVTable(path: folder + "/cases.csv")
        var rows: [LadderRow] = []
        for row in table.rows {
            let config = try table.value(row, "config"), topology = try table.value(row, "topology"),
                reports = try table.value(row, "reports")
            var cfg = try ScaleSimConfig.parse(try InputFile.text(folder + "/" + config), file: folder + "/" + config)
            cfg.osFoldEdgeWrites = cfg.dataflow == "os"
            let layers = try ScaleSimTopology.parse(
                try InputFile.text(folder + "/" + topology), file: folder + "/" + topology, gemm: try table.value(row, "gemm") == "true")
            var results: [ScaleSimLayerReport] = []
            for layer in layers { results.append(try ScaleSimArray.run(layer, config: cfg)) }
            for (file, text) in ScaleSimArray.reportFiles(results, layout: .v3) {
                let path = folder + "/" + reports + "/" + file
                let theirs = TextLines.split(try InputFile.text(path, what: "SCALE-Sim report")).filter { !$0.isEmpty }
                let ours = TextLines.split(text).filter { !$0.isEmpty }
                var total = 0, equal = 0
                for (a, b) in zip(ours.dropFirst(), theirs.dropFirst()) {
                    let x = a.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    let y = b.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    total += y.count
                    guard x.count == y.count else { continue }
                    equal +=
                        zip(x, y).filter { u, v in
                            if let p = Double(u), let q = Double(v) { return abs(p - q) <= 1e-9 * max(1, abs(q)) }
                            return u == v
                        }.count
                }
                let shapeMatches = ours.count == theirs.count && ours.first == theirs.first
                rows.append(
                    LadderRow(
                        peer: "SCALE-Sim v3", name: "\(reports) (\(cfg.rows)x\(cfg.columns))",
                        metric: "\(file) columns equal", unit: "columns", reference: Double(total),
                        spindle: Double(shapeMatches ? equal : -1),
                        tolerance: .exact, source: "\(self.folder)/v3_suite/\(reports)/\(file)"))
            }
        }
        return rows
    }

    /// One row per layer and report: how many of SCALE-Sim v3's columns Spindle's report reproduces.
    static func columnRows(base: String, config: String, topology: String, reports: String, label: String) throws(SpindleError)
        -> [LadderRow]
    {
        let cfg = try ScaleSimConfig.parse(try InputFile.text(base + "/" + config), file: base + "/" + config)
        let layers = try ScaleSimTopology.parse(try InputFile.text(base + "/" + topology), file: base + "/" + topology, gemm: false)
        var results: [ScaleSimLayerReport] = []
        for layer in layers { results.append(try ScaleSimArray.run(layer, config: cfg)) }
        var rows: [LadderRow] = []
        for (file, text) in ScaleSimArray.reportFiles(results, layout: .v3) {
            let ours = TextLines.split(text).filter { !$0.isEmpty }.dropFirst()
            let path = base + "/" + reports + "/" + file
            let theirs = TextLines.split(try InputFile.text(path, what: "SCALE-Sim report")).filter { !$0.isEmpty }.dropFirst()
            for (i, (a, b)) in zip(ours, theirs).enumerated() {
                let x = a.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
                let y = b.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
                let equal = zip(x, y).filter { p in
                    guard let u = p.0, let v = p.1 else { return false }
                    return abs(u - v) <= 1e-9 * max(1, abs(v))
                }.count
                rows.append(
                    LadderRow(
                        peer: "SCALE-Sim v3", name: "\(label) \(i + 1), 32x32 WS", metric: "\(file) columns equal", unit: "columns",
                        reference: Double(y.count), spindle: Double(x.count == y.count ? equal : -1), tolerance: .exact,
                        source: "\(folder)/\(reports)/\(file)"))
            }
        }
        return rows
    }
}
