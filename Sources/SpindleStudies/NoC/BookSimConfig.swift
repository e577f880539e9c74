import Foundation
import SpindleCore

/// Reads BookSim2 configuration files (`key = value;`, `//` comments) into a NoC study config.
///
/// Every key BookSim2 reads is known here. A key either takes effect as in BookSim2, is accepted only at
/// BookSim2's default value (any other value is refused by name, with the reason), only changes what
/// BookSim2 prints, or is read by BookSim2 only when another key enables a feature that is refused. Keys left
/// out take BookSim2's defaults.
public enum BookSimConfig {
    /// What the model does with one BookSim2 key.
    enum Disposition {
        /// Read into the study config.
        case modelled
        /// Only BookSim2's default is modelled; `values` are the accepted spellings, `why` says what is missing.
        case fixed(values: [String], why: String)
        /// Changes only BookSim2's printed output or trace files.
        case outputOnly
        /// Read by BookSim2 only when `enabledBy` selects a feature the model does not have.
        case inactive(enabledBy: String)
        /// Read by BookSim2 but without effect on the modelled router (`why`).
        case noEffect(why: String)
    }

    /// The most input-buffer flit slots a study allocates (about 0.5 GB).
    public static let maxFlitSlots = 40_000_000

    static let keys: [String: Disposition] = {
        var k: [String: Disposition] = [:]
        for m in [
            "topology", "k", "n", "routing_function", "num_vcs", "vc_buf_size", "packet_size", "traffic", "injection_rate",
            "injection_rate_uses_flits", "seed", "warmup_periods", "sample_period", "max_samples", "latency_thres", "warmup_thres",
            "acc_warmup_thres", "stopping_thres", "acc_stopping_thres", "credit_delay", "routing_delay", "vc_allocator", "sw_allocator",
            "vc_alloc_delay", "sw_alloc_delay", "st_prepare_delay", "st_final_delay", "wait_for_tail_credit", "use_noc_latency",
            "input_speedup",
        ] { k[m] = .modelled }
        let fixed: [(String, [String], String)] = [
            ("subnets", ["1"], "one network"), ("c", ["1"], "one node per router (no concentration)"),
            ("router", ["iq"], "the input-queued router"), ("output_delay", ["0"], "no output delay"),
            ("internal_speedup", ["1", "1.0"], "no internal speedup"), ("output_speedup", ["1"], "no output speedup"),
            ("output_buffer_size", ["-1"], "unbounded router output buffers"), ("noq", ["0"], "no next-hop output queueing"),
            ("speculative", ["0"], "non-speculative switch allocation"), ("buf_size", ["-1"], "private per-VC buffers"),
            ("buffer_policy", ["private"], "private per-VC buffers"), ("vc_busy_when_full", ["0"], "BookSim's default VC availability"),
            ("vc_prioritize_empty", ["0"], "no VC priorities"), ("vc_priority_donation", ["0"], "no VC priorities"),
            ("vc_shuffle_requests", ["0"], "unshuffled VC requests"), ("hold_switch_for_packet", ["0"], "per-flit switch allocation"),
            ("vct", ["0"], "wormhole switching"), ("arb_type", ["round_robin"], "round-robin arbiters"),
            ("classes", ["1"], "one traffic class"), ("injection_process", ["bernoulli"], "Bernoulli injection"),
            ("priority", ["none"], "no packet priorities"), ("use_read_write", ["0"], "one-way traffic (no request/reply)"),
            ("sim_type", ["latency"], "latency runs"), ("sim_count", ["1"], "one simulation per run"),
            ("measure_stats", ["1"], "measured traffic"), ("link_failures", ["0"], "no failed links"),
            ("include_queuing", ["1"], "latency counted from packet creation (source queueing included)"),
            ("packet_size_rate", ["1"], "one packet size"), ("class_priority", ["0"], "one traffic class"),
            ("max_outstanding_requests", ["0"], "unlimited outstanding requests"),
            ("sim_power", ["0"], "no power model (Spindle prices traffic with its technology files)"),
        ]
        for (key, values, why) in fixed { k[key] = .fixed(values: values, why: why) }
        k["alloc_iters"] = .noEffect(
            why:
                "BookSim2's input-queued router builds its allocators without the config, so they take one iteration; write vc_allocator = islip(N) or sw_allocator = islip(N) for N"
        )
        for o in [
            "print_csv_results", "print_activity", "deadlock_warn_timeout", "viewer_trace", "watch_file", "watch_flits", "watch_packets",
            "watch_transactions", "watch_out", "stats_out", "sent_packets_out", "injected_flits_out", "received_flits_out",
            "stored_flits_out", "sent_flits_out", "outstanding_credits_out", "ejected_flits_out", "active_packets_out",
            "used_credits_out", "free_credits_out", "max_credits_out", "pair_stats",
        ] { k[o] = .outputOnly }
        let inactive: [(String, [String])] = [
            ("topology (cmesh, flatfly)", ["x", "y", "xr", "yr"]), ("link_failures", ["fail_seed"]),
            ("topology (anynet)", ["network_file", "in_ports", "out_ports", "channel_file"]),
            ("speculative", ["spec_check_elig", "spec_check_cred", "spec_mask_by_reqs", "spec_sw_allocator"]),
            (
                "buffer_policy",
                [
                    "private_bufs", "private_buf_size", "private_buf_start_vc", "private_buf_end_vc", "max_held_slots",
                    "feedback_aging_scale", "feedback_offset",
                ]
            ),
            ("traffic (randperm)", ["perm_seed"]), ("injection_process (on_off)", ["burst_alpha", "burst_beta", "burst_r1"]),
            ("sim_type (batch)", ["batch_size", "batch_count"]),
            (
                "use_read_write",
                [
                    "write_fraction", "read_request_begin_vc", "read_request_end_vc", "write_request_begin_vc",
                    "write_request_end_vc", "read_reply_begin_vc", "read_reply_end_vc", "write_reply_begin_vc", "write_reply_end_vc",
                    "read_request_subnet", "read_reply_subnet", "write_request_subnet", "write_reply_subnet", "read_request_size",
                    "write_request_size", "read_reply_size", "write_reply_size",
                ]
            ),
            ("sim_power", ["power_output_file", "tech_file", "channel_width", "channel_sweep", "wire_length"]),
        ]
        for (enabler, names) in inactive { for n in names { k[n] = .inactive(enabledBy: enabler) } }
        return k
    }()

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
        for (key, (value, at)) in values {
            if case .fixed(let accepted, let why) = keys[key], !accepted.contains(value) {
                throw SpindleError(
                    .unsupported, "'\(key)' is \(value); the model has \(why) only", at: at,
                    expected: "\(key) = \(accepted[0]) (BookSim2's default)")
            }
        }
        return try build(values, file: file)
    }

    static func build(_ values: [String: (String, SourceLocation)], file: String) throws(SpindleError) -> NoCStudyConfig {
        func get(_ key: String) -> (String, SourceLocation)? { values[key] }
        func int(_ key: String, _ range: ClosedRange<Int>) throws(SpindleError) -> Int? {
            guard let (t, at) = get(key) else { return nil }
            guard let v = Int(t), range.contains(v) else {
                throw SpindleError(
                    .invalidValue, "'\(key)' is '\(t)'", at: at, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return v
        }
        func real(_ key: String, _ range: ClosedRange<Double>, _ what: String) throws(SpindleError) -> Double? {
            guard let (t, at) = get(key) else { return nil }
            guard let v = Double(t), v.isFinite, range.contains(v) else {
                throw SpindleError(.invalidValue, "'\(key)' is '\(t)'", at: at, expected: what)
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
        c.k = try int("k", 2...64) ?? c.k
        c.n = try int("n", 1...2) ?? c.n
        if c.n == 1 && c.topology == .torus { c.topology = .ring }
        // BookSim looks up routing_function + "_" + topology; it has no default.
        guard let (routing, routingAt) = get("routing_function") else {
            throw SpindleError(
                .missingKey, "'routing_function' is not set; BookSim2 has no default", at: SourceLocation(file: file),
                expected: c.topology == .mesh ? "routing_function = dor (or dim_order)" : "routing_function = dim_order")
        }
        let meshRoutes = ["dor", "dim_order"], torusRoutes = ["dim_order"]
        let routes = c.topology == .mesh ? meshRoutes : torusRoutes
        guard routes.contains(routing) else {
            let topo = c.topology == .mesh ? "mesh" : "torus"
            throw SpindleError(
                .unsupported, "routing function '\(routing)_\(topo)' is not modelled", at: routingAt,
                choices: routes.map { "\($0) (\($0)_\(topo))" })
        }
        c.virtualChannels = try int("num_vcs", 1...64) ?? c.virtualChannels
        if c.topology != .mesh && c.virtualChannels < 2 {
            throw SpindleError(
                .invalidValue, "a \(c.topology.rawValue) needs at least 2 VCs (two dateline classes)", at: get("num_vcs")?.1,
                expected: "num_vcs >= 2")
        }
        c.bufferFlits = try int("vc_buf_size", 1...1_024) ?? c.bufferFlits
        c.packetFlits = try int("packet_size", 1...1_024) ?? c.packetFlits
        if let (t, at) = get("traffic") {
            guard let tr = NoCTraffic(rawValue: t) else {
                throw SpindleError(.unsupported, "traffic '\(t)' is not modelled", at: at, choices: NoCTraffic.allCases.map(\.rawValue))
            }
            c.traffic = tr
        }
        if c.traffic.needsPowerOfTwoNodes && c.nodes & (c.nodes - 1) != 0 {
            throw SpindleError(
                .invalidValue, "\(c.traffic.rawValue) traffic needs a power-of-two node count; k = \(c.k), n = \(c.n) gives \(c.nodes)",
                at: get("traffic")?.1, expected: "k a power of two (BookSim permutes the node number's bits)")
        }
        if c.traffic == .transpose && c.nodes.trailingZeroBitCount % 2 != 0 {
            throw SpindleError(
                .invalidValue, "transpose traffic needs an even power of two nodes; \(c.nodes) is not", at: get("traffic")?.1,
                expected: "4, 16, 64, 256, ... nodes")
        }
        c.injectionInFlits = try int("injection_rate_uses_flits", 0...1).map { $0 == 1 } ?? false
        if let (t, at) = get("injection_rate"), t.hasPrefix("{") {
            throw SpindleError(.unsupported, "'injection_rate' lists one rate per class", at: at, expected: "one rate (one traffic class)")
        }
        c.injectionRate =
            try real("injection_rate", 0...1, "a rate in 0...1 per node per cycle") ?? c.injectionRate
        if let (t, at) = get("seed") {
            guard t != "time" else {
                throw SpindleError(.unsupported, "seed = time is not reproducible", at: at, expected: "a whole number")
            }
            c.seed = UInt64(try int("seed", 0...Int.max) ?? 0)
        }
        c.creditDelay = try int("credit_delay", 0...64) ?? c.creditDelay
        _ = try int("alloc_iters", 1...16)
        c.vcAllocIterations = try allocatorIterations("vc_allocator", values["vc_allocator"])
        c.swAllocIterations = try allocatorIterations("sw_allocator", values["sw_allocator"])
        c.routingDelay = try int("routing_delay", 0...16) ?? c.routingDelay
        c.vcAllocDelay = try int("vc_alloc_delay", 1...16) ?? c.vcAllocDelay
        c.swAllocDelay = try int("sw_alloc_delay", 1...16) ?? c.swAllocDelay
        let prepare = try int("st_prepare_delay", 0...16) ?? 0
        let final = try int("st_final_delay", 1...16) ?? 1
        c.crossbarDelay = prepare + final
        c.waitForTailCredit = try int("wait_for_tail_credit", 0...1).map { $0 == 1 } ?? false
        let nocLatency = try int("use_noc_latency", 0...1) ?? 1
        c.channelLatency = nocLatency == 1 && c.topology != .mesh ? 2 : 1
        c.inputSpeedup = try int("input_speedup", 1...16) ?? 1
        if c.virtualChannels < c.inputSpeedup {
            throw SpindleError(
                .invalidValue, "input_speedup \(c.inputSpeedup) exceeds num_vcs \(c.virtualChannels)", at: get("input_speedup")?.1,
                expected: "input_speedup <= num_vcs")
        }
        let flitSlots = c.nodes * (2 * c.n + 1) * c.virtualChannels * c.bufferFlits
        guard flitSlots <= maxFlitSlots else {
            throw SpindleError(
                .invalidValue,
                "the routers' buffers hold \(flitSlots) flits (nodes x ports x num_vcs x vc_buf_size), more than the \(maxFlitSlots) the study allocates",
                at: get("vc_buf_size")?.1 ?? get("num_vcs")?.1 ?? get("k")?.1, expected: "fewer nodes, VCs or buffer slots")
        }
        var s = NoCSampling()
        s.samplePeriod = try int("sample_period", 1...10_000_000) ?? s.samplePeriod
        s.warmupPeriods = try int("warmup_periods", 0...1_000) ?? s.warmupPeriods
        s.maxSamples = try int("max_samples", 1...10_000) ?? s.maxSamples
        s.latencyThreshold = try real("latency_thres", -1...1e12, "cycles (negative: no threshold)") ?? s.latencyThreshold
        s.warmupThreshold = try real("warmup_thres", -1...1e6, "a relative change (negative: not checked)") ?? s.warmupThreshold
        s.acceptedWarmupThreshold =
            try real("acc_warmup_thres", -1...1e6, "a relative change (negative: not checked)") ?? s.acceptedWarmupThreshold
        s.stoppingThreshold = try real("stopping_thres", -1...1e6, "a relative change (negative: not checked)") ?? s.stoppingThreshold
        s.acceptedStoppingThreshold =
            try real("acc_stopping_thres", -1...1e6, "a relative change (negative: not checked)") ?? s.acceptedStoppingThreshold
        c.sampling = s
        return c
    }

    /// The iSLIP iterations of an allocator spelled `islip` or `islip(N)` (others are not modelled).
    static func allocatorIterations(_ key: String, _ value: (String, SourceLocation)?) throws(SpindleError) -> Int {
        guard let (t, at) = value, t != "islip" else { return 1 }
        if t.hasPrefix("islip("), t.hasSuffix(")"), let n = Int(t.dropFirst(6).dropLast()), (1...16).contains(n) { return n }
        throw SpindleError(
            .unsupported, "'\(key)' is \(t); the model has iSLIP allocators only", at: at,
            expected: "\(key) = islip (one iteration) or islip(N) with N from 1 to 16")
    }

    static func assign(_ statement: String, at: SourceLocation, into values: inout [String: (String, SourceLocation)]) throws(SpindleError)
    {
        let parts = statement.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw SpindleError(.syntax, "expected 'key = value', found '\(statement)'", at: at)
        }
        // An inactive key is accepted: BookSim2 ignores it too unless its enabling key (refused here) is set.
        guard keys[parts[0]] != nil else {
            let all = keys.keys.sorted()
            let hint = Spelling.nearest(parts[0], in: all).map { "Did you mean '\($0)'?" }
            throw SpindleError(
                .unknownKey, "unknown key '\(parts[0])' (not a BookSim2 key)", at: at,
                choices: all.filter { if case .modelled = keys[$0] { true } else { false } }, hint: hint)
        }
        var value = parts[1]
        if value.count >= 2, value.first == "\"" || value.first == "'", value.last == value.first {
            value = String(value.dropFirst().dropLast())
        }
        values[parts[0]] = (value, at)
    }

    public static func load(_ path: String, overrides: [String] = []) throws(SpindleError) -> NoCStudyConfig {
        try parse(try InputFile.text(path, what: "BookSim2 config"), file: path, overrides: overrides)
    }
}
