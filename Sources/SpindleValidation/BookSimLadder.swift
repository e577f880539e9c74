import Foundation
import SpindleCore
import SpindleStudies

/// The BookSim2 rungs of the ladder: latency-versus-load sweeps run with BookSim2, replayed on `spindle noc`.
///
/// `booksim2/sweeps/cases.csv` lists each sweep (label, BookSim2 config, overrides, flits per packet); each
/// `<label>.csv` holds one BookSim2 run per offered load, stable or not. BookSim2's saturation is the highest
/// offered load it reports as stable; loads up to 0.8 x that are compared for average packet latency
/// (±10 %), and Spindle's saturation, found the same way on the same loads, must be within ±0.03 flits per
/// node per cycle.
public enum BookSimLadder {
    public struct Case: Sendable {
        public var label: String, config: String, overrides: [String], flitsPerPacket: Int
        public var points: [Point]
    }

    /// One BookSim2 run of a sweep.
    public struct Point: Sendable {
        public var injectionRate: String
        public var offered: Double
        public var stable: Bool
        public var latency: Double
    }

    public static let latencyTolerance = 0.10
    public static let saturationTolerance = 0.03
    public static let folder = "booksim2"

    /// Reads the sweeps under `directory/booksim2/sweeps`.
    public static func cases(in directory: String) throws(SpindleError) -> [Case] {
        let base = directory + "/" + folder
        let list = try CSVTable(path: base + "/sweeps/cases.csv")
        var out: [Case] = []
        for row in list.rows {
            let label = try list.value(row, "label")
            let sweep = try CSVTable(path: base + "/sweeps/\(label).csv")
            var points: [Point] = []
            for p in sweep.rows {
                let stable = try sweep.value(p, "stable") == "1"
                points.append(
                    Point(
                        injectionRate: try sweep.value(p, "injection_rate"), offered: try sweep.number(p, "offered_flits"), stable: stable,
                        latency: stable ? try sweep.number(p, "avg_packet_latency") : .nan))
            }
            out.append(
                Case(
                    label: label, config: base + "/" + (try list.value(row, "config")),
                    overrides: try list.value(row, "overrides").split(separator: " ").map(String.init),
                    flitsPerPacket: Int(try list.number(row, "flits_per_packet")), points: points))
        }
        return out
    }

    /// The rows for every case; `progress` is told each finished run.
    public static func rows(directory: String, progress: (@Sendable (String) -> Void)? = nil) async throws(SpindleError) -> [LadderRow] {
        var rows: [LadderRow] = []
        for c in try cases(in: directory) { rows += try await caseRows(c, progress: progress) }
        return rows
    }

    static func caseRows(_ c: Case, progress: (@Sendable (String) -> Void)?) async throws(SpindleError) -> [LadderRow] {
        guard let saturation = c.points.filter(\.stable).map(\.offered).max() else { return [] }
        // Run every load up to just past the tolerance band above BookSim's saturation.
        let runs = c.points.filter { $0.offered <= saturation + saturationTolerance + 0.011 }
        var configs: [(Point, NoCStudyConfig)] = []
        for p in runs {
            configs.append((p, try BookSimConfig.load(c.config, overrides: c.overrides + ["injection_rate=\(p.injectionRate)"])))
        }
        let results = await withTaskGroup(of: (Int, NoCStudyResult).self) { group in
            var results = [NoCStudyResult?](repeating: nil, count: configs.count)
            var next = 0
            let width = max(1, min(2, ProcessInfo.processInfo.activeProcessorCount))
            func add(_ i: Int, _ group: inout TaskGroup<(Int, NoCStudyResult)>) {
                let config = configs[i].1
                group.addTask {
                    var network = NoCNetwork(config: config)
                    return (i, network.run())
                }
            }
            while next < min(width, configs.count) {
                add(next, &group)
                next += 1
            }
            while let (i, r) = await group.next() {
                results[i] = r
                progress?("\(c.label) load \(configs[i].0.injectionRate)")
                if next < configs.count {
                    add(next, &group)
                    next += 1
                }
            }
            return results.map { $0! }
        }
        let source = "\(folder)/sweeps/\(c.label).csv"
        var rows: [LadderRow] = []
        for (i, (p, _)) in configs.enumerated() where p.stable && p.offered <= 0.8 * saturation + 1e-9 {
            rows.append(
                LadderRow(
                    peer: "BookSim2", name: "\(c.label) load \(Units.format(p.offered, 3))", metric: "avg packet latency", unit: "cycles",
                    reference: p.latency, spindle: results[i].averagePacketLatency, tolerance: .relative(latencyTolerance), source: source))
        }
        let spindleSaturation = zip(configs, results).filter { $0.1.stable }.map { $0.0.0.offered }.max() ?? 0
        rows.append(
            LadderRow(
                peer: "BookSim2", name: "\(c.label) saturation", metric: "highest stable load", unit: "flits/node/cycle",
                reference: saturation, spindle: spindleSaturation, tolerance: .absolute(saturationTolerance), source: source))
        return rows
    }
}
