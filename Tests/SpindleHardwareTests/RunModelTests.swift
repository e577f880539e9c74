import SpindleCore
import SpindleEngine
import Testing

@testable import SpindleHardware

/// The run model's actors one at a time: probes stand in for their neighbours (see `ComponentHarness`).
@Suite("Run-model components in isolation")
struct RunModelTests {
    /// 3 ns routers, 1 ns links at 32 GB/s, 256 B packets of 32 B flits.
    let noc = NoCSpec(
        width: 3, height: 1, routerLatencyPs: 3_000, linkLatencyPs: 1_000, linkBandwidthGBps: 32, packetBytes: 256, flitBytes: 32,
        linkLengthMM: 1)
    let catalogue = CounterCatalogue(actions: [
        .nocRouterBits, .nocLinkBits, .dramReadBits, .dramWriteBits, .macInt8, .bufferRead(bankKiB: nil), .bufferWrite(bankKiB: nil),
        .fp32Mul, .fp32Add, .rfAccess, .sdRebuildOp,
    ])

    @Test("A router sends packets on by XY routing: pipeline, then serialisation on a busy port, then the link")
    func router() async throws {
        let h = try ComponentHarness()
        // Probes: 0 the local endpoint at [1,0]; 1 the router at [2,0]; 2 the router at [0,0]; 3 an endpoint at [2,0].
        let p = h.probes(4)
        let slot = h.makeSlot()
        let map = NoCMap(positions: [(1, 0), (2, 0), (0, 0), (2, 0), (1, 0)])
        h.add(Router(slot: slot, x: 1, y: 0, map: map, spec: noc, neighbours: [p[1], p[2], nil, nil], catalogue: catalogue))
        let tag = PacketTag(.inputs, label: 0)
        h.send(.packet(to: p[3], bytes: 256, tag: tag), from: p[2], to: slot.id, at: 0)
        h.send(.packet(to: p[3], bytes: 256, tag: tag.last(true)), from: p[2], to: slot.id, at: 0)
        h.send(.packet(to: p[0], bytes: 128, tag: tag), from: p[2], to: slot.id, at: 0)
        let run = try await h.run()
        // Towards +x: out of the pipeline at 3 ns, 8 ns on the port, 1 ns on the link; the second waits for the port.
        // To the local endpoint: out of the pipeline at 3 ns, 4 ns on the local port, no link.
        let got = run.received.map { [Int($0.probe.raw), Int($0.time / 1_000), Int($0.message.bytes)] }
        #expect(got == [[0, 7, 128], [1, 12, 256], [1, 20, 256]])
        #expect(run.received.allSatisfy { $0.message.messageKind == .packet })
        #expect(run.received[2].message.packetTag.isLast && !run.received[1].message.packetTag.isLast)
        let c = CounterTotals([run.counters[slot.id]!], catalogue: catalogue)
        #expect(c[.nocRouterBits] == (2 * 256 + 128) * 8 && c[.nocLinkBits] == 2 * 256 * 8)
        #expect(c[.nocFlits] == 2 * 8 + 4 && c[.nocPackets] == 3)
    }

    @Test("A simple DRAM channel streams a read as packets at its bandwidth, and reports a write-back once absorbed")
    func dramChannel() async throws {
        let h = try ComponentHarness()
        let p = h.probes(3)  // 0 router, 1 controller, 2 the reading tile
        let slot = h.makeSlot()
        let spec = DRAMChannelSpec(at: MeshPosition(x: 0, y: 0), bandwidthGBps: 1, latencyPs: 40_000)
        h.add(
            DRAMChannel(
                slot: slot, spec: spec, router: p[0], controller: p[1], packetBytes: 256, controlLatencyPs: 1_000, catalogue: catalogue))
        h.send(Message(.readRequest, tag: PacketTag(.weights, label: 0).raw, a: UInt64(p[2].raw), b: 768), from: p[1], to: slot.id, at: 0)
        h.send(
            .packet(to: slot.id, bytes: 256, tag: PacketTag(.outputs, label: 0, last: true), tile: 7), from: p[0], to: slot.id,
            at: 1_000_000)
        let run = try await h.run()
        // Reads: 256 B every 256 ns, each out 40 ns later. The write-back arrives at 1,000 ns, when the channel is
        // free again (busy until 768 ns); it takes 256 ns, and the controller hears 1 ns later.
        let got = run.received.map {
            [Int($0.probe.raw), Int($0.time / 1_000), Int($0.message.bytes), $0.message.packetTag.isLast ? 1 : 0]
        }
        #expect(got == [[0, 296, 256, 0], [0, 552, 256, 0], [0, 808, 256, 1], [1, 1_257, 0, 0]])
        #expect(run.received.last?.message.messageKind == .flowDone && run.received.last?.message.a == 7)
        #expect(run.received.prefix(3).allSatisfy { $0.message.destination == p[2] })
        let c = CounterTotals([run.counters[slot.id]!], catalogue: catalogue)
        #expect(c[.dramBytesRead] == 768 && c[.dramBytesWritten] == 256)
        #expect(c[.dramReadBits] == 768 * 8 && c[.dramWriteBits] == 256 * 8)
    }

    @Test("A tile starts when its weights and inputs are in, computes at its rate, then writes its outputs back")
    func computeTile() async throws {
        let h = try ComponentHarness()
        let p = h.probes(3)  // 0 router, 1 controller, 2 DRAM channel
        let slot = h.makeSlot()
        let pe = TileType(name: "pe", kind: .peArray, macsPerCycle: 16, clockGHz: 1, bufferBytes: 1 << 20)
        let job = ResolvedJob(
            tile: slot.id, dram: p[2], index: 0, label: 3, tileLabel: 0, weightBytes: 512, inputBytes: 256, outputBytes: 300, macs: 1_600,
            rebuildOps: 0, bufferRereadBytes: 0, programWeights: 0, programRound: false, crossbarsUsed: 0, crossbarWeightBits: 0,
            digital: false, fpMuls: 0,
            fpAdds: 0, gemm: nil)
        h.add(
            ComputeTile(
                slot: slot, type: pe, router: p[0], noc: noc, buffer: (.bufferRead(bankKiB: nil), .bufferWrite(bankKiB: nil)), jobs: [job],
                labels: [3], catalogue: catalogue))
        h.send(Message(.job, a: 0), from: p[1], to: slot.id, at: 0)
        for (t, bytes) in [(10, 256), (20, 256), (30, 256)] {
            h.send(
                .packet(to: slot.id, bytes: UInt64(bytes), tag: PacketTag(.weights, label: 3)), from: p[0], to: slot.id,
                at: UInt64(t) * 1_000)
        }
        let run = try await h.run()
        // All 768 B are in at 30 ns; 100 cycles of compute; then 256 B (8 ns) and 44 B (1.375 ns) towards the channel.
        let got = run.received.map { [Int($0.time), Int($0.message.bytes)] }
        #expect(got == [[138_000, 256], [139_375, 44]])
        #expect(run.received.allSatisfy { $0.message.destination == p[2] && $0.message.c == UInt64(slot.id.raw) })
        #expect(run.received.map { $0.message.packetTag.isLast } == [false, true])
        #expect(run.received.allSatisfy { $0.message.packetTag.label == 3 && $0.message.packetTag.purpose == .outputs })
        let counters = run.counters[slot.id]!
        let c = CounterTotals([counters], catalogue: catalogue)
        #expect(c[.macInt8] == 1_600 && c[.tileBusyPs] == 100_000 && c[.tileJobs] == 1)
        #expect(c[.bufferWrite(bankKiB: nil)] == 768 && c[.bufferRead(bankKiB: nil)] == 768 + 300)
        // The same counts, broken down by the job's step label.
        #expect(counters[catalogue.key(.action(.macInt8), label: 3)] == 1_600)
    }
}
