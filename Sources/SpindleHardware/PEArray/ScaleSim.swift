import Foundation
import SpindleCore

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
    public init() {}

    static let known: [String: [String]] = [
        "general": ["run_name"],
        "architecture_presets": [
            "ArrayHeight", "ArrayWidth", "IfmapSramSzkB", "FilterSramSzkB", "OfmapSramSzkB", "IfmapOffset", "FilterOffset",
            "OfmapOffset", "Bandwidth", "Dataflow", "MemoryBanks", "ReadRequestBuffer", "WriteRequestBuffer",
        ],
        "run_presets": ["InterfaceBandwidth", "UseRamulatorTrace"],
        "layout": ["IfmapCustomLayout", "IfmapSRAMBankBandwidth", "IfmapSRAMBankNum", "IfmapSRAMBankPort",
                   "FilterCustomLayout", "FilterSRAMBankBandwidth", "FilterSRAMBankNum", "FilterSRAMBankPort"],
        "sparsity": ["SparsitySupport", "SparseRep", "OptimizedMapping", "BlockSize", "RandomNumberGeneratorSeed"],
    ]

    /// Parses a `.cfg` file's text; `key: value` and `key = value` are both accepted.
    public static func parse(_ text: String, file: String) throws(SpindleError) -> ScaleSimConfig {
        var c = ScaleSimConfig()
        var section = ""
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            let at = SourceLocation(file: file, line: i + 1)
            if line.hasPrefix("[") {
                section = line.trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
                guard known[section] != nil else { throw SpindleError(.unknownKey, "unknown section [\(section)]", at: at, choices: known.keys.sorted()) }
                continue
            }
            guard let sep = line.firstIndex(where: { $0 == ":" || $0 == "=" }) else {
                throw SpindleError(.syntax, "expected 'key: value'", at: at)
            }
            let key = line[..<sep].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: sep)...].trimmingCharacters(in: .whitespaces)
            guard let keys = known[section] else { throw SpindleError(.syntax, "'\(key)' appears before any [section]", at: at) }
            guard keys.contains(key) else {
                let hint = Spelling.nearest(key, in: keys).map { "Did you mean '\($0)'?" }
                throw SpindleError(.unknownKey, "unknown key '\(key)' in [\(section)]", at: at, choices: keys, hint: hint)
            }
            func int(min: Int = 0) throws(SpindleError) -> Int {
                guard let v = Int(value), v >= min else {
                    throw SpindleError(.invalidValue, "'\(key)' is '\(value)'", at: at, expected: "a whole number of at least \(min)")
                }
                return v
            }
            switch key {
            case "run_name": c.runName = value
            case "ArrayHeight": c.rows = try int(min: 1)
            case "ArrayWidth": c.columns = try int(min: 1)
            case "IfmapSramSzkB": c.ifmapSRAMKB = try int(min: 1)
            case "FilterSramSzkB": c.filterSRAMKB = try int(min: 1)
            case "OfmapSramSzkB": c.ofmapSRAMKB = try int(min: 1)
            case "IfmapOffset": c.ifmapOffset = try int()
            case "FilterOffset": c.filterOffset = try int()
            case "OfmapOffset": c.ofmapOffset = try int()
            case "Bandwidth": c.bandwidth = try int(min: 1)
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
            default: break  // accepted, no effect on the modelled quantities
            }
        }
        return c
    }
}

/// One layer of a SCALE-Sim topology CSV, in convolution form.
public struct ScaleSimLayer: Sendable, Equatable {
    public var name: String
    public var ifmapHeight: Int, ifmapWidth: Int
    public var filterHeight: Int, filterWidth: Int
    public var channels: Int, filters: Int
    public var strideHeight: Int, strideWidth: Int

    /// Output size without padding: ceil((I - F + S) / S).
    public var ofmapHeight: Int { (ifmapHeight - filterHeight + strideHeight + strideHeight - 1) / strideHeight }
    public var ofmapWidth: Int { (ifmapWidth - filterWidth + strideWidth + strideWidth - 1) / strideWidth }
    public var ofmapPixels: Int { ofmapHeight * ofmapWidth }
    public var window: Int { filterHeight * filterWidth * channels }
    public var macs: Int { ofmapPixels * window * filters }
}

/// Reads SCALE-Sim topology CSVs (conv and GEMM forms).
public enum ScaleSimTopology {
    /// Parses a topology. The first line is a header and is skipped; every row loses its last
    /// comma-separated piece (rows must end with a comma); GEMM rows (M, N, K) become convolutions of an
    /// M x K input with a 1 x K filter, 1 channel and N filters; layers whose name contains `DP` are
    /// expanded into one single-channel layer per channel.
    public static func parse(_ text: String, file: String, gemm: Bool) throws(SpindleError) -> [ScaleSimLayer] {
        var layers: [ScaleSimLayer] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where i > 0 {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            let at = SourceLocation(file: file, line: i + 1)
            var fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            fields.removeLast()
            let names = gemm ? ["Layer Name", "M", "N", "K"] : ["Layer name", "IFMAP Height", "IFMAP Width", "Filter Height", "Filter Width", "Channels", "Num Filter", "Strides"]
            guard fields.count >= names.count else {
                throw SpindleError(
                    .syntax, "row has \(fields.count) field(s) before its final comma; the field '\(names[fields.count])' is missing",
                    at: at, expected: names.joined(separator: ", ") + ", (each row ends with a comma)")
            }
            var numbers: [Int] = []
            for (k, f) in fields.enumerated().dropFirst() {
                guard let v = Int(f), v >= 1 else {
                    let name = k < names.count ? names[k] : "Stride Width"
                    throw SpindleError(.invalidValue, "'\(name)' is '\(f)'", at: at, expected: "a positive whole number")
                }
                numbers.append(v)
            }
            let name = fields[0]
            var layer: ScaleSimLayer
            if gemm {
                let (m, n, k) = (numbers[0], numbers[1], numbers[2])
                layer = ScaleSimLayer(name: name, ifmapHeight: m, ifmapWidth: k, filterHeight: 1, filterWidth: k, channels: 1, filters: n, strideHeight: 1, strideWidth: 1)
            } else {
                layer = ScaleSimLayer(
                    name: name, ifmapHeight: numbers[0], ifmapWidth: numbers[1], filterHeight: numbers[2], filterWidth: numbers[3],
                    channels: numbers[4], filters: numbers[5], strideHeight: numbers[6], strideWidth: numbers.count > 7 ? numbers[7] : numbers[6])
            }
            guard layer.filterHeight <= layer.ifmapHeight, layer.filterWidth <= layer.ifmapWidth else {
                throw SpindleError(.invalidValue, "layer '\(name)' has a filter larger than its input", at: at)
            }
            if name.contains("DP") {
                for c in 0..<layer.channels {
                    var single = layer
                    single.name = name + "Channel_\(c)"
                    single.channels = 1
                    layers.append(single)
                }
            } else {
                layers.append(layer)
            }
        }
        guard !layers.isEmpty else { throw SpindleError(.invalidValue, "'\(file)' has no layers", at: SourceLocation(file: file)) }
        return layers
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
}

/// A weight-stationary systolic array in SCALE-Sim's compatibility mode.
///
/// Each fold (column fold outer, row fold inner) maps `rows` window elements onto array rows and `columns`
/// filters onto array columns. A fold lasts T + 2R + C - 2 cycles: R to load weights, T ofmap pixels
/// streamed, C - 1 for the last partial sums to drain, R - 1 of skew. The total is the cycle of the last
/// OFMAP write (folds x fold length - 1, no stalls with CALC bandwidth). DRAM reads follow SCALE-Sim's
/// bandwidth-estimating buffer: misses fill sets of floor(buffer / 100) addresses and the active half of
/// the buffer (50 sets) is replaced as a whole, so DRAM reads = first-seen addresses per 50-set window.
public enum ScaleSimArray {
    public static func run(_ l: ScaleSimLayer, config c: ScaleSimConfig) throws(SpindleError) -> ScaleSimLayerReport {
        guard c.dataflow == "ws" else {
            throw SpindleError(.unsupported, "dataflow '\(c.dataflow)' is not modelled yet in SCALE-Sim mode", choices: ["ws"])
        }
        let R = c.rows, C = c.columns
        let Sr = l.window, Sc = l.filters, T = l.ofmapPixels
        let rowFolds = (Sr + R - 1) / R, colFolds = (Sc + C - 1) / C
        let foldRows = T + 2 * R + C - 2
        let folds = rowFolds * colFolds
        let totalCycles = folds * foldRows - 1
        var mapping = 0.0, compute = 0.0
        for fc in 0..<colFolds {
            for fr in 0..<rowFolds {
                let rowsUsed = min(R, Sr - fr * R), colsUsed = min(C, Sc - fc * C)
                let used = Double(rowsUsed * colsUsed)
                mapping += used / Double(R * C)
                compute += used * Double(T) / (Double(R * C) * Double(T + 2 * R + 2 * C - 3))
            }
        }
        // IFMAP demand stream in cycle order, with the estimator's windowed first-seen count.
        let setSize = max(1, c.ifmapSRAMKB * 1024 / 100)
        var ifmapWindow = Set<Int>(), ifmapAdded = 0, ifmapDRAM = 0
        var firstIfmap = -1, lastIfmap = -1
        let ew = l.ofmapWidth
        func ifmapAddress(_ p: Int, _ j: Int) -> Int {
            let orow = p / ew, ocol = p % ew
            let iRow = orow * l.strideHeight, iCol = ocol * l.strideWidth
            let cRow = j / (l.filterWidth * l.channels)
            let k = j % (l.filterWidth * l.channels)
            let cCol = k / l.channels, ch = k % l.channels
            if cRow + iRow >= l.ifmapHeight || cCol + iCol >= l.ifmapWidth { return -1 }
            return c.ifmapOffset + (iRow + cRow) * l.ifmapWidth * l.channels + (iCol + cCol) * l.channels + ch
        }
        var foldIndex = 0
        for _ in 0..<colFolds {
            for fr in 0..<rowFolds {
                let base = foldIndex * foldRows
                foldIndex += 1
                // Demand row t, column k comes from pre-skew row t - k: rows R ..< R + T hold pixels.
                for t in 0..<foldRows {
                    for k in 0..<R {
                        let src = t - k - R
                        guard src >= 0 && src < T else { continue }
                        let j = fr * R + k
                        guard j < Sr else { continue }
                        let a = ifmapAddress(src, j)
                        guard a >= 0 else { continue }
                        if firstIfmap < 0 { firstIfmap = base + t }
                        lastIfmap = base + t
                        if ifmapWindow.insert(a).inserted {
                            ifmapDRAM += 1
                            ifmapAdded += 1
                            if ifmapAdded == 50 * setSize {
                                ifmapWindow.removeAll(keepingCapacity: true)
                                ifmapAdded = 0
                            }
                        }
                    }
                }
            }
        }
        // Filters are each read once per fold and all distinct: DRAM reads = distinct filter words.
        let filterReads = Sr * Sc
        let ofmapWrites = rowFolds * T * Sc
        return ScaleSimLayerReport(
            layer: l.name, totalCycles: totalCycles, stallCycles: 0,
            overallUtilisation: Double(l.macs) * 100 / (Double(totalCycles) * Double(R * C)),
            mappingEfficiency: mapping / Double(folds) * 100, computeUtilisation: compute / Double(folds) * 100,
            sramIfmapStart: firstIfmap + 1, sramIfmapStop: lastIfmap + 1, sramIfmapReads: colFolds * T * Sr,
            sramFilterStart: 1, sramFilterStop: (folds - 1) * foldRows + R, sramFilterReads: filterReads,
            sramOfmapStart: 2 * R - 1, sramOfmapStop: totalCycles, sramOfmapWrites: ofmapWrites,
            dramIfmapReads: ifmapDRAM, dramFilterReads: filterReads, dramOfmapWrites: ofmapWrites)
    }

    /// Writes COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv and DETAILED_ACCESS_REPORT.csv in SCALE-Sim's layout.
    /// DRAM start and stop cycles (SCALE-Sim's prefetch timing) are not modelled and are written as `nan`.
    public static func writeReports(_ reports: [ScaleSimLayerReport], to directory: String) throws(SpindleError) {
        func f(_ x: Double) -> String { "\(x)" }
        var compute = "LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,\n"
        var bandwidth = "LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, Avg OFMAP SRAM BW, Avg IFMAP DRAM BW, Avg FILTER DRAM BW, Avg OFMAP DRAM BW,\n"
        var detail = "LayerID, SRAM IFMAP Start Cycle, SRAM IFMAP Stop Cycle, SRAM IFMAP Reads, SRAM Filter Start Cycle, SRAM Filter Stop Cycle, SRAM Filter Reads, SRAM OFMAP Start Cycle, SRAM OFMAP Stop Cycle, SRAM OFMAP Writes, DRAM IFMAP Start Cycle, DRAM IFMAP Stop Cycle, DRAM IFMAP Reads, DRAM Filter Start Cycle, DRAM Filter Stop Cycle, DRAM Filter Reads, DRAM OFMAP Start Cycle, DRAM OFMAP Stop Cycle, DRAM OFMAP Writes,\n"
        for (i, r) in reports.enumerated() {
            let cyc = Double(r.totalCycles)
            compute += "\(i), \(r.totalCycles), \(r.stallCycles), \(f(r.overallUtilisation)), \(f(r.mappingEfficiency)), \(f(r.computeUtilisation)),\n"
            bandwidth += "\(i), \(f(Double(r.sramIfmapReads) / cyc)), \(f(Double(r.sramFilterReads) / cyc)), \(f(Double(r.sramOfmapWrites) / cyc)), nan, nan, nan,\n"
            detail += "\(i), \(f(Double(r.sramIfmapStart))), \(f(Double(r.sramIfmapStop))), \(r.sramIfmapReads), \(f(Double(r.sramFilterStart))), \(f(Double(r.sramFilterStop))), \(r.sramFilterReads), \(f(Double(r.sramOfmapStart))), \(f(Double(r.sramOfmapStop))), \(r.sramOfmapWrites), nan, nan, \(r.dramIfmapReads), nan, nan, \(r.dramFilterReads), nan, nan, \(r.dramOfmapWrites),\n"
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for (name, text) in [("COMPUTE_REPORT.csv", compute), ("BANDWIDTH_REPORT.csv", bandwidth), ("DETAILED_ACCESS_REPORT.csv", detail)] {
                try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/" + name), options: .atomic)
            }
        } catch {
            throw SpindleError(.io, "cannot write the reports to '\(directory)': \(error.localizedDescription)")
        }
    }
}
