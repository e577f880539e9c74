import Foundation
import SpindleCore
import SpindleHardware
import SpindleWorkload

/// A SCALE-Sim architecture config (`.cfg`).
public struct ScaleSimConfig: Sendable, Equatable {
    public var runName = "spindle_run"
    public var rows = 32
    public var columns = 32
    public var ifmapSRAMKB = 64
    public var filterSRAMKB = 64
    public var ofmapSRAMKB = 64
    public var ifmapOffset = 0
    public var filterOffset = 10_000_000
    public var ofmapOffset = 20_000_000
    public var bandwidth = 10
    public var dataflow = "ws"
    public var interfaceBandwidth = "CALC"
    /// DRAM words a cycle for IFMAP and filter fetches under USER bandwidth (the `[layout]` section's
    /// `IfmapSRAMBankBandwidth` and `FilterSRAMBankBandwidth`, as SCALE-Sim v3 takes them; `Bandwidth` when absent).
    public var ifmapFetchBandwidth: Int? = nil
    public var filterFetchBandwidth: Int? = nil
    /// Count SRAM OFMAP writes as SCALE-Sim v2 and v3 do for output stationary: each fold adds the padded
    /// array's rows + columns to the writes (their `systolic_compute_os` counts the fold's edge once more).
    /// Off by default: those writes do not happen.
    public var osFoldEdgeWrites = false
    /// SCALE-Sim v3's N:M weight sparsity (`[sparsity]` with `SparsitySupport: true`); nil: dense.
    public var sparsity: ScaleSimSparsity? = nil
    public init() {}

    static let known: [String: [String]] = [
        "general": ["run_name"],
        "architecture_presets": [
            "ArrayHeight", "ArrayWidth", "IfmapSramSzkB", "FilterSramSzkB", "OfmapSramSzkB", "IfmapOffset", "FilterOffset",
            "OfmapOffset", "Bandwidth", "Dataflow", "MemoryBanks", "ReadRequestBuffer", "WriteRequestBuffer", "OnChipMemoryBanks",
            "OnChipMemoryBankPorts",
        ],
        "run_presets": ["InterfaceBandwidth", "UseRamulatorTrace"],
        // SCALE-Sim's own topology path; `--topology` names the topology, as SCALE-Sim's -t overrides it.
        "network_presets": ["TopologyCsvLoc"],
        "layout": [
            "IfmapCustomLayout", "IfmapSRAMBankBandwidth", "IfmapSRAMBankNum", "IfmapSRAMBankPort",
            "FilterCustomLayout", "FilterSRAMBankBandwidth", "FilterSRAMBankNum", "FilterSRAMBankPort",
        ],
        "sparsity": ["SparsitySupport", "SparseRep", "OptimizedMapping", "BlockSize", "RandomNumberGeneratorSeed"],
    ]

    /// The largest array side accepted (SCALE-Sim's own examples go to 256).
    public static let maxArraySide = 4_096

    /// Parses a `.cfg` file's text; `key: value` and `key = value` are both accepted.
    public static func parse(_ text: String, file: String) throws(SpindleError) -> ScaleSimConfig {
        var c = ScaleSimConfig()
        var section = ""
        // The [sparsity] keys, applied once the whole file is read (SCALE-Sim reads them only when
        // SparsitySupport is true, and BlockSize only with OptimizedMapping).
        var sparsityOn = false
        var sparse = ScaleSimSparsity()
        var blockSizeAt: SourceLocation?
        for (i, raw) in TextLines.split(text).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            let at = SourceLocation(file: file, line: i + 1)
            if line.hasPrefix("[") {
                section = line.trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
                guard known[section] != nil else {
                    throw SpindleError(.unknownKey, "unknown section [\(section)]", at: at, choices: known.keys.sorted())
                }
                continue
            }
            guard let sep = line.firstIndex(where: { $0 == ":" || $0 == "=" }) else {
                throw SpindleError(.syntax, "expected 'key: value'", at: at)
            }
            let written = line[..<sep].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: sep)...].trimmingCharacters(in: .whitespaces)
            guard let keys = known[section] else { throw SpindleError(.syntax, "'\(written)' appears before any [section]", at: at) }
            // Keys are case-insensitive, as Python's configparser reads them (`ifmapsramszkB` is `IfmapSramSzkB`).
            let key = keys.first { $0.lowercased() == written.lowercased() } ?? written
            guard keys.contains(key) else {
                let hint = Spelling.nearest(key, in: keys).map { "Did you mean '\($0)'?" }
                throw SpindleError(.unknownKey, "unknown key '\(key)' in [\(section)]", at: at, choices: keys, hint: hint)
            }
            func int(min: Int = 0, max: Int) throws(SpindleError) -> Int {
                guard let v = Int(value), (min...max).contains(v) else {
                    throw SpindleError(.invalidValue, "'\(key)' is '\(value)'", at: at, expected: "a whole number from \(min) to \(max)")
                }
                return v
            }
            func bool() throws(SpindleError) -> Bool {
                switch value.lowercased() {
                case "true": return true
                case "false": return false
                default: throw SpindleError(.invalidValue, "'\(key)' is '\(value)'", at: at, choices: ["true", "false"])
                }
            }
            switch key {
            case "run_name": c.runName = value
            case "SparsitySupport": sparsityOn = try bool()
            case "OptimizedMapping": sparse.rowWise = try bool()
            case "SparseRep":
                guard let r = ScaleSimSparsity.Representation(rawValue: value) else {
                    throw SpindleError(
                        .invalidValue, "SparseRep is '\(value)'", at: at, choices: ScaleSimSparsity.Representation.allCases.map(\.rawValue))
                }
                sparse.representation = r
            case "BlockSize":
                sparse.blockSize = try int(min: 2, max: ScaleSimConfig.maxArraySide)
                blockSizeAt = at
            case "RandomNumberGeneratorSeed": sparse.seed = UInt32(try int(max: Int(UInt32.max)))
            case "ArrayHeight": c.rows = try int(min: 1, max: ScaleSimConfig.maxArraySide)
            case "ArrayWidth": c.columns = try int(min: 1, max: ScaleSimConfig.maxArraySide)
            case "IfmapSramSzkB": c.ifmapSRAMKB = try int(min: 1, max: 1 << 24)
            case "FilterSramSzkB": c.filterSRAMKB = try int(min: 1, max: 1 << 24)
            case "OfmapSramSzkB": c.ofmapSRAMKB = try int(min: 1, max: 1 << 24)
            case "IfmapOffset": c.ifmapOffset = try int(max: 1 << 40)
            case "FilterOffset": c.filterOffset = try int(max: 1 << 40)
            case "OfmapOffset": c.ofmapOffset = try int(max: 1 << 40)
            case "Bandwidth":
                // SCALE-Sim reads a comma-separated list and uses its first value.
                let list = value.split(separator: ",", omittingEmptySubsequences: false).map {
                    Int($0.trimmingCharacters(in: .whitespaces))
                }
                guard let v = list.first ?? nil, list.allSatisfy({ ($0 ?? 0) >= 1 && ($0 ?? 0) <= 1 << 20 }) else {
                    throw SpindleError(
                        .invalidValue, "'Bandwidth' is '\(value)'", at: at,
                        expected: "a whole number from 1 to \(1 << 20), or a comma-separated list of them (the first is used)")
                }
                c.bandwidth = v
            case "IfmapSRAMBankBandwidth": c.ifmapFetchBandwidth = try int(min: 1, max: 1 << 20)
            case "FilterSRAMBankBandwidth": c.filterFetchBandwidth = try int(min: 1, max: 1 << 20)
            case "Dataflow":
                guard ["ws", "os", "is"].contains(value) else {
                    throw SpindleError(.invalidValue, "Dataflow is '\(value)'", at: at, choices: ["ws", "os", "is"])
                }
                c.dataflow = value
            case "InterfaceBandwidth":
                guard ["CALC", "USER"].contains(value) else {
                    throw SpindleError(.invalidValue, "InterfaceBandwidth is '\(value)'", at: at, choices: ["CALC", "USER"])
                }
                c.interfaceBandwidth = value
            default:
                // v3 features that change the results are refused by name when switched on.
                let off: [String: (String, String)] = [
                    "UseRamulatorTrace": ("False", "Ramulator DRAM traces"), "IfmapCustomLayout": ("False", "custom IFMAP SRAM layouts"),
                    "FilterCustomLayout": ("False", "custom filter SRAM layouts"),
                    "MemoryBanks": ("1", "banked SRAM"), "OnChipMemoryBanks": ("1", "banked SRAM"),
                ]
                if let (neutral, feature) = off[key], value.lowercased() != neutral.lowercased() {
                    throw SpindleError(
                        .unsupported, "\(key) = \(value) asks for \(feature), which is not modelled", at: at, expected: "\(key): \(neutral)"
                    )
                }
            // Other keys only matter with those features (request buffers and bank ports under USER
            // bandwidth or layouts): accepted.
            }
        }
        if sparsityOn {
            if sparse.rowWise {
                // SCALE-Sim asserts BlockSize <= ArrayHeight, and its row-wise skew needs whole blocks in
                // the two tiles (2 x ArrayHeight inputs) and an even block (half from each tile).
                let at = blockSizeAt ?? SourceLocation(file: file)
                guard sparse.blockSize % 2 == 0, sparse.blockSize <= c.rows, (2 * c.rows) % sparse.blockSize == 0 else {
                    throw SpindleError(
                        .invalidValue, "BlockSize \(sparse.blockSize) does not fit row-wise sparsity on \(c.rows) array rows", at: at,
                        expected: "an even BlockSize of at most ArrayHeight that divides 2 x ArrayHeight (\(2 * c.rows))")
                }
            }
            c.sparsity = sparse
        }
        return c
    }
}

/// The per-layer figures of SCALE-Sim's three reports.
public struct ScaleSimLayerReport: Sendable, Equatable, Codable {
    public var layer: String
    public var totalCycles: Int
    public var stallCycles: Int
    public var overallUtilisation: Double
    public var mappingEfficiency: Double
    public var computeUtilisation: Double
    public var sramIfmapStart: Int, sramIfmapStop: Int, sramIfmapReads: Int
    public var sramFilterStart: Int, sramFilterStop: Int, sramFilterReads: Int
    public var sramOfmapStart: Int, sramOfmapStop: Int, sramOfmapWrites: Int
    public var dramIfmapReads: Int, dramFilterReads: Int, dramOfmapWrites: Int
    /// First and last cycle of each DRAM trace (SCALE-Sim's prefetch and drain timing; negative before the
    /// array starts). Nil when the operand has no DRAM traffic.
    public var dramIfmapStart: Int? = nil, dramIfmapStop: Int? = nil
    public var dramFilterStart: Int? = nil, dramFilterStop: Int? = nil
    public var dramOfmapStart: Int? = nil, dramOfmapStop: Int? = nil
    /// The IFMAP SRAM reads SCALE-Sim v3 reports under layer-wise sparsity: the reads x M / N (it counts a
    /// block of inputs once per array row sharing it). Nil otherwise; `sramIfmapReads` is always the
    /// words read.
    public var scaleSimIfmapSRAMReads: Double? = nil
    /// The SPARSE_REPORT.csv row, under N:M sparsity.
    public var sparse: ScaleSimSparseReport? = nil

    /// SCALE-Sim v3's "Total Cycles (incl. prefetch)": from the first IFMAP or filter prefetch to the last
    /// OFMAP write-back.
    public var totalCyclesWithPrefetch: Int? {
        guard let i = dramIfmapStart, let f = dramFilterStart, let o = dramOfmapStop else { return nil }
        return o - min(i, f)
    }

    /// Average DRAM words per cycle over a trace's span, as SCALE-Sim's bandwidth report.
    static func bandwidth(_ words: Int, _ start: Int?, _ stop: Int?) -> Double? {
        guard let start, let stop else { return nil }
        return Double(words) / Double(stop - start + 1)
    }
    public var dramIfmapBandwidth: Double? { Self.bandwidth(dramIfmapReads, dramIfmapStart, dramIfmapStop) }
    public var dramFilterBandwidth: Double? { Self.bandwidth(dramFilterReads, dramFilterStart, dramFilterStop) }
    public var dramOfmapBandwidth: Double? { Self.bandwidth(dramOfmapWrites, dramOfmapStart, dramOfmapStop) }
}

/// A systolic array in SCALE-Sim's compatibility mode (weight-, output- and input-stationary).
///
/// Each fold (column fold outer, row fold inner) maps `rows` window elements onto array rows and `columns`
/// filters onto array columns. A fold lasts T + 2R + C - 2 cycles: R to load weights, T ofmap pixels
/// streamed, C - 1 for the last partial sums to drain, R - 1 of skew. The total is the cycle of the last
/// OFMAP write (folds x fold length - 1, no stalls with CALC bandwidth). DRAM reads follow SCALE-Sim's
/// bandwidth-estimating buffer: misses fill sets of floor(buffer / 100) addresses and the active half of
/// the buffer (50 sets) is replaced as a whole, so DRAM reads = first-seen addresses per 50-set window.
public enum ScaleSimArray {
    /// Bytes the run of `l` may hold: the DRAM estimators' address sets (a window of 50 sets, at most every
    /// operand the layer has), the condensed filter operand under N:M sparsity, and under USER bandwidth the
    /// operands' fetch orders and the read buffers' address index.
    public static func memoryBytes(_ l: ScaleSimLayer, config c: ScaleSimConfig) -> Double {
        let ifmap = Double(l.ifmapHeight) * Double(l.ifmapWidth) * Double(l.channels)
        let filters = Double(l.window) * Double(l.filters)
        let ifmapSet = min(ifmap, 50 * max(1, Double(c.ifmapSRAMKB) * 1024 / 100))
        let filterSet = min(filters, 50 * max(1, Double(c.filterSRAMKB) * 1024 / 100))
        var bytes = (ifmapSet + filterSet) * 48
        if c.sparsity != nil { bytes += filters * 8 }
        if c.interfaceBandwidth == "USER" {
            let R = Double(c.rows), C = Double(c.columns)
            let window = Double(l.window) + R, pixels = Double(l.ofmapPixels) + max(R, C)
            let orders = window * pixels + (Double(l.filters) + C) * window
            bytes += orders * 8 + (ifmap + filters) * 96
        }
        return bytes
    }

    /// Operand demands the model walks for `l` (its run time is proportional to them).
    public static func work(_ l: ScaleSimLayer, config c: ScaleSimConfig) -> Double {
        let R = Double(c.rows), C = Double(c.columns)
        let pixels = Double(l.ofmapPixels), window = Double(l.window), filters = Double(l.filters)
        func folds(_ n: Double, _ d: Double) -> Double { (n / d).rounded(.up) }
        switch c.dataflow {
        case "os": return folds(pixels, R) * folds(filters, C) * (window + R + C) * (R + C)
        case "is": return folds(window, R) * folds(pixels, C) * (filters + 2 * R + C) * (R + C)
        default:
            // Row-wise sparsity feeds each array row a block of inputs.
            let block = c.sparsity.map { $0.rowWise ? Double($0.blockSize) : 1 } ?? 1
            return folds(window, R) * folds(filters, C) * (pixels + 2 * R + C) * R * block
        }
    }

    /// The IFMAP address of window element `j` of output pixel `p` (-1 outside the input: no padding).
    static func ifmapAddress(_ l: ScaleSimLayer, _ c: ScaleSimConfig, pixel p: Int, window j: Int) -> Int {
        let ew = l.ofmapWidth
        let orow = p / ew, ocol = p % ew
        let iRow = orow * l.strideHeight, iCol = ocol * l.strideWidth
        let cRow = j / (l.filterWidth * l.channels)
        let k = j % (l.filterWidth * l.channels)
        let cCol = k / l.channels, ch = k % l.channels
        if cRow + iRow >= l.ifmapHeight || cCol + iCol >= l.ifmapWidth { return -1 }
        return c.ifmapOffset + (iRow + cRow) * l.ifmapWidth * l.channels + (iCol + cCol) * l.channels + ch
    }

    /// Runs one layer: weight stationary with CALC or USER bandwidth, output and input stationary with CALC,
    /// each with or without N:M sparsity (row-wise sparsity on weight stationary only, as in SCALE-Sim v3).
    public static func run(_ l: ScaleSimLayer, config c: ScaleSimConfig) throws(SpindleError) -> ScaleSimLayerReport {
        guard ["ws", "os", "is"].contains(c.dataflow) else {
            throw SpindleError(.unsupported, "dataflow '\(c.dataflow)' is not modelled", choices: ["ws", "os", "is"])
        }
        if let s = c.sparsity, s.rowWise, c.dataflow != "ws" {
            throw SpindleError(
                .unsupported,
                "row-wise sparsity (OptimizedMapping: true) runs on the weight-stationary dataflow only; SCALE-Sim v3 stops with a dimension mismatch on '\(c.dataflow)'",
                expected: "Dataflow: ws, or OptimizedMapping: false")
        }
        let ops = try ScaleSimOperands(l, config: c)
        var report = runDemandWalk(ops)
        if var sparse = ops.sparse {
            sparse.metadataBandwidth = sparse.metadataWords / Double(report.totalCycles)
            report.sparse = sparse
        }
        return report
    }

    /// SCALE-Sim's report layouts: v2's, or v3's (whose compute report adds "Total Cycles (incl. prefetch)").
    public enum ReportLayout: String, Sendable, CaseIterable { case v2, v3 }

    /// Writes COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv and DETAILED_ACCESS_REPORT.csv in SCALE-Sim's layout,
    /// and SPARSE_REPORT.csv (with a metadata column in the bandwidth report) when the layers ran with N:M
    /// sparsity. DRAM start and stop cycles and bandwidths are SCALE-Sim v3's prefetch and drain timing (`nan` when
    /// an operand has no DRAM traffic).
    public static func writeReports(_ reports: [ScaleSimLayerReport], to directory: String, layout: ReportLayout = .v2) throws(SpindleError)
    {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for (name, text) in reportFiles(reports, layout: layout) {
                try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/" + name), options: .atomic)
            }
        } catch {
            throw SpindleError(.io, "cannot write the reports to '\(directory)': \(error.localizedDescription)")
        }
    }

    /// The reports' file names and texts (three, or four with SPARSE_REPORT.csv).
    public static func reportFiles(_ reports: [ScaleSimLayerReport], layout: ReportLayout = .v2) -> [(name: String, text: String)] {
        func f(_ x: Double) -> String { "\(x)" }
        func n(_ x: Int?) -> String { x.map { f(Double($0)) } ?? "nan" }
        func b(_ x: Double?) -> String { x.map(f) ?? "nan" }
        var compute =
            (layout == .v3 ? "LayerID, Total Cycles (incl. prefetch), " : "LayerID, ")
            + "Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,\n"
        let sparse = reports.contains { $0.sparse != nil }
        var bandwidth =
            "LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, \(sparse ? "Avg FILTER Metadata SRAM BW, " : "")Avg OFMAP SRAM BW, Avg IFMAP DRAM BW, Avg FILTER DRAM BW, Avg OFMAP DRAM BW,\n"
        var sparseReport =
            "LayerID, Sparsity Representation, Original Filter Storage, New Storage (Filter+Metadata), Filter Metadata Storage, Avg FILTER Metadata SRAM BW, \n"
        // Python's str(): ELLPACK's fractional words print as floats, CSR's and CSC's as integers.
        func words(_ x: Double, _ fractional: Bool) -> String { fractional ? f(x) : String(Int(x)) }
        var detail =
            "LayerID, SRAM IFMAP Start Cycle, SRAM IFMAP Stop Cycle, SRAM IFMAP Reads, SRAM Filter Start Cycle, SRAM Filter Stop Cycle, SRAM Filter Reads, SRAM OFMAP Start Cycle, SRAM OFMAP Stop Cycle, SRAM OFMAP Writes, DRAM IFMAP Start Cycle, DRAM IFMAP Stop Cycle, DRAM IFMAP Reads, DRAM Filter Start Cycle, DRAM Filter Stop Cycle, DRAM Filter Reads, DRAM OFMAP Start Cycle, DRAM OFMAP Stop Cycle, DRAM OFMAP Writes,\n"
        for (i, r) in reports.enumerated() {
            let cyc = Double(r.totalCycles)
            let withPrefetch = layout == .v3 ? "\(r.totalCyclesWithPrefetch.map(String.init) ?? "nan"), " : ""
            compute +=
                "\(i), \(withPrefetch)\(r.totalCycles), \(r.stallCycles), \(f(r.overallUtilisation)), \(f(r.mappingEfficiency)), \(f(r.computeUtilisation)),\n"
            let ifmapReads = r.scaleSimIfmapSRAMReads.map(f) ?? "\(r.sramIfmapReads)"
            let ifmapBandwidth = (r.scaleSimIfmapSRAMReads ?? Double(r.sramIfmapReads)) / cyc
            let metadata = sparse ? "\(f(r.sparse?.metadataBandwidth ?? 0)), " : ""
            bandwidth +=
                "\(i), \(f(ifmapBandwidth)), \(f(Double(r.sramFilterReads) / cyc)), \(metadata)\(f(Double(r.sramOfmapWrites) / cyc)), \(b(r.dramIfmapBandwidth)), \(b(r.dramFilterBandwidth)), \(b(r.dramOfmapBandwidth)),\n"
            detail +=
                "\(i), \(f(Double(r.sramIfmapStart))), \(f(Double(r.sramIfmapStop))), \(ifmapReads), \(f(Double(r.sramFilterStart))), \(f(Double(r.sramFilterStop))), \(r.sramFilterReads), \(f(Double(r.sramOfmapStart))), \(f(Double(r.sramOfmapStop))), \(r.sramOfmapWrites), \(n(r.dramIfmapStart)), \(n(r.dramIfmapStop)), \(r.dramIfmapReads), \(n(r.dramFilterStart)), \(n(r.dramFilterStop)), \(r.dramFilterReads), \(n(r.dramOfmapStart)), \(n(r.dramOfmapStop)), \(r.dramOfmapWrites),\n"
            if let s = r.sparse {
                sparseReport +=
                    "\(i), \(s.representation), \(s.originalFilterWords), \(words(s.newFilterWords, s.fractional)), \(words(s.metadataWords, s.fractional)), \(f(s.metadataBandwidth)),\n"
            }
        }
        var files = [("COMPUTE_REPORT.csv", compute), ("BANDWIDTH_REPORT.csv", bandwidth), ("DETAILED_ACCESS_REPORT.csv", detail)]
        if sparse { files.append(("SPARSE_REPORT.csv", sparseReport)) }
        return files
    }
}
