import SpindleCore

/// An MRAM device preset: write cost, read latency and endurance.
public struct MRAMDevice: Sendable, Equatable {
    public var name: String
    /// Time to write one row of cells.
    public var writeLatencyPs: Picoseconds
    public var readLatencyPs: Picoseconds
    /// Writes a cell survives.
    public var endurance: Double

    /// SOT-MRAM: sub-ns writes (1 ns upper bound), endurance > 1e15 (imec, reported by hardwarebee.com);
    /// read latency 10 ns assumed (no SOT figure found).
    public static let sot = MRAMDevice(name: "sot", writeLatencyPs: 1_000, readLatencyPs: 10_000, endurance: 1e15)
    /// STT-MRAM: 5 ns write pulse (NVSim sample_STTRAM.cell), 10 ns read (PMC3482632 Table 1),
    /// endurance > 1e16 (Nanoscale Res. Lett. 9:526, Table 2).
    public static let stt = MRAMDevice(name: "stt", writeLatencyPs: 5_000, readLatencyPs: 10_000, endurance: 1e16)

    public static let presets: [String: MRAMDevice] = ["sot": .sot, "stt": .stt]
}

/// One spin crossbar and its periphery (ISAAC-style): weights bit-sliced over columns, inputs applied
/// bit-serially through 1-bit DACs, columns read by shared ADCs, partial sums combined by shift-adds.
public struct CrossbarSpec: Sendable, Equatable {
    public var rows: Int
    public var columns: Int
    public var cellBits: Int
    public var weightBits: Int
    public var inputBits: Int
    public var adcBits: Int
    public var columnsPerADC: Int
    /// ADC conversion rate in GS/s.
    public var adcRateGSps: Double
    public var device: MRAMDevice

    public init(
        rows: Int, columns: Int, cellBits: Int, weightBits: Int, inputBits: Int, adcBits: Int, columnsPerADC: Int,
        adcRateGSps: Double, device: MRAMDevice
    ) {
        self.rows = rows
        self.columns = columns
        self.cellBits = cellBits
        self.weightBits = weightBits
        self.inputBits = inputBits
        self.adcBits = adcBits
        self.columnsPerADC = columnsPerADC
        self.adcRateGSps = adcRateGSps
        self.device = device
    }

    /// Columns one weight occupies: ceil(weight bits / cell bits).
    public var slices: Int { (weightBits + cellBits - 1) / cellBits }
    /// Weights per row (logical output columns).
    public var logicalColumns: Int { columns / slices }
    public var adcs: Int { (columns + columnsPerADC - 1) / columnsPerADC }
    /// MACs of one full matrix-vector product.
    public var macsPerMVM: Int { rows * logicalColumns }

    /// The ADC action for this resolution (`adc.convert.6b`).
    public var adcAction: Action { .adcConvert(bits: adcBits) }
    /// The MRAM write action for this device (`mram.write.bits.sot`).
    public var writeAction: Action { .mramWriteBits(device: device.name) }

    /// Action counts and latency of one matrix-vector product with every row and column active.
    public struct MVM: Sendable, Equatable {
        public var adcConversions: UInt64
        public var dacDrives: UInt64
        public var cellReads: UInt64
        public var shiftAdds: UInt64
        public var latencyPs: Picoseconds
    }

    /// One MVM: `inputBits` cycles; each cycle every row is driven once, every cell is read, every column
    /// converted once and shift-added once. A cycle lasts as long as one ADC needs for its columns.
    public var mvm: MVM {
        let cycles = UInt64(inputBits)
        let cycleFs = Double(columnsPerADC) / adcRateGSps * 1_000  // ps
        return MVM(
            adcConversions: cycles * UInt64(columns), dacDrives: cycles * UInt64(rows),
            cellReads: cycles * UInt64(rows * columns), shiftAdds: cycles * UInt64(columns),
            latencyPs: Picoseconds((Double(cycles) * cycleFs).rounded()))
    }

    /// Writing every cell once (loading a full weight matrix): bits written and time (rows written one
    /// after another, each taking the device's write latency).
    public var fullWrite: (bits: UInt64, latencyPs: Picoseconds) {
        (UInt64(rows * columns * cellBits), Picoseconds(rows) * device.writeLatencyPs)
    }
}
