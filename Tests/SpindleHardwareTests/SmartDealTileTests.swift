import Testing

@testable import SpindleCore
@testable import SpindleHardware

@Suite("SmartDeal tiles")
struct SmartDealTileTests {
    static func tile(organised: Bool, mac: SmartDealOrganisation.MACStyle = .parallel, booth: Double = 1) -> TileType {
        var t = TileType(name: "sd", kind: .smartdeal, macsPerCycle: 64, clockGHz: 1, bufferBytes: 1 << 20)
        t.rebuildPerCycle = 12
        if organised { (t.smartdeal.slices, t.smartdeal.lines, t.smartdeal.macsPerLine) = (4, 4, 4) }
        t.smartdeal.mac = mac
        t.smartdeal.boothNonZeroFraction = booth
        return t
    }

    @Test("A flat tile rebuilds, then computes; an organised tile overlaps the two (ping-pong engines)")
    func timing() {
        // 1,200 rebuild ops at 12 per cycle = 100 cycles; 6,400 MACs at 64 per cycle = 100 cycles.
        #expect(Self.tile(organised: false).work(macs: 6_400, rebuildOps: 1_200).durationPs == 200_000)
        #expect(Self.tile(organised: true).work(macs: 6_400, rebuildOps: 1_200).durationPs == 100_000)
        #expect(Self.tile(organised: true).work(macs: 6_400, rebuildOps: 2_400).durationPs == 200_000)
    }

    @Test("Bit-serial MACs take the non-zero Booth digits of an 8-bit activation: 4 digits x the non-zero share, at least 1")
    func bitSerial() {
        #expect(Self.tile(organised: true, mac: .bitSerial).work(macs: 6_400).durationPs == 400_000)
        #expect(Self.tile(organised: true, mac: .bitSerial, booth: 0.34).work(macs: 6_400).durationPs == 136_000)
        #expect(Self.tile(organised: true, mac: .bitSerial, booth: 0.1).work(macs: 6_400).durationPs == 100_000)
    }

    @Test("Rebuild engines: two per line when organised; buffers by data type or one shared")
    func organisation() {
        var o = SmartDealOrganisation()
        #expect(o.rebuildEngines(rebuildPerCycle: 12) == 4)
        (o.slices, o.lines, o.macsPerLine) = (16, 8, 8)
        #expect(o.rebuildEngines(rebuildPerCycle: 12) == 256)
        #expect(o.buffers(total: 1_024).map(\.name) == ["shared"])
        o.inputBuffer = 2_048
        o.outputBuffer = 1_024
        #expect(o.buffers(total: 3_072).map(\.name) == ["input", "output"])
    }
}
