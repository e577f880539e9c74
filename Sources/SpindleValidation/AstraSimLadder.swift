import Foundation
import SpindleCollectives
import SpindleCore

/// ASTRA-sim's collective micro-benchmarks (analytical network, congestion aware) against Spindle's flow-level
/// collectives on the same configuration: rings of 4, 8 and 16 at 50 GB/s (ASTRA-sim's GB is 2^30 bytes) and
/// 500 ns, ring algorithms in 4 chunks with 1 in flight and 10 ns of endpoint delay.
enum AstraSimLadder {
    static let file = "astra-sim/ring_microbenchmarks.csv"

    static func rows(directory: String) throws(SpindleError) -> [LadderRow] {
        let path = directory + "/" + file
        let text = try InputFile.text(path, what: "ASTRA-sim reference table")
        var rows: [LadderRow] = []
        for (i, line) in text.split(separator: "\n").enumerated().dropFirst() {
            let f = line.split(separator: ",").map(String.init)
            guard f.count == 6, let n = Int(f[0]), (2...4_096).contains(n), let op = CollectiveOperation(rawValue: f[3]),
                let bytes = Double(f[4]), bytes > 0, let ns = Double(f[5]), ns > 0
            else {
                throw SpindleError(
                    .syntax, "line \(i + 1) of the ASTRA-sim table is '\(line)'", at: SourceLocation(file: path, line: i + 1),
                    expected: "npus,operation,astra_sim_bytes,spindle_operation,spindle_bytes,astra_sim_ns")
            }
            let net = ClusterNetwork.ring(n, gbPerSecond: 50 * 1.073_741_824, latencyPs: 500_000)
            var o = FlowOptions()
            (o.chunks, o.activeChunks, o.endpointDelayPs) = (4, 1, 10_000)
            let schedule = try RingCollective().schedule(op, bytes: bytes, group: Array(0..<n))
            let r = try FlowSimulation(network: net, options: o).run(schedule, operation: op, algorithm: "ring", bytes: bytes)
            rows.append(
                LadderRow(
                    peer: "ASTRA-sim", name: "ring of \(n), \(f[1]) 1 MiB per node", metric: "collective time", unit: "us",
                    reference: ns * 1e-3, spindle: r.timePs * 1e-6, tolerance: .relative(0.08), source: file))
        }
        return rows
    }
}
