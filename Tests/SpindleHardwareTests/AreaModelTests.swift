import Testing

@testable import SpindleCore
@testable import SpindleHardware

@Suite("Area model")
struct AreaModelTests {
    static func topology(_ tiles: [TilePlacement], areas: [String: AreaEntry], curve: [AreaEntry] = []) -> Topology {
        var tech = Technology(name: "t", actions: [])
        tech.areas = areas
        tech.sramAreaCurve = curve
        return Topology(
            name: "x", chips: 4,
            noc: NoCSpec(
                width: 2, height: 1, routerLatencyPs: 1_000, linkLatencyPs: 1_000, linkBandwidthGBps: 32, packetBytes: 256, flitBytes: 32,
                linkLengthMM: 1),
            tiles: tiles, dram: [DRAMChannelSpec(at: MeshPosition(x: 0, y: 0), bandwidthGBps: 10, latencyPs: 1_000)],
            package: PackageSpec(linkLatencyPs: 1_000, linkBandwidthGBps: 10, shape: .ring), controlLatencyPs: 1_000, technology: tech)
    }

    static func entry(_ name: String, _ um2: Double) -> AreaEntry {
        AreaEntry(name: name, areaUm2: um2, per: "unit", nodeNm: 45, source: name)
    }

    @Test("A PE array is MACs + register files + buffer; a router per mesh node by flit width; unpriced parts are listed, not guessed")
    func peArray() throws {
        var pe = TileType(name: "pe", kind: .peArray, macsPerCycle: 100, clockGHz: 1, bufferBytes: 64 * 1_024)
        pe.rfBytesPerMAC = 10
        let t = Self.topology(
            [TilePlacement(type: pe, at: MeshPosition(x: 1, y: 0))],
            areas: ["mac": Self.entry("mac", 1_000), "rf.byte": Self.entry("rf.byte", 10), "router.bit": Self.entry("router.bit", 2)],
            curve: [AreaEntry(name: "sram", areaUm2: 65_536, per: "buffer", nodeNm: 45, source: "s", capacityBytes: 65_536)])
        let a = try #require(AreaModel.chip(t))
        // 100 x 1000 + 1000 x 10 + 65536 x 1 + 2 routers x 256 bits x 2 um2.
        #expect(abs(a.coreMM2 - (100_000 + 10_000 + 65_536 + 1_024) / 1e6) < 1e-12)
        #expect(a.missing == ["dram.phy", "nop.link"])
        #expect(a.edgeMM2 == 0)
        #expect(a.nodeNm == 45)
    }

    @Test("A crossbar tile counts cells, ADCs at its resolution, row DACs and shift-adds (ISAAC's 1 per 2 ADCs)")
    func crossbar() throws {
        let x = CrossbarSpec(
            rows: 128, columns: 128, cellBits: 2, weightBits: 8, inputBits: 8, adcBits: 6, columnsPerADC: 8, adcRateGSps: 1.2,
            device: .sot)
        let type = TileType(name: "x", kind: .spinCrossbar, macsPerCycle: 1, clockGHz: 1, bufferBytes: 1_024, crossbar: x, crossbars: 2)
        let t = Self.topology(
            [TilePlacement(type: type, at: MeshPosition(x: 1, y: 0))],
            areas: [
                "xbar.cell": Self.entry("xbar.cell", 0.01), "adc.6b": Self.entry("adc.6b", 600), "dac": Self.entry("dac", 0.5),
                "shift_add": Self.entry("shift_add", 60),
            ])
        let a = try #require(AreaModel.chip(t))
        let cells: Double = 2 * 128 * 128 * 0.01, adcs: Double = 2 * 16 * 600
        let dacs: Double = 2 * 128 * 0.5, shiftAdds: Double = 16 * 60
        let expected = cells + adcs + dacs + shiftAdds
        #expect(abs(a.coreMM2 * 1e6 - expected) < 1e-6)
        #expect(a.missing.contains("sram") && a.missing.contains("mac") && a.missing.contains("router.bit"))
    }

    @Test("Package ports per chip follow the package's shape")
    func ports() {
        #expect(PackageSpec(linkLatencyPs: 1, linkBandwidthGBps: 1, shape: .ring).portsPerChip(chips: 4) == 2)
        #expect(PackageSpec(linkLatencyPs: 1, linkBandwidthGBps: 1, shape: .fullyConnected).portsPerChip(chips: 4) == 3)
        #expect(PackageSpec(linkLatencyPs: 1, linkBandwidthGBps: 1, shape: .mesh, width: 4).portsPerChip(chips: 16) == 4)
        #expect(PackageSpec(linkLatencyPs: 1, linkBandwidthGBps: 1, shape: .ring).portsPerChip(chips: 1) == 0)
    }

    @Test("Without areas in the technology there is no area model")
    func none() {
        #expect(AreaModel.chip(Self.topology([], areas: [:])) == nil)
    }
}
