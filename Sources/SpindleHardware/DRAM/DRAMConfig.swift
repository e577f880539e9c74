import Foundation
import SpindleCore

/// A DRAM channel's organisation, JEDEC timing (in clock cycles) and currents, as in a DRAMsim3 `.ini`.
public struct DRAMConfig: Sendable, Equatable {
    public var name: String
    public var protocolName: String
    public var bankGroups: Int
    public var banksPerGroup: Int
    public var rows: Int
    public var columns: Int
    public var deviceWidth: Int
    public var burstLength: Int
    public var tCKns: Double
    public var AL: Int, CL: Int, CWL: Int
    public var tRCD: Int, tRP: Int, tRAS: Int, tRFC: Int, tREFI: Int
    public var tRRDS: Int, tRRDL: Int, tWTRS: Int, tWTRL: Int, tFAW: Int, tWR: Int, tRTP: Int
    public var tCCDS: Int, tCCDL: Int, tRTRS: Int
    public var VDD: Double
    public var IDD0: Double, IDD2N: Double, IDD3N: Double, IDD4W: Double, IDD4R: Double, IDD5AB: Double
    /// Channel capacity in MiB, bus width in bits.
    public var channelSizeMB: Int
    public var busWidth: Int
    public var addressMapping: String
    public var commandQueueSize: Int
    public var transactionQueueSize: Int
    /// Channels of the memory system (`spindle dram` simulates them all; a run's DRAM channel is one).
    public var channels: Int = 1
    /// One command queue per bank (DRAMsim3's default) or per rank, each of `commandQueueSize` entries.
    public var queueStructure: DRAMQueueStructure = .perBank
    /// Activate to write on GDDR and HBM (`tRCDWR`; nil: `tRCD`, as DDR and LPDDR use for both).
    public var tRCDWR: Int? = nil
    /// GDDR's 32-activate window in cycles (0: none).
    public var t32AW = 0
    /// Keys the file left out, with the DRAMsim3 defaults they took (`tRRD_S = 4`).
    public var defaultedKeys: [String] = []
    /// The line of the currents in the config file, for messages.
    public var currentsLine: Int? = nil
    /// Precharge to precharge of another bank (GDDR and LPDDR4; 0 elsewhere).
    public var tPPD = 0
    /// Read to precharge as DRAMsim3 times it: its `tRTP` key, or its default 5 when the config gives only
    /// tRTP_L / tRTP_S (which the closed-form `tRTP` above takes instead).
    public var tRTPTiming: Int? = nil
    /// HBM's dual command issue (a row and a column command in one cycle), on by default as in DRAMsim3;
    /// it applies only to HBM protocols.
    public var hbmDualCommandEnabled = true

    public var banks: Int { bankGroups * banksPerGroup }
    public var devicesPerRank: Int { busWidth / deviceWidth }
    public var isHBM: Bool { protocolName.hasPrefix("HBM") }
    public var isGDDR: Bool { protocolName.hasPrefix("GDDR") }
    /// Whether a row command and a column command may issue in the same cycle.
    public var dualCommandIssue: Bool { isHBM && hbmDualCommandEnabled }
    /// Physical columns of a row, as DRAMsim3 counts them: a GDDR column is `BL` device words, an HBM one two
    /// (prefetch), so `columns` is multiplied by BL or 2 before sizing ranks and decoding addresses.
    public var physicalColumns: Int { isGDDR ? columns * burstLength : isHBM ? columns * 2 : columns }
    /// MiB of one rank, in DRAMsim3's integer arithmetic: page bytes x rows / 1024 / 1024, x banks x devices.
    public var rankMiB: Int { physicalColumns * deviceWidth / 8 * (rows / 1_024) / 1_024 * banks * devicesPerRank }
    /// Bytes of one rank.
    public var rankBytes: Double { Double(rankMiB) * 1_048_576 }
    /// Ranks per channel, as DRAMsim3 sizes them: `channel_size / rankMiB`, or one rank (with a warning,
    /// `sizingNote`) when a rank is larger than the channel.
    public var ranks: Int { rankMiB > channelSizeMB || rankMiB == 0 ? 1 : channelSizeMB / rankMiB }
    /// DRAMsim3's warning when `channel_size` is smaller than one rank (nil otherwise).
    public var sizingNote: String? {
        rankMiB > channelSizeMB
            ? "channel_size \(channelSizeMB) MB is smaller than one rank (\(rankMiB) MB); as DRAMsim3, the channel has one rank of \(rankMiB) MB"
            : nil
    }
    /// This config as one channel of its memory system (the address mapping's channel bits dropped), as a
    /// run's DRAM channel uses it.
    public var singleChannel: DRAMConfig {
        var c = self
        c.channels = 1
        return c
    }

    /// Commands whose energy the currents make negative (DRAMsim3's formulas), with the condition that
    /// fails: such a config still times correctly (DRAMsim3 runs it), but its energies mean nothing.
    public var negativeEnergies: [(command: String, energy: Double, condition: String)] {
        [
            ("activate", activateEnergy, "IDD0 x tRC >= IDD3N x tRAS + IDD2N x (tRC - tRAS)"), ("read", readEnergy, "IDD4R >= IDD3N"),
            ("write", writeEnergy, "IDD4W >= IDD3N"), ("refresh", refreshEnergy, "IDD5AB >= IDD3N"),
        ].filter { $0.1 < 0 }
    }

    /// Throws when the currents give a negative command energy (for runs that price DRAM energy).
    public func requirePositiveEnergies(file: String) throws(SpindleError) {
        guard let bad = negativeEnergies.first else { return }
        throw SpindleError(
            .invalidValue, "the currents give a negative \(bad.command) energy (\(Units.format(bad.energy, 1)))",
            at: SourceLocation(file: file, line: currentsLine), expected: bad.condition)
    }

    /// Cycles from an activate to a read and to a write of its bank: tRCDRD and tRCDWR on GDDR and HBM,
    /// tRCD - AL otherwise (DRAMsim3's timing table).
    public var activateToRead: Int { isGDDR || isHBM ? tRCD : tRCD - AL }
    public var activateToWrite: Int { isGDDR || isHBM ? (tRCDWR ?? tRCD) : tRCD - AL }
    /// Cycles the data bus is busy per burst: BL / 2 (double data rate), BL / 4 for GDDR5, BL / 8 for
    /// GDDR5X and BL / 16 for GDDR6, as DRAMsim3.
    public var burstCycles: Int {
        switch protocolName {
        case "GDDR5": max(1, burstLength / 4)
        case "GDDR5X": max(1, burstLength / 8)
        case "GDDR6": max(1, burstLength / 16)
        default: max(1, burstLength / 2)
        }
    }
    public var readLatency: Int { AL + CL }
    public var writeLatency: Int { AL + CWL }
    /// Bytes per request (one burst on the full bus).
    public var requestBytes: Int { burstLength * busWidth / 8 }
    public var tRC: Int { tRAS + tRP }

    /// Unloaded read latency of a closed row, (tRP + tRCD + CL) cycles.
    public var unloadedReadLatencyCycles: Int { tRP + tRCD + CL }
    public var unloadedReadLatencyNs: Double { Double(unloadedReadLatencyCycles) * tCKns }
    /// Peak bandwidth per channel, one request per burst: bus width / 8 x BL / (burst cycles x tCK), in GB/s
    /// (bus width x 2 / tCK / 8 for double data rate).
    public var peakBandwidthGBps: Double { Double(requestBytes) / (Double(burstCycles) * tCKns) }
    /// Fraction of time lost to refresh, (tRTP + tRP + tRFC + tRCD) / tREFI.
    public var refreshOverhead: Double { Double(tRTP + tRP + tRFC + tRCD) / Double(tREFI) }
    public var refreshLimitedBandwidthGBps: Double { peakBandwidthGBps * (1 - refreshOverhead) }

    // Energies per command in DRAMsim3's units (mA x V x cycles, which it reports as pJ), for the rank.
    public var activateEnergy: Double {
        (IDD0 * Double(tRC) - (IDD3N * Double(tRAS) + IDD2N * Double(tRC - tRAS))) * VDD * Double(devicesPerRank)
    }
    public var readEnergy: Double { (IDD4R - IDD3N) * Double(burstCycles) * VDD * Double(devicesPerRank) }
    public var writeEnergy: Double { (IDD4W - IDD3N) * Double(burstCycles) * VDD * Double(devicesPerRank) }
    public var refreshEnergy: Double { (IDD5AB - IDD3N) * Double(tRFC) * VDD * Double(devicesPerRank) }
    public var activeStandbyEnergy: Double { IDD3N * VDD * Double(devicesPerRank) }
    public var prechargeStandbyEnergy: Double { IDD2N * VDD * Double(devicesPerRank) }
}

/// Reads DRAMsim3 `.ini` files.
/// How a DRAMsim3 controller groups its command queues.
public enum DRAMQueueStructure: String, Sendable, CaseIterable {
    case perBank = "PER_BANK"
    case perRank = "PER_RANK"
}

/// Reads DRAMsim3 `.ini` files.
public enum DRAMIni {
    /// DRAMsim3's protocols this model runs.
    static let protocols = ["DDR3", "DDR4", "GDDR5", "GDDR5X", "GDDR6", "LPDDR", "LPDDR3", "LPDDR4", "HBM", "HBM2"]
    /// Keys DRAMsim3 configs use that this model reads or knowingly ignores.
    static let known: [String: [String]] = [
        "dram_structure": [
            "protocol", "bankgroups", "banks_per_group", "rows", "columns", "device_width", "BL", "num_dies", "bankgroup_enable",
            "hbm_dual_cmd",
        ],
        "timing": [
            "tCK", "AL", "CL", "CWL", "tRCD", "tRCDRD", "tRCDWR", "tRP", "tRAS", "tRFC", "tRFC2", "tRFC4", "tRFCb", "tREFI",
            "tREFIb", "tRPRE", "tWPRE", "tRRD_S", "tRRD_L", "tRRD", "tWTR_S", "tWTR_L", "tWTR", "tFAW", "tWR", "tWR2", "tRTP",
            "tRTP_L", "tRTP_S", "tCCD_S", "tCCD_L", "tCCD", "tCKE", "tCKESR", "tCKSRE", "tXS", "tXP", "tRTRS", "tPPD", "t32AW",
            "tRREFD", "tRC", "REFRESH_PERIOD", "ideal_memory_latency",
            // In DRAMsim3's own configs but not read by it (a misspelt tREFI, a debug config's extras).
            "REFI", "tCMD", "activation_window_depth", "tCAS",
        ],
        "power": [
            "VDD", "IDD0", "IPP0", "IDD1", "IDD2P", "IDD2N", "IDD2Q", "IDD3P", "IDD3Pf", "IDD3Ps", "IDD3N", "IDD4W", "IDD4R", "IDD5",
            "IDD5AB", "IDD5PB", "IDD6", "IDD6L", "IDD6x", "IDD7", "VPP",
        ],
        "system": [
            "channel_size", "channels", "bus_width", "address_mapping", "queue_structure", "refresh_policy", "row_buf_policy",
            "cmd_queue_size", "trans_queue_size", "unified_queue", "write_buf_size", "reads_cmd_queue_size", "enable_self_refresh",
            "sref_threshold", "aggressive_precharging_enabled",
        ],
        "other": ["epoch_period", "output_level", "output_prefix", "validation_output"],
        // Read only by DRAMsim3's thermal build, which models temperature, not timing.
        "thermal": [
            "amb_temp", "bank_layer_order", "bank_order", "chip_dim_x", "chip_dim_y", "epoch_period", "loc_mapping", "logic_bg_power",
            "logic_max_power", "mat_dim_x", "mat_dim_y", "output_level", "power_epoch_period", "const_logic_power", "row_tile",
        ],
    ]

    /// A boolean as DRAMsim3's ini reader takes it (true/false, yes/no, on/off, 1/0, any case).
    static func iniBool(_ v: String) -> Bool? {
        switch v.lowercased() {
        case "true", "yes", "on", "1": true
        case "false", "no", "off", "0": false
        default: nil
        }
    }

    /// Parses `text` (from `file`, for messages).
    public static func parse(_ text: String, file: String) throws(SpindleError) -> DRAMConfig {
        var values: [String: (String, Int)] = [:]
        var section = ""
        for (i, raw) in TextLines.split(text).enumerated() {
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix(";") || trimmed.hasPrefix("#") { continue }
            let line = String(trimmed.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0])
                .trimmingCharacters(in: .whitespaces)
            let at = SourceLocation(file: file, line: i + 1)
            if line.hasPrefix("[") {
                section = line.trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
                guard section != "hmc" else {
                    throw SpindleError(
                        .unsupported,
                        "HMC configs are not modelled: an HMC cube is a packet network of vaults, not DRAMsim3's JEDEC channels",
                        at: at, choices: protocols)
                }
                guard known[section] != nil else {
                    throw SpindleError(.unknownKey, "unknown section [\(section)]", at: at, choices: known.keys.sorted())
                }
                continue
            }
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else {
                throw SpindleError(.syntax, "expected 'key = value'", at: at)
            }
            guard let keys = known[section] else {
                throw SpindleError(.syntax, "'\(parts[0])' appears before any [section]", at: at)
            }
            guard keys.contains(parts[0]) else {
                let hint = Spelling.nearest(parts[0], in: keys).map { "Did you mean '\($0)'?" }
                throw SpindleError(.unknownKey, "unknown key '\(parts[0])' in [\(section)]", at: at, choices: keys, hint: hint)
            }
            // A parenthesised remark after a value (`tCK = 0.666 (1/1.5)`) is a comment, as DRAMsim3's reader takes it.
            var value = parts[1]
            if let open = value.firstIndex(of: "("), open > value.startIndex, value.hasSuffix(")") {
                value = value[..<open].trimmingCharacters(in: .whitespaces)
            }
            values[parts[0]] = (value, i + 1)
        }
        func location(_ key: String) -> SourceLocation { SourceLocation(file: file, line: values[key]?.1) }
        // Every whole-number field is bounded: beyond these, products such as the rank size overflow, and
        // no JEDEC part comes near them.
        let maxCycles = 1 << 22
        var defaulted: [String] = []
        func int(_ key: String, _ fallback: Int? = nil, min: Int = 0, max: Int = maxCycles) throws(SpindleError) -> Int {
            guard let (text, _) = values[key] else {
                if let fallback {
                    defaulted.append("\(key) = \(fallback)")
                    return fallback
                }
                throw SpindleError(
                    .missingKey, "'\(key)' is missing", at: SourceLocation(file: file),
                    hint: "DRAMsim3 configs give it; see configs/DDR4_8Gb_x8_3200.ini")
            }
            guard let v = Int(text) else {
                throw SpindleError(
                    .invalidValue, "'\(key)' is '\(text)'", at: location(key), expected: "a whole number from \(min) to \(max)")
            }
            guard (min...max).contains(v) else {
                throw SpindleError(
                    .invalidValue, "'\(key)' is \(v), \(v < min ? "an impossible value" : "beyond any JEDEC part")", at: location(key),
                    expected: "a whole number from \(min) to \(max)")
            }
            return v
        }
        func double(_ key: String, _ fallback: Double? = nil, max: Double = 1e4) throws(SpindleError) -> Double {
            guard let (text, _) = values[key] else {
                if let fallback {
                    defaulted.append("\(key) = \(fallback)")
                    return fallback
                }
                throw SpindleError(.missingKey, "'\(key)' is missing", at: SourceLocation(file: file))
            }
            guard let v = Double(text), v >= 0, v <= max, v.isFinite else {
                throw SpindleError(.invalidValue, "'\(key)' is '\(text)'", at: location(key), expected: "a number from 0 to \(max)")
            }
            return v
        }
        func powerOfTwo(_ key: String, _ fallback: Int? = nil, min: Int, max: Int) throws(SpindleError) -> Int {
            let v = try int(key, fallback, min: min, max: max)
            guard v & (v - 1) == 0 else {
                throw SpindleError(
                    .invalidValue, "'\(key)' is \(v), which is not a power of two", at: location(key),
                    expected: "a power of two from \(min) to \(max) (DRAMsim3 decodes addresses by bit fields)")
            }
            return v
        }
        // Every key takes DRAMsim3's default when the file leaves it out (Config::Init* in DRAMsim3).
        let protocolName = values["protocol"]?.0 ?? "DDR3"
        if values["protocol"] == nil { defaulted.append("protocol = DDR3") }
        let splitRCD = protocolName.hasPrefix("GDDR") || protocolName.hasPrefix("HBM")
        let tCK = try double("tCK", 1.0, max: 1_000)
        guard tCK >= 0.01 else {
            throw SpindleError(
                .invalidValue, "'tCK' is \(tCK) ns, an impossible clock period", at: location("tCK"),
                expected: "a period from 0.01 ns to 1000 ns (DDR4-3200 has 0.625)")
        }
        // GDDR and HBM time activates with tRCDRD / tRCDWR; the others with tRCD (tRCDRD is then ignored).
        let tRCD = splitRCD ? try int("tRCDRD", 24, min: 1) : try int("tRCD", 10, min: 1)
        var config = DRAMConfig(
            name: (file.split(separator: "/").last.map(String.init) ?? file).replacingOccurrences(of: ".ini", with: ""),
            protocolName: protocolName, bankGroups: try powerOfTwo("bankgroups", 2, min: 1, max: 64),
            banksPerGroup: try powerOfTwo("banks_per_group", 2, min: 1, max: 64),
            rows: try powerOfTwo("rows", 1 << 16, min: 1, max: 1 << 24),
            columns: try powerOfTwo("columns", 1 << 10, min: 1, max: 1 << 16),
            deviceWidth: try powerOfTwo("device_width", 8, min: 1, max: 1_024), burstLength: try powerOfTwo("BL", 8, min: 2, max: 64),
            tCKns: tCK, AL: try int("AL", 0), CL: try int("CL", 12, min: 1), CWL: try int("CWL", 12, min: 1), tRCD: tRCD,
            tRP: try int("tRP", 10, min: 1), tRAS: try int("tRAS", 24, min: 1), tRFC: try int("tRFC", 74, min: 1),
            tREFI: try int("tREFI", 7_800, min: 1), tRRDS: try int("tRRD_S", 4, min: 1), tRRDL: try int("tRRD_L", 4, min: 1),
            tWTRS: try int("tWTR_S", 5, min: 1), tWTRL: try int("tWTR_L", 5, min: 1), tFAW: try int("tFAW", 50),
            tWR: try int("tWR", 10, min: 1),
            // The closed forms take tRTP_L where a config splits it; DRAMsim3's timing reads only tRTP (tRTPTiming).
            tRTP: values["tRTP"] != nil || values["tRTP_L"] == nil ? try int("tRTP", 5, min: 1) : try int("tRTP_L", min: 1),
            tCCDS: try int("tCCD_S", 4, min: 1), tCCDL: try int("tCCD_L", 6, min: 1), tRTRS: try int("tRTRS", 2),
            VDD: try double("VDD", 1.2), IDD0: try double("IDD0", 48), IDD2N: try double("IDD2N", 34), IDD3N: try double("IDD3N", 43),
            IDD4W: try double("IDD4W", 123), IDD4R: try double("IDD4R", 135), IDD5AB: try double("IDD5AB", 250),
            channelSizeMB: try int("channel_size", 1_024, min: 1, max: 1 << 24),
            busWidth: try powerOfTwo("bus_width", 64, min: 8, max: 4_096),
            addressMapping: values["address_mapping"]?.0 ?? "chrobabgraco",
            commandQueueSize: try int("cmd_queue_size", 16, min: 1, max: 4_096),
            transactionQueueSize: try int("trans_queue_size", 32, min: 1, max: 4_096))
        if values["address_mapping"] == nil { defaulted.append("address_mapping = chrobabgraco") }
        config.channels = values["channels"] == nil ? 1 : try powerOfTwo("channels", min: 1, max: 1_024)
        if splitRCD { config.tRCDWR = try int("tRCDWR", 20, min: 1) }
        config.tRTPTiming = values["tRTP"] != nil ? config.tRTP : 5
        if config.isGDDR || config.protocolName == "LPDDR4" { config.tPPD = try int("tPPD", 0) }
        if config.isGDDR { config.t32AW = try int("t32AW", 330) }
        // GDDR5/6 may disable bank groups: DRAMsim3 then makes all banks one group.
        if let (v, line) = values["bankgroup_enable"] {
            guard let on = iniBool(v) else {
                throw SpindleError(
                    .invalidValue, "bankgroup_enable is '\(v)'", at: SourceLocation(file: file, line: line), choices: ["true", "false"])
            }
            if !on {
                config.banksPerGroup *= config.bankGroups
                config.bankGroups = 1
            }
        }
        // With one bank group the short timings apply between all banks (DRAMsim3's timing table).
        if config.bankGroups == 1 {
            config.tCCDL = config.tCCDS
            config.tWTRL = config.tWTRS
            config.tRRDL = config.tRRDS
        }
        if let (p, line) = values["protocol"], !protocols.contains(p) {
            throw SpindleError(
                .unsupported, "protocol '\(p)' is not modelled", at: SourceLocation(file: file, line: line), choices: protocols,
                hint: p == "HMC" ? "HMC's cube network is a different memory system from DRAMsim3's JEDEC channels" : nil)
        }
        if let (q, line) = values["queue_structure"] {
            guard let structure = DRAMQueueStructure(rawValue: q) else {
                throw SpindleError(
                    .invalidValue, "queue_structure is '\(q)'", at: SourceLocation(file: file, line: line),
                    choices: DRAMQueueStructure.allCases.map(\.rawValue))
            }
            config.queueStructure = structure
        }
        if let (v, line) = values["hbm_dual_cmd"] {
            guard let on = iniBool(v) else {
                throw SpindleError(
                    .invalidValue, "hbm_dual_cmd is '\(v)'", at: SourceLocation(file: file, line: line), choices: ["true", "false"])
            }
            config.hbmDualCommandEnabled = on
        }
        for (key, modelled) in [
            ("row_buf_policy", "OPEN_PAGE"), ("unified_queue", "false"), ("refresh_policy", "RANK_LEVEL_STAGGERED"),
            ("enable_self_refresh", "false"), ("aggressive_precharging_enabled", "false"),
        ] {
            let boolean = ["unified_queue", "enable_self_refresh", "aggressive_precharging_enabled"].contains(key)
            if let (v, line) = values[key], v != modelled, !(boolean && iniBool(v) == false) {
                throw SpindleError(
                    .unsupported, "\(key) = \(v) is not modelled", at: SourceLocation(file: file, line: line),
                    expected: "\(key) = \(modelled) (DRAMsim3's default)")
            }
        }
        guard config.tRAS >= config.tRCD else {
            throw SpindleError(
                .invalidValue, "tRAS (\(config.tRAS)) is shorter than tRCD (\(config.tRCD)), an impossible timing", at: location("tRAS"))
        }
        guard config.deviceWidth <= config.busWidth else {
            throw SpindleError(
                .invalidValue, "device_width (\(config.deviceWidth)) is wider than bus_width (\(config.busWidth))",
                at: location("device_width"),
                expected: "devices that together fill the bus (DRAMsim3 refuses this too)")
        }
        guard config.refreshOverhead < 1 else {
            throw SpindleError(
                .invalidValue,
                "tREFI (\(config.tREFI)) is not longer than a refresh with its precharge and reopening (tRTP + tRP + tRFC + tRCD): the rank would always be refreshing",
                at: location("tREFI"), expected: "tREFI > tRFC + tRP + tRCD + tRTP (DDR4-3200: 12480 > 616)")
        }
        guard config.physicalColumns >= config.burstLength else {
            throw SpindleError(
                .invalidValue, "columns (\(config.columns)) is fewer than one burst (BL = \(config.burstLength))", at: location("columns"),
                expected: "at least BL columns per row")
        }
        // The devices of a rank and the ranks of the channel: DRAMsim3 sizes ranks from channel_size.
        guard config.rankMiB >= 1 else {
            throw SpindleError(
                .invalidValue, "a rank holds less than 1 MB (rows x columns x device_width x banks x devices per rank)",
                at: location("rows"), expected: "a rank of at least 1 MB, as DRAMsim3 sizes ranks in whole MB")
        }
        let systemBanks = config.channels * config.ranks * config.banks
        guard systemBanks <= 1 << 18 else {
            throw SpindleError(
                .invalidValue,
                "the memory system has \(systemBanks) banks (channels x ranks x banks), more than the \(1 << 18) the model holds",
                at: location("channels"), expected: "fewer channels, ranks or banks")
        }
        guard config.ranks <= 64 else {
            throw SpindleError(
                .invalidValue,
                "channel_size \(config.channelSizeMB) MB holds \(config.ranks) ranks of \(config.rankMiB) MB (rows x columns x device_width x banks x devices per rank)",
                at: location("channel_size"), expected: "at most 64 ranks per channel")
        }
        config.currentsLine = values["IDD0"]?.1
        config.defaultedKeys = defaulted
        let mapping = Array(config.addressMapping)
        let fields = stride(from: 0, to: mapping.count - 1, by: 2).map { String(mapping[$0...($0 + 1)]) }
        guard mapping.count == 12, Set(fields) == ["ro", "ch", "ra", "ba", "bg", "co"] else {
            throw SpindleError(
                .invalidValue, "address_mapping '\(config.addressMapping)' must name ro, ch, ra, ba, bg and co once each",
                at: location("address_mapping"), expected: "12 letters, such as rochrababgco")
        }
        return config
    }

    /// Reads and parses a file.
    public static func load(_ path: String) throws(SpindleError) -> DRAMConfig {
        try parse(try InputFile.text(path, what: "DRAMsim3 config"), file: path)
    }
}
