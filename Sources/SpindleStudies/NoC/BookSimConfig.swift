import Foundation
import SpindleCore

/// Reads BookSim2 configuration files (`key = value;`, `//` comments) into a NoC study config.
public enum BookSimConfig {
    /// Keys the model reads.
    static let modelled = [
        "topology", "k", "n", "routing_function", "num_vcs", "vc_buf_size", "packet_size", "traffic", "injection_rate",
        "injection_rate_uses_flits", "seed", "warmup_periods", "sample_period", "max_samples", "credit_delay", "alloc_iters",
        "routing_delay", "vc_alloc_delay", "sw_alloc_delay", "st_final_delay",
    ]
    /// BookSim keys accepted without effect (the model has one allocator kind and no speedups).
    static let ignored = [
        "wait_for_tail_credit", "vc_allocator", "sw_allocator", "input_speedup", "output_speedup", "internal_speedup",
        "sim_type", "sim_count", "use_read_write", "print_csv_results", "latency_thres", "priority", "hold_switch_for_packet",
        "watch_out", "stats_out", "sim_power", "subnets",
    ]

    /// Parses `text` (from `file`) and applies `overrides` (`key=value` strings from the command line).
    public static func parse(_ text: String, file: String, overrides: [String] = []) throws(SpindleError) -> NoCStudyConfig {
        var values: [String: (String, SourceLocation)] = [:]
        for (i, raw) in TextLines.split(text).enumerated() {
            var line = String(raw)
            if let c = line.range(of: "//") { line = String(line[..<c.lowerBound]) }
            for statement in line.split(separator: ";") {
                let s = statement.trimmingCharacters(in: .whitespaces)
                if s.isEmpty { continue }
                try assign(s, at: SourceLocation(file: file, line: i + 1), into: &values)
            }
        }
        for o in overrides { try assign(o, at: SourceLocation(file: "command line"), into: &values) }
        func get(_ key: String) -> (String, SourceLocation)? { values[key] }
        func int(_ key: String, _ fallback: Int, _ range: ClosedRange<Int>) throws(SpindleError) -> Int {
            guard let (t, at) = get(key) else { return fallback }
            guard let v = Int(t), range.contains(v) else {
                throw SpindleError(
                    .invalidValue, "'\(key)' is '\(t)'", at: at, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return v
        }
        var c = NoCStudyConfig()
        if let (t, at) = get("topology") {
            guard t == "mesh" || t == "torus" else {
                throw SpindleError(.unsupported, "topology '\(t)' is not modelled", at: at, choices: ["mesh", "torus"])
            }
            c.topology = t == "mesh" ? .mesh : .torus
        }
        c.k = try int("k", 8, 2...64)
        c.n = try int("n", 2, 1...2)
        if c.n == 1 && c.topology == .torus { c.topology = .ring }
        if let (t, at) = get("routing_function"), !["dor", "dim_order"].contains(t) {
            throw SpindleError(.unsupported, "routing_function '\(t)' is not modelled", at: at, choices: ["dor", "dim_order"])
        }
        c.virtualChannels = try int("num_vcs", 16, 1...64)
        if c.topology != .mesh && c.virtualChannels < 2 {
            throw SpindleError(.invalidValue, "a \(c.topology.rawValue) needs at least 2 VCs (two dateline classes)", at: get("num_vcs")?.1)
        }
        c.bufferFlits = try int("vc_buf_size", 8, 1...1_024)
        c.packetFlits = try int("packet_size", 1, 1...1_024)
        if let (t, at) = get("traffic") {
            guard let tr = NoCStudyConfig.Traffic(rawValue: t) else {
                throw SpindleError(
                    .unsupported, "traffic '\(t)' is not modelled", at: at, choices: NoCStudyConfig.Traffic.allCases.map(\.rawValue))
            }
            c.traffic = tr
        }
        if let (t, at) = get("injection_rate") {
            guard let r = Double(t), r >= 0, r <= 1 else {
                throw SpindleError(.invalidValue, "'injection_rate' is '\(t)'", at: at, expected: "a rate in 0...1 per node per cycle")
            }
            c.injectionRate = r
        }
        let routers = Int(pow(Double(c.k), Double(c.n)))
        if c.traffic == .bitcomp && routers & (routers - 1) != 0 {
            throw SpindleError(
                .invalidValue, "bitcomp traffic needs a power-of-two node count; k = \(c.k), n = \(c.n) gives \(routers)",
                at: get("traffic")?.1,
                expected: "k a power of two (BookSim complements the node number's bits)")
        }
        if c.traffic == .transpose && c.n != 2 {
            throw SpindleError(.invalidValue, "transpose traffic needs a 2-D network (n = 2)", at: get("traffic")?.1)
        }
        c.injectionInFlits = try int("injection_rate_uses_flits", 0, 0...1) == 1
        c.seed = UInt64(try int("seed", 1, 0...Int.max))
        c.creditDelay = try int("credit_delay", 2, 0...64)
        c.allocationIterations = try int("alloc_iters", 1, 1...16)
        let sample = try int("sample_period", 1_000, 1...10_000_000)
        c.warmupCycles = try int("warmup_periods", 3, 0...1_000) * sample
        c.measureCycles = try int("max_samples", 10, 1...1_000) * sample
        c.drainCycles = 2 * c.measureCycles
        for (key, expected) in [("routing_delay", 0), ("vc_alloc_delay", 1), ("sw_alloc_delay", 1), ("st_final_delay", 1)] {
            if let (t, at) = get(key), Int(t) != expected {
                throw SpindleError(
                    .unsupported, "'\(key)' is \(t); the modelled router pipeline has \(key) = \(expected)", at: at,
                    hint: "Routing 0, VC allocation 1, switch allocation 1, traversal 1 cycle, as BookSim's reference mesh")
            }
        }
        return c
    }

    static func assign(_ statement: String, at: SourceLocation, into values: inout [String: (String, SourceLocation)]) throws(SpindleError)
    {
        let parts = statement.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw SpindleError(.syntax, "expected 'key = value', found '\(statement)'", at: at)
        }
        let all = modelled + ignored
        guard all.contains(parts[0]) else {
            let hint = Spelling.nearest(parts[0], in: all).map { "Did you mean '\($0)'?" }
            throw SpindleError(.unknownKey, "unknown key '\(parts[0])'", at: at, choices: modelled, hint: hint)
        }
        values[parts[0]] = (parts[1], at)
    }

    public static func load(_ path: String, overrides: [String] = []) throws(SpindleError) -> NoCStudyConfig {
        try parse(try InputFile.text(path, what: "BookSim2 config"), file: path, overrides: overrides)
    }
}
