import ArgumentParser
import Foundation
import Spindle
import SpindleCompression
import SpindleCore
import SpindleEngine
import SpindleHardware
import SpindleMapping
import SpindleReport
import SpindleRun
import SpindleScenario
import SpindleStudies
import SpindleWorkload

struct ArrayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "array",
        abstract: "Run SCALE-Sim configs and topology CSVs on the systolic-array model and write SCALE-Sim's reports.")

    @Option(help: "SCALE-Sim architecture config (.cfg).")
    var config: String
    @Option(help: "SCALE-Sim topology CSV.")
    var topology: String
    @Flag(help: "The topology is in GEMM form (Layer Name, M, N, K).")
    var gemm = false
    @Option(help: "Override the config's dataflow.")
    var dataflow: SystolicDataflow?
    @Option(
        help: "Write COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv, DETAILED_ACCESS_REPORT.csv (and SPARSE_REPORT.csv under N:M sparsity) here.")
    var out: String?
    @Option(help: "The reports' layout: v2, or v3 (with \"Total Cycles (incl. prefetch)\").")
    var reportLayout: ScaleSimArray.ReportLayout = .v2
    @Flag(help: "Count output-stationary SRAM OFMAP writes as SCALE-Sim does (each fold adds the array's rows + columns).")
    var scalesimOsWrites = false
    @Flag(help: "Print one JSON object on stdout.")
    var json = false
    @OptionGroup var long: LongWorkFlags

    func run() async throws {
        try await CLI.guarded {
            var cfg = try ScaleSimConfig.parse(try InputFile.text(config, what: "SCALE-Sim config"), file: config)
            if let dataflow { cfg.dataflow = dataflow.rawValue }
            cfg.osFoldEdgeWrites = scalesimOsWrites
            let layers = try ScaleSimTopology.parse(
                try InputFile.text(topology, what: "SCALE-Sim topology CSV"), file: topology, gemm: gemm)
            let memory = layers.map { ScaleSimArray.memoryBytes($0, config: cfg) }.max() ?? 0
            guard memory <= Double(ProcessInfo.processInfo.physicalMemory) / 2 else {
                throw SpindleError(
                    .capacity,
                    "the run of the largest layer would hold about \(Units.formatBytes(UInt64(min(memory, 1e18)))) of addresses",
                    expected: "at most half of this machine's \(Units.formatBytes(ProcessInfo.processInfo.physicalMemory))",
                    hint: "Use smaller SRAM sizes or layers, or CALC bandwidth")
            }
            let work = layers.reduce(0.0) { $0 + ScaleSimArray.work($1, config: cfg) }
            try long.check(
                "walking the operand streams of \(layers.count) layer(s)", units: work, unitName: "operand demands",
                // Measured on AlexNet (release, 2026-12): 3.8e7 (ws), 3.8e7 (os) and 7.1e7 (is) demands per second.
                perSecond: 3e7,
                hint: "Use a smaller topology or array")
            let clock = ContinuousClock.now
            var reports: [ScaleSimLayerReport] = []
            for l in layers { reports.append(try ScaleSimArray.run(l, config: cfg)) }
            let wall = CLI.seconds(since: clock)
            if let out { try ScaleSimArray.writeReports(reports, to: out, layout: reportLayout) }
            if json {
                try CLI.printJSON(ArrayOutput(layers: reports, run: ["wall_s": wall]))
                return
            }
            let sparsity =
                cfg.sparsity.map { ", \($0.rowWise ? "row-wise (block \($0.blockSize), seed \($0.seed))" : "layer-wise") N:M sparsity" }
                ?? ""
            print("\(cfg.rows)x\(cfg.columns) \(cfg.dataflow)\(sparsity), \(layers.count) layer(s) from \(topology)")
            for r in reports {
                print(
                    "  \(r.layer): \(r.totalCycles) cycles, util \(Units.format(r.overallUtilisation, 3)) %, mapping \(Units.format(r.mappingEfficiency, 3)) %, compute util \(Units.format(r.computeUtilisation, 3)) %, SRAM reads \(r.sramIfmapReads)/\(r.sramFilterReads), writes \(r.sramOfmapWrites), DRAM reads \(r.dramIfmapReads)/\(r.dramFilterReads)"
                )
                if let s = r.sparse {
                    print(
                        "    \(s.representation): filter \(s.originalFilterWords) -> \(Units.format(s.newFilterWords, 4)) words (metadata \(Units.format(s.metadataWords, 4))), metadata SRAM BW \(Units.format(s.metadataBandwidth, 3)) words/cycle"
                    )
                }
            }
            print("  wall time \(Units.format(wall, 3)) s")
            if let out { print("  wrote \(out)/" + ScaleSimArray.reportFiles(reports).map(\.name).joined(separator: ", ")) }
        }
    }
}

struct ArrayOutput: Encodable {
    let layers: [ScaleSimLayerReport]
    let run: [String: Double]
}

extension ScaleSimArray.ReportLayout: ExpressibleByArgument {}
