import SpindleCore

extension DRAMConfig {
    /// Built-in channel presets. Timings and currents are the JEDEC and datasheet values that DRAMsim3
    /// uses for DDR4_8Gb_x8_3200, LPDDR4_8Gb_x16_2400 and HBM2_8Gb_x128 (one of its eight channels).
    public static let presets: [String: DRAMConfig] = [
        "DDR4-3200": DRAMConfig(
            name: "DDR4-3200", protocolName: "DDR4", bankGroups: 4, banksPerGroup: 4, rows: 65_536, columns: 1_024,
            deviceWidth: 8, burstLength: 8, tCKns: 0.63, AL: 0, CL: 22, CWL: 16, tRCD: 22, tRP: 22, tRAS: 52, tRFC: 560,
            tREFI: 12_480, tRRDS: 4, tRRDL: 8, tWTRS: 4, tWTRL: 12, tFAW: 34, tWR: 24, tRTP: 12, tCCDS: 4, tCCDL: 8, tRTRS: 1,
            VDD: 1.2, IDD0: 57, IDD2N: 37, IDD3N: 52, IDD4W: 150, IDD4R: 168, IDD5AB: 250, channelSizeMB: 16_384,
            busWidth: 64, addressMapping: "rochrababgco", commandQueueSize: 8, transactionQueueSize: 32),
        "LPDDR4-2400": DRAMConfig(
            name: "LPDDR4-2400", protocolName: "LPDDR4", bankGroups: 2, banksPerGroup: 4, rows: 65_536, columns: 1_024,
            deviceWidth: 16, burstLength: 16, tCKns: 0.83, AL: 0, CL: 17, CWL: 14, tRCD: 15, tRP: 15, tRAS: 32, tRFC: 392,
            tREFI: 8_660, tRRDS: 8, tRRDL: 8, tWTRS: 8, tWTRL: 16, tFAW: 32, tWR: 30, tRTP: 12, tCCDS: 4, tCCDL: 6, tRTRS: 1,
            VDD: 1.2, IDD0: 80, IDD2N: 34, IDD3N: 47, IDD4W: 228, IDD4R: 243, IDD5AB: 280, channelSizeMB: 8_192,
            busWidth: 64, addressMapping: "rochrababgco", commandQueueSize: 8, transactionQueueSize: 32),
        "HBM2": DRAMConfig(
            name: "HBM2", protocolName: "HBM", bankGroups: 4, banksPerGroup: 4, rows: 32_768, columns: 64,
            deviceWidth: 128, burstLength: 4, tCKns: 1, AL: 0, CL: 14, CWL: 4, tRCD: 14, tRP: 14, tRAS: 34, tRFC: 260,
            tREFI: 3_900, tRRDS: 4, tRRDL: 6, tWTRS: 6, tWTRL: 8, tFAW: 30, tWR: 16, tRTP: 6, tCCDS: 1, tCCDL: 2, tRTRS: 1,
            VDD: 1.2, IDD0: 65, IDD2N: 40, IDD3N: 55, IDD4W: 500, IDD4R: 390, IDD5AB: 250, channelSizeMB: 1_024,
            busWidth: 128, addressMapping: "rorabgbachco", commandQueueSize: 8, transactionQueueSize: 32),
    ]

    /// Energy of one command, or of one rank x cycle of standby, in pJ (from the IDD currents: DRAMsim3's
    /// mA x V x cycle units times tCK in ns).
    public func energyPJ(_ command: DRAMCommandAction) -> Double {
        switch command {
        case .activate: activateEnergy * tCKns
        case .read: readEnergy * tCKns
        case .write: writeEnergy * tCKns
        case .refresh: refreshEnergy * tCKns
        case .activeStandby: activeStandbyEnergy * tCKns
        case .prechargeStandby: prechargeStandbyEnergy * tCKns
        }
    }

    var tCKps: Picoseconds { Picoseconds((tCKns * 1_000).rounded()) }
}
