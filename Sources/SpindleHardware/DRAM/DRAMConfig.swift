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
    /// Channels in the config; the model simulates one of them (they are independent).
    public var channels: Int = 1

    public var banks: Int { bankGroups * banksPerGroup }
    public var devicesPerRank: Int { busWidth / deviceWidth }
    /// Bytes of one rank: rows x columns x device width x banks, over the devices that fill the bus.
    public var rankBytes: Double { Double(rows) * Double(columns) * Double(deviceWidth) * Double(banks) * Double(devicesPerRank) / 8 }
    /// Ranks that fill the channel's capacity (`channel_size` over `rankBytes`; the parser keeps it in 1...64).
    public var ranks: Int { max(1, Int(Double(channelSizeMB) * 1_048_576 / rankBytes)) }
    /// Cycles the data bus is busy per burst.
    public var burstCycles: Int { burstLength / 2 }
    public var readLatency: Int { AL + CL }
    public var writeLatency: Int { AL + CWL }
    /// Bytes per request (one burst on the full bus).
    public var requestBytes: Int { burstLength * busWidth / 8 }
    public var tRC: Int { tRAS + tRP }

    /// Unloaded read latency of a closed row, (tRP + tRCD + CL) cycles.
    public var unloadedReadLatencyCycles: Int { tRP + tRCD + CL }
    public var unloadedReadLatencyNs: Double { Double(unloadedReadLatencyCycles) * tCKns }
    /// Peak bandwidth, bus width x data rate (2 / tCK) / 8, in GB/s.
    public var peakBandwidthGBps: Double { Double(busWidth) / 8 * 2 / tCKns }
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
public enum DRAMIni {
    /// Keys DRAMsim3 configs use that this model reads or knowingly ignores.
    static let known: [String: [String]] = [
        "dram_structure": [
            "protocol", "bankgroups", "banks_per_group", "rows", "columns", "device_width", "BL", "num_dies", "bankgroup_enable",
        ],
        "timing": [
            "tCK", "AL", "CL", "CWL", "tRCD", "tRCDRD", "tRCDWR", "tRP", "tRAS", "tRFC", "tRFC2", "tRFC4", "tRFCb", "tREFI",
            "tREFIb", "tRPRE", "tWPRE", "tRRD_S", "tRRD_L", "tRRD", "tWTR_S", "tWTR_L", "tWTR", "tFAW", "tWR", "tWR2", "tRTP",
            "tRTP_L", "tRTP_S", "tCCD_S", "tCCD_L", "tCCD", "tCKE", "tCKESR", "tCKSRE", "tXS", "tXP", "tRTRS", "tPPD", "t32AW",
            "tRREFD", "tRC", "REFRESH_PERIOD",
        ],
        "power": [
            "VDD", "IDD0", "IPP0", "IDD1", "IDD2P", "IDD2N", "IDD2Q", "IDD3P", "IDD3Pf", "IDD3Ps", "IDD3N", "IDD4W", "IDD4R", "IDD5",
            "IDD5AB", "IDD5PB", "IDD6", "IDD6L", "IDD6x", "IDD7", "VPP",
        ],
        "system": [
            "channel_size", "channels", "bus_width", "address_mapping", "queue_structure", "refresh_policy", "row_buf_policy",
            "cmd_queue_size", "trans_queue_size", "unified_queue", "write_buf_size", "reads_cmd_queue_size",
        ],
        "other": ["epoch_period", "output_level"],
    ]

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
            values[parts[0]] = (parts[1], i + 1)
        }
        func location(_ key: String) -> SourceLocation { SourceLocation(file: file, line: values[key]?.1) }
        // Every whole-number field is bounded: beyond these, products such as the rank size overflow, and
        // no JEDEC part comes near them.
        let maxCycles = 1 << 22
        func int(_ key: String, _ fallback: Int? = nil, min: Int = 0, max: Int = maxCycles) throws(SpindleError) -> Int {
            guard let (text, _) = values[key] else {
                if let fallback { return fallback }
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
                if let fallback { return fallback }
                throw SpindleError(.missingKey, "'\(key)' is missing", at: SourceLocation(file: file))
            }
            guard let v = Double(text), v >= 0, v <= max, v.isFinite else {
                throw SpindleError(.invalidValue, "'\(key)' is '\(text)'", at: location(key), expected: "a number from 0 to \(max)")
            }
            return v
        }
        func powerOfTwo(_ key: String, min: Int, max: Int) throws(SpindleError) -> Int {
            let v = try int(key, min: min, max: max)
            guard v & (v - 1) == 0 else {
                throw SpindleError(
                    .invalidValue, "'\(key)' is \(v), which is not a power of two", at: location(key),
                    expected: "a power of two from \(min) to \(max) (DRAMsim3 decodes addresses by bit fields)")
            }
            return v
        }
        let tCK = try double("tCK", max: 1_000)
        guard tCK >= 0.01 else {
            throw SpindleError(
                .invalidValue, "'tCK' is \(tCK) ns, an impossible clock period", at: location("tCK"),
                expected: "a period from 0.01 ns to 1000 ns (DDR4-3200 has 0.625)")
        }
        let tRCD = values["tRCD"] != nil ? try int("tRCD", min: 1) : try int("tRCDRD", min: 1)
        var config = DRAMConfig(
            name: (file.split(separator: "/").last.map(String.init) ?? file).replacingOccurrences(of: ".ini", with: ""),
            protocolName: values["protocol"]?.0 ?? "DDR4", bankGroups: try powerOfTwo("bankgroups", min: 1, max: 64),
            banksPerGroup: try powerOfTwo("banks_per_group", min: 1, max: 64), rows: try powerOfTwo("rows", min: 1, max: 1 << 24),
            columns: try powerOfTwo("columns", min: 1, max: 1 << 16),
            deviceWidth: try powerOfTwo("device_width", min: 1, max: 1_024), burstLength: try powerOfTwo("BL", min: 2, max: 64), tCKns: tCK,
            AL: try int("AL", 0), CL: try int("CL", min: 1), CWL: try int("CWL", min: 1), tRCD: tRCD, tRP: try int("tRP", min: 1),
            tRAS: try int("tRAS", min: 1), tRFC: try int("tRFC", min: 1), tREFI: try int("tREFI", min: 1),
            tRRDS: values["tRRD_S"] != nil ? try int("tRRD_S", min: 1) : try int("tRRD", min: 1),
            tRRDL: values["tRRD_L"] != nil ? try int("tRRD_L", min: 1) : try int("tRRD", min: 1),
            tWTRS: values["tWTR_S"] != nil ? try int("tWTR_S", min: 1) : try int("tWTR", min: 1),
            tWTRL: values["tWTR_L"] != nil ? try int("tWTR_L", min: 1) : try int("tWTR", min: 1),
            tFAW: try int("tFAW", 0), tWR: try int("tWR", min: 1),
            tRTP: values["tRTP"] != nil ? try int("tRTP", min: 1) : try int("tRTP_L", min: 1),
            tCCDS: values["tCCD_S"] != nil ? try int("tCCD_S", min: 1) : try int("tCCD", min: 1),
            tCCDL: values["tCCD_L"] != nil ? try int("tCCD_L", min: 1) : try int("tCCD", min: 1), tRTRS: try int("tRTRS", 1),
            VDD: try double("VDD"), IDD0: try double("IDD0"), IDD2N: try double("IDD2N"), IDD3N: try double("IDD3N"),
            IDD4W: try double("IDD4W"), IDD4R: try double("IDD4R"),
            IDD5AB: values["IDD5AB"] != nil ? try double("IDD5AB") : try double("IDD5"),
            channelSizeMB: try int("channel_size", min: 1, max: 1 << 24), busWidth: try powerOfTwo("bus_width", min: 8, max: 4_096),
            addressMapping: values["address_mapping"]?.0 ?? "rochrababgco",
            commandQueueSize: try int("cmd_queue_size", 8, min: 1, max: 4_096),
            transactionQueueSize: try int("trans_queue_size", 32, min: 1, max: 4_096))
        config.channels = try int("channels", 1, min: 1, max: 1_024)
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
        guard config.columns >= config.burstLength else {
            throw SpindleError(
                .invalidValue, "columns (\(config.columns)) is fewer than one burst (BL = \(config.burstLength))", at: location("columns"),
                expected: "at least BL columns per row")
        }
        // The devices of a rank and the ranks of the channel: DRAMsim3 sizes ranks from channel_size.
        let ranks = Double(config.channelSizeMB) * 1_048_576 / config.rankBytes
        guard ranks >= 1, ranks <= 64 else {
            throw SpindleError(
                .invalidValue,
                "channel_size \(config.channelSizeMB) MB holds \(Units.format(ranks, 3)) ranks of \(Units.format(config.rankBytes / 1_048_576, 3)) MB (rows x columns x device_width x banks x devices per rank)",
                at: location("channel_size"), expected: "from 1 to 64 ranks per channel")
        }
        // Currents above the standby current: each command's energy (DRAMsim3's formulas) must not be negative.
        for (name, energy, currents) in [
            ("activate", config.activateEnergy, "IDD0 x tRC >= IDD3N x tRAS + IDD2N x (tRC - tRAS)"),
            ("read", config.readEnergy, "IDD4R >= IDD3N"),
            ("write", config.writeEnergy, "IDD4W >= IDD3N"), ("refresh", config.refreshEnergy, "IDD5AB >= IDD3N"),
        ] where energy < 0 {
            throw SpindleError(
                .invalidValue, "the currents give a negative \(name) energy (\(Units.format(energy, 1)))", at: location("IDD0"),
                expected: currents)
        }
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
