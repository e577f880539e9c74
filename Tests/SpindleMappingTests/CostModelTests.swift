import SpindleCore
import SpindleHardware
import Testing

@testable import SpindleMapping

@Suite("Cost model on hand-written schedules")
struct CostModelTests {
    /// 512 B of weights and 256 B of inputs in, 256 B out, 1,600 MACs on the tile one hop from the channel.
    let job = TileJob(tile: 0, dramChannel: 0, weightBytes: 512, inputBytes: 256, outputBytes: 256, macs: 1_600)

    @Test("One job: control both ways + DRAM latency + 1,024 B at 1 GB/s + 100 cycles; energy by the price table")
    func oneJob() {
        let model = CostModel(topology: smallTopology(), options: MappingOptions())
        let (ps, pj) = model.step(LayerStep(name: "l", jobs: [job]))
        #expect(ps == (2 + 40 + 1_024 + 100) * 1_000)
        // MACs 1,600 x 1; DRAM 768 B read x 8 x 2 and 256 B written x 8 x 3; 1,024 B through two routers
        // (0.5 pJ/bit) and one 1 mm link (0.25 pJ/bit); buffer 2 x 768 + 256 B at 0.125 pJ/B.
        let dram: Double = 768 * 8 * 2 + 256 * 8 * 3
        let noc: Double = 1_024 * 8 * (2 * 0.5 + 0.25)
        let buffer: Double = (2 * 768 + 256) * 0.125
        let expected = 1_600 + dram + noc + buffer
        #expect(abs(pj - expected) < 1e-9)
        let cost = model.evaluate(Schedule(chips: [[LayerStep(name: "l", jobs: [job])]]))
        #expect(cost.latencyPs == ps && abs(cost.energyPJ - expected) < 1e-9)
    }

    @Test("A package transfer: read out of DRAM, serialised, one hop, written into DRAM; the receiver waits for it")
    func transfer() {
        let model = CostModel(topology: smallTopology(chips: 2), options: MappingOptions())
        var a = LayerStep(name: "a", jobs: [job])
        a.sends = [PackageTransfer(peer: 1, bytes: 1_000, tag: 1)]
        var b = LayerStep(name: "b", jobs: [job])
        b.receives = [PackageTransfer(peer: 0, bytes: 1_000, tag: 1)]
        let cost = model.evaluate(Schedule(chips: [[a], [b]]))
        let step: Picoseconds = 1_166_000
        // Staging reads 1,000 B (2 ns control + 40 ns latency + 1,000 ns), 40 ns on a 25 GB/s link, 20 ns hop,
        // then staging writes them (2 ns + 1,000 ns).
        let arrival = step + 1_042_000 + 40_000 + 20_000 + 1_002_000
        #expect(cost.latencyPs == arrival + step)
        let (_, jobPJ) = model.step(a)
        // Package bits x 0.01, and the staged bytes read (16 pJ/B) and written (24 pJ/B).
        let package: Double = 8_000 * 0.01 + 1_000 * (16 + 24)
        #expect(abs(cost.energyPJ - (2 * jobPJ + package)) < 1e-9)
    }

    @Test("A ring all-reduce of two: two rounds of one chunk each, priced per member")
    func allReduce() {
        let model = CostModel(topology: smallTopology(chips: 2), options: MappingOptions())
        let ar = AllReduce(group: [0, 1], bytes: 2_000, tagBase: 1, elementBits: 32)
        var s = LayerStep(name: "x", jobs: [])
        s.allReduce = ar
        let cost = model.evaluate(Schedule(chips: [[s], [s]]))
        // Chunk 1,000 B: per round 40 ns on the link + 20 ns hop; one staged read of a chunk, one reducing round
        // (read and write: 2 + 40 + 2,000 ns), one gathering round (write: 2 + 1,000 ns).
        #expect(cost.latencyPs == 2 * 60_000 + 1_042_000 + 2_042_000 + 1_002_000)
        // Per member: 2 rounds x 8,000 bits x 0.01; 250 additions x 4 pJ; DRAM 2 chunks read, 2 written.
        let perMember: Double = 2 * 8_000 * 0.01 + 250 * 4 + 1_000 * (2 * 16 + 2 * 24)
        #expect(abs(cost.energyPJ - 2 * perMember) < 1e-9)
    }
}
