import Foundation
import SpindleCore
import SpindleHardware
import SpindleStudies

/// The DRAM rungs of the ladder: closed forms on DRAMsim3's configs, and DRAMsim3's own runs replayed on
/// `spindle dram`.
public enum DRAMLadder {
    public static let folder = "dramsim3"

    /// A statistic (`key = value # comment`) from a DRAMsim3 `dramsim3.txt` file.
    static func statistic(_ text: String, _ key: String, file: String) throws(SpindleError) -> Double {
        for line in TextLines.split(text) where line.hasPrefix(key + " ") || line.hasPrefix(key + "=") {
            let value = line.split(separator: "=").dropFirst().first?.split(separator: "#").first?.trimmingCharacters(in: .whitespaces)
            if let value, let v = Double(value) { return v }
        }
        throw SpindleError(.missingKey, "no statistic '\(key)'", at: SourceLocation(file: file))
    }

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
        // DRAMsim3 runs: bandwidth ±10 %, energy ±15 %, read latency ±25 % (queueing-dominated).
        let config = try DRAMIni.load(base + "/DDR4_8Gb_x8_3200.ini")
        for traffic in DRAMTraffic.allCases {
            let file = "DDR4_8Gb_x8_3200_\(traffic.rawValue)_100k.txt"
            let text = try InputFile.text(base + "/" + file, what: "DRAMsim3 statistics")
            let r = DRAMStudy.run(config, traffic: traffic, cycles: 100_000)
            let name = "DDR4-3200 \(traffic.rawValue), 100k cycles", source = "\(folder)/\(file)"
            func row(_ metric: String, _ unit: String, _ key: String, _ spindle: Double, _ tolerance: LadderRow.Tolerance)
                throws(SpindleError)
            {
                rows.append(
                    LadderRow(
                        peer: "DRAMsim3", name: name, metric: metric, unit: unit, reference: try statistic(text, key, file: file),
                        spindle: spindle,
                        tolerance: tolerance, source: source))
            }
            try row("bandwidth", "GB/s", "average_bandwidth", r.bandwidthGBps, .relative(0.10))
            try row("total energy", "pJ", "total_energy", r.totalEnergyPJ, .relative(0.15))
            try row("average read latency", "cycles", "average_read_latency", r.averageReadLatencyCycles, .relative(0.25))
            try row("refreshes", "commands", "num_ref_cmds", Double(r.statistics.refreshes), .exact)
            if traffic == .random { try row("activates", "commands", "num_act_cmds", Double(r.statistics.activates), .relative(0.10)) }
        }
        return rows
    }
}
