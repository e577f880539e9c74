import Foundation
import SpindleCore
import SpindleHardware
import SpindleStudies

/// The DRAM rungs of the ladder: closed forms on DRAMsim3's configs, and DRAMsim3's own runs replayed on
/// `spindle dram`: six configs (DDR4, LPDDR4, GDDR6, 8-channel HBM2, STT-MRAM with per-rank queues) under
/// its random and stream generators and its example trace, 100,000 cycles each.
public enum DRAMLadder {
    public static let folder = "dramsim3"

    public static func rows(directory: String) throws(SpindleError) -> [LadderRow] {
        let base = directory + "/" + folder
        var rows: [LadderRow] = []
        // Closed forms (Ramulator 2's test formulas): unloaded latency, peak and refresh-limited bandwidth.
        let forms: [(String, Int, Double, Double)] = [
            ("DDR4_8Gb_x8_3200.ini", 66, 25.396825, 24.143265), ("DDR4_4Gb_x8_2400.ini", 51, 19.277108, 18.545977),
            ("LPDDR4_8Gb_x16_2400.ini", 47, 19.277108, 18.311021), ("HBM2_8Gb_x128.ini", 42, 32.0, 29.587692),
        ]
        for (file, latency, peak, limited) in forms {
            let c = try DRAMIni.load(base + "/" + file)
            let name = file.replacingOccurrences(of: ".ini", with: "")
            let source = "\(folder)/\(file)"
            rows.append(
                LadderRow(
                    peer: "closed form", name: name, metric: "unloaded read latency (tRP + tRCD + CL)", unit: "cycles",
                    reference: Double(latency), spindle: Double(c.unloadedReadLatencyCycles), tolerance: .exact, source: source))
            rows.append(
                LadderRow(
                    peer: "closed form", name: name, metric: "peak bandwidth per channel", unit: "GB/s", reference: peak,
                    spindle: c.peakBandwidthGBps, tolerance: .relative(1e-6), source: source))
            rows.append(
                LadderRow(
                    peer: "closed form", name: name, metric: "refresh-limited bandwidth per channel", unit: "GB/s", reference: limited,
                    spindle: c.refreshLimitedBandwidthGBps, tolerance: .relative(1e-6), source: source))
        }
        // DRAMsim3 runs of whole memory systems (all channels): bandwidth ±10 %, read latency ±15 %, energy
        // ±15 %, activates ±10 %. Energies are compared only where the currents give positive command energies.
        let table = try CSVTable(path: base + "/dramsim3_systems_100k.csv")
        var configs: [String: DRAMConfig] = [:]
        let trace = try DRAMTrace.load(base + "/example_100k.trace")
        for line in table.rows {
            let file = try table.value(line, "config"), trafficName = try table.value(line, "traffic")
            guard let traffic = DRAMTraffic(rawValue: trafficName) else {
                throw SpindleError(
                    .invalidValue, "traffic '\(trafficName)'", at: SourceLocation(file: table.path, line: line.line),
                    choices: DRAMTraffic.allCases.map(\.rawValue))
            }
            if configs[file] == nil { configs[file] = try DRAMIni.load(base + "/" + file) }
            let config = configs[file]!
            let cycles = Int(try table.number(line, "cycles"))
            let r = DRAMStudy.run(config, traffic: traffic, cycles: cycles, trace: traffic == .trace ? trace : nil)
            let name = "\(file.replacingOccurrences(of: ".ini", with: "")) \(trafficName)"
            let source = "\(folder)/dramsim3_systems_100k.csv"
            func row(_ metric: String, _ unit: String, _ column: String, _ spindle: Double, _ tolerance: LadderRow.Tolerance)
                throws(SpindleError)
            {
                rows.append(
                    LadderRow(
                        peer: "DRAMsim3", name: name, metric: metric, unit: unit, reference: try table.number(line, column),
                        spindle: spindle,
                        tolerance: tolerance, source: source))
            }
            try row("system bandwidth", "GB/s", "bandwidth_gbps", r.bandwidthGBps, .relative(0.10))
            try row("average read latency", "cycles", "average_read_latency_cycles", r.averageReadLatencyCycles, .relative(0.15))
            if config.negativeEnergies.isEmpty { try row("total energy", "pJ", "total_energy", r.totalEnergyPJ, .relative(0.15)) }
            try row("activates", "commands", "act_cmds", Double(r.statistics.activates), .relative(0.10))
        }
        return rows
    }
}
