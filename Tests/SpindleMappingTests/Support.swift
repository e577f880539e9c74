import SpindleCore
import SpindleHardware

/// Round prices, so that every expected energy can be added up by hand.
let unitTechnology = Technology(
    name: "unit",
    actions: [
        ("mac.int8", 1.0), ("dram.read.bits", 2.0), ("dram.write.bits", 3.0), ("noc.router.bits", 0.5), ("noc.wire.bit_mm", 0.25),
        ("nop.link.bits", 0.01), ("sram.read.bytes", 0.125), ("sram.write.bytes", 0.125), ("fp32.add", 4.0), ("fp32.mul", 4.0),
    ].map { TechnologyAction(name: $0.0, energyPJ: $0.1, per: "count", nodeNm: nil, source: "test") })

/// `chips` chips of a 2x1 mesh each: one DRAM channel at [0,0] (1 GB/s, 40 ns) and one 16-MAC tile at [1,0];
/// a fully connected package of 20 ns, 25 GB/s links; 1 ns control wires.
func smallTopology(chips: Int = 1) -> Topology {
    let pe = TileType(name: "pe", kind: .peArray, macsPerCycle: 16, clockGHz: 1, bufferBytes: 1 << 20)
    return Topology(
        name: "small", chips: chips,
        noc: NoCSpec(
            width: 2, height: 1, routerLatencyPs: 3_000, linkLatencyPs: 1_000, linkBandwidthGBps: 32, packetBytes: 256, flitBytes: 32,
            linkLengthMM: 1),
        tiles: [TilePlacement(type: pe, at: MeshPosition(x: 1, y: 0))],
        dram: [DRAMChannelSpec(at: MeshPosition(x: 0, y: 0), bandwidthGBps: 1, latencyPs: 40_000)],
        package: PackageSpec(linkLatencyPs: 20_000, linkBandwidthGBps: 25), controlLatencyPs: 1_000, technology: unitTechnology)
}
