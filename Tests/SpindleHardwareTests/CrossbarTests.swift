import SpindleCore
import Testing

@testable import SpindleHardware

@Suite("Spin crossbar")
struct CrossbarTests {
    /// 128 x 128 SOT-MRAM, 8-bit inputs and weights, 2-bit cells, 6-bit ADCs shared by 8 columns, 1.2 GS/s.
    let spec = CrossbarSpec(
        rows: 128, columns: 128, cellBits: 2, weightBits: 8, inputBits: 8, adcBits: 6, columnsPerADC: 8, adcRateGSps: 1.2,
        device: .sot)

    @Test("Geometry: 4 columns per weight, 32 weights per row, 16 ADCs, 4,096 MACs per MVM")
    func geometry() {
        #expect(spec.slices == 4)
        #expect(spec.logicalColumns == 32)
        #expect(spec.adcs == 16)
        #expect(spec.macsPerMVM == 4_096)
    }

    @Test("One MVM, by hand: 8 input-bit cycles of 128 rows and 128 columns")
    func mvmCounts() {
        let m = spec.mvm
        #expect(m.adcConversions == 8 * 128)  // every column converted once per input bit
        #expect(m.dacDrives == 8 * 128)  // every row driven once per input bit
        #expect(m.cellReads == 8 * 128 * 128)
        #expect(m.shiftAdds == 8 * 128)
        // An ADC converts its 8 columns at 1.2 GS/s: 6.667 ns per input bit, 53.333 ns for 8 bits.
        #expect(m.latencyPs == 53_333)
    }

    @Test("One MVM's energy with the 45 nm table's periphery prices: 2,988.03 pJ, 0.7295 pJ per MAC")
    func mvmEnergy() {
        let m = spec.mvm
        // ADC 6 b 1.20 pJ, 1-bit DAC 0.417 pJ, cell read 0.01 pJ, 16-bit shift-add 0.021 pJ.
        let energy =
            Double(m.adcConversions) * 1.20 + Double(m.dacDrives) * 0.417 + Double(m.cellReads) * 0.01
            + Double(m.shiftAdds) * 0.021
        #expect(abs(energy - (1_228.8 + 427.008 + 1_310.72 + 21.504)) < 1e-9)
        #expect(abs(energy / 4_096 - 0.7295) < 1e-4)
    }

    @Test("Loading the crossbar writes 32,768 cell bits in 128 row writes of 1 ns (SOT)")
    func write() {
        #expect(spec.fullWrite.bits == 32_768)
        #expect(spec.fullWrite.latencyPs == 128_000)
        var stt = spec
        stt.device = .stt
        #expect(stt.fullWrite.latencyPs == 640_000)
        #expect(stt.writeAction == .mramWriteBits(device: "stt"))
        #expect(stt.writeAction.name == "mram.write.bits.stt")
    }

    @Test("A tile of 8 crossbars: weights written in parallel, then MVMs in waves of 8")
    func tileWork() {
        let tile = TileType(
            name: "x", kind: .spinCrossbar, macsPerCycle: 1, clockGHz: 1.2, bufferBytes: 1 << 20, crossbar: spec, crossbars: 8)
        // 24 MVMs' worth of MACs and 4,096 weights (128 rows of 32 weights: 16 rows per crossbar).
        let work = tile.work(macs: 24 * 4_096, programWeights: 4_096)
        #expect(work.durationPs == 16 * 1_000 + 3 * 53_333)
        let counts = work.counts(on: tile)
        #expect(counts[.adcConvert(bits: 6)] == 24 * 1_024)
        #expect(counts[.mramWriteBits(device: "sot")] == 4_096 * 8)
        #expect(counts[.xbarCellRead] == 24 * 131_072)
        #expect(counts[.macInt8] == nil)
    }

    @Test("A SmartDeal tile rebuilds its weight rows, then computes: ceil(ops / rate) + ceil(MACs / lines) cycles")
    func smartDealTile() {
        var sd = TileType(name: "s", kind: .smartdeal, macsPerCycle: 256, clockGHz: 1, bufferBytes: 1 << 20)
        sd.rebuildPerCycle = 64
        let work = sd.work(macs: 1_000, rebuildOps: 640)
        #expect(work.durationPs == (10 + 4) * 1_000)
        #expect(work.counts(on: sd) == [.macInt8: 1_000, .sdRebuildOp: 640])
    }

    @Test("A PE-array tile takes ceil(MACs / MACs per cycle) cycles")
    func peArray() {
        let pe = TileType(name: "p", kind: .peArray, macsPerCycle: 256, clockGHz: 1, bufferBytes: 1 << 20)
        let work = pe.work(macs: 1_000, rebuildOps: 5)
        #expect(work.durationPs == 4_000)
        // A plain PE array has no rebuild engine: the operations are not counted.
        #expect(work.counts(on: pe) == [.macInt8: 1_000])
    }
}
