import Foundation
import SpindleCore
import SpindleWorkload
import Testing

@testable import SpindleHardware
@testable import SpindleStudies

func dramFixture(_ name: String) throws -> String {
    try #require(Bundle.module.url(forResource: "Fixtures/dramsim3/" + name, withExtension: nil)).path
}

/// A statistic from a DRAMsim3 `dramsim3.txt` file.
func dramsim3Statistic(_ file: String, _ key: String) throws -> Double {
    let text = try String(contentsOfFile: try dramFixture(file), encoding: .utf8)
    for line in text.split(separator: "\n") where line.hasPrefix(key + " ") {
        let value = line.split(separator: "=")[1].split(separator: "#")[0].trimmingCharacters(in: .whitespaces)
        return try #require(Double(value))
    }
    Issue.record("no \(key) in \(file)")
    return .nan
}

@Suite("DRAM channel model")
struct DRAMTests {
    @Test(
        "Closed-form latency and bandwidth equal the Ramulator-style formulas",
        arguments: [
            ("DDR4_8Gb_x8_3200.ini", 66, 41.58, 25.396825, 0.049359, 24.143265),
            ("DDR4_4Gb_x8_2400.ini", 51, 42.33, 19.277108, 0.037927, 18.545977),
            ("LPDDR4_8Gb_x16_2400.ini", 47, 39.01, 19.277108, 0.050115, 18.311021),
            ("HBM2_8Gb_x128.ini", 42, 42.0, 32.0, 0.075385, 29.587692),
        ])
    func closedForm(file: String, cycles: Int, ns: Double, peak: Double, overhead: Double, limited: Double) throws {
        let c = try DRAMIni.load(try dramFixture(file))
        #expect(c.unloadedReadLatencyCycles == cycles)
        #expect(abs(c.unloadedReadLatencyNs - ns) < 1e-9)
        #expect(abs(c.peakBandwidthGBps - peak) / peak < 1e-6)
        #expect(abs(c.refreshOverhead - overhead) < 1e-6)
        #expect(abs(c.refreshLimitedBandwidthGBps - limited) / limited < 1e-6)
    }

    @Test("Per-command energies equal DRAMsim3's (IDD-based) values")
    func commandEnergies() throws {
        let c = try DRAMIni.load(try dramFixture("DDR4_8Gb_x8_3200.ini"))
        #expect(c.ranks == 2)
        #expect(abs(c.readEnergy - 4_454.4) < 1e-6)
        #expect(abs(c.writeEnergy - 3_763.2) < 1e-6)
        #expect(abs(c.activateEnergy - 6_720) < 1e-6)
        #expect(abs(c.refreshEnergy - 1_064_448) < 1e-6)
        #expect(abs(c.activeStandbyEnergy - 499.2) < 1e-9)
    }

    @Test("One read to a row-conflicting bank takes PRE + ACT + RD: tRP + tRCD + CL, plus the burst")
    func singleRead() throws {
        let c = try DRAMIni.load(try dramFixture("DDR4_8Gb_x8_3200.ini"))
        var m = DRAMController(config: c)
        // Open row 0 of bank 0 with a first read, let everything settle, then read row 1 of the same bank.
        m.add(address: 0, isWrite: false)
        for _ in 0..<200 { m.tick() }
        let rowBit = UInt64(1) << UInt64(m.fields["ro"]!.0)
        let start = m.now
        m.add(address: rowBit, isWrite: false)
        while m.stats.readsDone < 2 { m.tick() }
        // The transaction reaches its bank queue in its arrival cycle; the PRE issues the next cycle.
        let measured = m.stats.readLatencySum - (c.tRCD + c.CL + c.burstCycles + 1)
        #expect(measured == 1 + c.unloadedReadLatencyCycles + c.burstCycles, "\(m.now - start)")
        #expect(m.stats.activates == 2 && m.stats.precharges == 1)
    }

    @Test("Random traffic matches DRAMsim3 DDR4-3200 within the stated tolerances")
    func random() throws {
        let c = try DRAMIni.load(try dramFixture("DDR4_8Gb_x8_3200.ini"))
        let r = DRAMStudy.run(c, traffic: .random, cycles: 100_000)
        let file = "DDR4_8Gb_x8_3200_random_100k.txt"
        let bandwidth = try dramsim3Statistic(file, "average_bandwidth")
        #expect(abs(r.bandwidthGBps - bandwidth) / bandwidth < 0.10)  // reference 18.8373 GB/s
        let acts = try dramsim3Statistic(file, "num_act_cmds")
        #expect(abs(Double(r.statistics.activates) - acts) / acts < 0.10)
        let energy = try dramsim3Statistic(file, "total_energy")
        #expect(abs(r.totalEnergyPJ - energy) / energy < 0.15)
        let latency = try dramsim3Statistic(file, "average_read_latency")
        #expect(abs(r.averageReadLatencyCycles - latency) / latency < 0.25)
        #expect(r.rowHitRate < 0.01)
        #expect(r.statistics.refreshes == Int(try dramsim3Statistic(file, "num_ref_cmds")))
    }

    @Test("Stream traffic matches DRAMsim3 DDR4-3200 within the stated tolerances")
    func stream() throws {
        let c = try DRAMIni.load(try dramFixture("DDR4_8Gb_x8_3200.ini"))
        let r = DRAMStudy.run(c, traffic: .stream, cycles: 100_000)
        let file = "DDR4_8Gb_x8_3200_stream_100k.txt"
        let bandwidth = try dramsim3Statistic(file, "average_bandwidth")
        #expect(abs(r.bandwidthGBps - bandwidth) / bandwidth < 0.10)  // reference 16.8452 GB/s
        let energy = try dramsim3Statistic(file, "total_energy")
        #expect(abs(r.totalEnergyPJ - energy) / energy < 0.15)
        let latency = try dramsim3Statistic(file, "average_read_latency")
        #expect(abs(r.averageReadLatencyCycles - latency) / latency < 0.25)
        #expect(r.rowHitRate >= 0.95)
    }

    @Test(
        "Bandwidth never exceeds the system's peak, for any config and generator",
        arguments: ["DDR4_4Gb_x8_2400.ini", "LPDDR4_8Gb_x16_2400.ini", "HBM2_8Gb_x128.ini", "GDDR6_8Gb_x16.ini"])
    func underPeak(file: String) throws {
        let c = try DRAMIni.load(try dramFixture(file))
        for t in [DRAMTraffic.random, .stream] {
            let r = DRAMStudy.run(c, traffic: t, cycles: 30_000)
            // Writes count when accepted, so allow the write buffers' worth above the peak.
            let slack = Double(c.channels * c.transactionQueueSize * c.requestBytes) / (30_000 * c.tCKns)
            #expect(r.bandwidthGBps <= r.peakBandwidthGBps + slack, "\(file) \(t)")
            #expect(r.bandwidthGBps > 0.05 * r.peakBandwidthGBps, "\(file) \(t)")
            #expect(r.channels.count == c.channels)
            #expect(abs(r.channels.map(\.bandwidthGBps).reduce(0, +) - r.bandwidthGBps) < 1e-9 * r.bandwidthGBps)
        }
    }

    /// DRAMsim3's system figures for one (config, traffic) run of the shipped table.
    func dramsim3System(_ config: String, _ traffic: String) throws -> [String: Double] {
        let lines = try String(contentsOfFile: try dramFixture("dramsim3_systems_100k.csv"), encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: ",").map(String.init)
        let row = try #require(lines.first { $0.hasPrefix("\(config),\(traffic),") }).split(separator: ",").map(String.init)
        var out: [String: Double] = [:]
        for (k, v) in zip(header, row) { out[k] = Double(v) }
        return out
    }

    @Test(
        "Whole memory systems match DRAMsim3: bandwidth within 10 %, read latency within 15 %, on random, stream and trace traffic",
        arguments: [
            ("HBM2_8Gb_x128.ini", "random"), ("HBM2_8Gb_x128.ini", "stream"), ("GDDR6_8Gb_x16.ini", "stream"),
            ("LPDDR4_8Gb_x16_2400.ini", "trace"), ("ST-1.5x.ini", "random"),
        ])
    func systems(config: String, traffic: String) throws {
        let c = try DRAMIni.load(try dramFixture(config))
        let trace = try DRAMTrace.load(try dramFixture("example_100k.trace"))
        let r = DRAMStudy.run(c, traffic: DRAMTraffic(rawValue: traffic)!, cycles: 100_000, trace: trace)
        let reference = try dramsim3System(config, traffic)
        #expect(Double(r.channelCount) == reference["channels"])
        let bandwidth = try #require(reference["bandwidth_gbps"]), latency = try #require(reference["average_read_latency_cycles"])
        #expect(abs(r.bandwidthGBps - bandwidth) / bandwidth < 0.10, "\(r.bandwidthGBps) vs \(bandwidth)")
        #expect(abs(r.averageReadLatencyCycles - latency) / latency < 0.15, "\(r.averageReadLatencyCycles) vs \(latency)")
    }

    @Test("Ranks are sized as DRAMsim3 sizes them: HBM columns doubled, GDDR columns times BL, one rank when the channel is smaller")
    func rankSizing() throws {
        let hbm = try DRAMIni.load(try dramFixture("HBM2_8Gb_x128.ini"))
        #expect(hbm.physicalColumns == 2 * hbm.columns && hbm.rankMiB == 1_024 && hbm.ranks == 1)
        #expect(hbm.channels == 8 && hbm.dualCommandIssue)
        let gddr = try DRAMIni.load(try dramFixture("GDDR6_8Gb_x16.ini"))
        #expect(gddr.physicalColumns == gddr.columns * gddr.burstLength && gddr.ranks == 1)
        #expect(gddr.sizingNote?.contains("smaller than one rank") == true)
        #expect(gddr.bankGroups == 1 && gddr.banksPerGroup == 16)  // bankgroup_enable = false
        #expect(gddr.tCCDL == gddr.tCCDS)  // one bank group: the short timings apply
        #expect(gddr.burstCycles == 1 && gddr.t32AW == 420)
        let ddr4 = try DRAMIni.load(try dramFixture("DDR4_8Gb_x8_3200.ini"))
        #expect(ddr4.ranks == 2 && ddr4.sizingNote == nil && !ddr4.dualCommandIssue)
    }

    @Test("HBM's dual command issue moves random traffic as in DRAMsim3: more bandwidth, and longer queues")
    func dualCommand() throws {
        var c = try DRAMIni.load(try dramFixture("HBM2_8Gb_x128.ini"))
        let dual = DRAMStudy.run(c, traffic: .random, cycles: 20_000)
        c.hbmDualCommandEnabled = false
        let single = DRAMStudy.run(c, traffic: .random, cycles: 20_000)
        #expect(dual.dualCommandIssue && !single.dualCommandIssue)
        // DRAMsim3, 20,000 cycles of its random generator: 60.77 GB/s and 336.5 cycles with dual issue,
        // 59.59 GB/s and 298.8 cycles with hbm_dual_cmd = false.
        #expect(dual.bandwidthGBps > single.bandwidthGBps)
        #expect(dual.averageReadLatencyCycles > single.averageReadLatencyCycles)
        #expect(abs(dual.bandwidthGBps - 60.77) / 60.77 < 0.10 && abs(single.bandwidthGBps - 59.59) / 59.59 < 0.10)
    }

    @Test("PER_RANK queues take effect: the STT-MRAM config matches DRAMsim3 with them and misses it with per-bank queues")
    func perRankQueues() throws {
        let text = try String(contentsOfFile: try dramFixture("ST-1.5x.ini"), encoding: .utf8)
        let perRank = try DRAMIni.parse(text, file: "st")
        #expect(perRank.queueStructure == .perRank)
        let perBank = try DRAMIni.parse(text.replacingOccurrences(of: "PER_RANK", with: "PER_BANK"), file: "st")
        let a = DRAMStudy.run(perRank, traffic: .random, cycles: 100_000), b = DRAMStudy.run(perBank, traffic: .random, cycles: 100_000)
        #expect(a.queueStructure == "PER_RANK" && b.queueStructure == "PER_BANK")
        let latency = try #require(try dramsim3System("ST-1.5x.ini", "random")["average_read_latency_cycles"])
        #expect(abs(a.averageReadLatencyCycles - latency) / latency < 0.15)
        #expect(abs(b.averageReadLatencyCycles - latency) / latency > 0.30)  // 8 queue slots per bank instead of per rank
        #expect(!perRank.negativeEnergies.isEmpty)  // its own comments: the currents are not STT-MRAM's
    }

    @Test("The generators draw DRAMsim3's addresses: MT19937-64 with its default seed")
    func mersenneTwister() {
        var mt = MersenneTwister64()
        var last: UInt64 = 0
        for _ in 0..<10_000 { last = mt.next() }
        #expect(last == 9_981_545_732_273_789_042)  // the C++ standard's check value for mt19937_64
    }

    @Test("Traces read DRAMsim3's format; bad lines name the line")
    func traces() throws {
        let t = try DRAMTrace.parse("0x2000D5C0 READ  30\n0x1FF96FC0 WRITE   160\n\n# note\n1f P_MEM_WR 200\n", file: "t")
        #expect(
            t.requests == [
                .init(address: 0x2000_D5C0, isWrite: false, cycle: 30), .init(address: 0x1FF9_6FC0, isWrite: true, cycle: 160),
                .init(address: 0x1F, isWrite: true, cycle: 200),
            ])
        #expect(throws: SpindleError.self) { try DRAMTrace.parse("0xZZ READ 1\n", file: "t") }
        do {
            _ = try DRAMTrace.parse("0x10 READ 1\n0x20 FETCHX 2\n", file: "t")
            Issue.record("accepted an unknown operation")
        } catch { #expect(error.location?.line == 2) }
        let shipped = try DRAMTrace.load(try dramFixture("example_100k.trace"))
        #expect(shipped.requests.count == 1_407 && shipped.requests.allSatisfy { $0.cycle < 100_000 })
    }

    @Test("Built-in presets equal DRAMsim3's configs, timing for timing")
    func presets() throws {
        for (preset, file) in [("DDR4-3200", "DDR4_8Gb_x8_3200.ini"), ("LPDDR4-2400", "LPDDR4_8Gb_x16_2400.ini")] {
            let fromFile = try DRAMIni.load(try dramFixture(file))
            let builtIn = try #require(DRAMConfig.presets[preset])
            #expect(builtIn.ranks == fromFile.ranks && builtIn.activateToRead == fromFile.activateToRead)
            #expect(builtIn.unloadedReadLatencyCycles == fromFile.unloadedReadLatencyCycles)
            #expect(builtIn.peakBandwidthGBps == fromFile.peakBandwidthGBps && builtIn.tRTRS == fromFile.tRTRS)
        }
    }

    func parse(_ text: String) -> SpindleError? {
        do {
            _ = try DRAMIni.parse(text, file: "bad.ini")
            return nil
        } catch { return error }
    }

    var ddr4: String { (try? String(contentsOfFile: try dramFixture("DDR4_8Gb_x8_3200.ini"), encoding: .utf8)) ?? "" }

    @Test("Windows (CRLF) and classic Mac (CR) line endings read the same as Unix ones")
    func lineEndings() throws {
        let unix = try DRAMIni.parse(ddr4, file: "d.ini")
        #expect(try DRAMIni.parse(ddr4.replacingOccurrences(of: "\n", with: "\r\n"), file: "d.ini") == unix)
        #expect(try DRAMIni.parse(ddr4.replacingOccurrences(of: "\n", with: "\r"), file: "d.ini") == unix)
        let mesh = try String(contentsOfFile: try booksimFixture("meshconfig"), encoding: .utf8)
        let lf = try BookSimConfig.parse(mesh, file: "m")
        let crlf = try BookSimConfig.parse(mesh.replacingOccurrences(of: "\n", with: "\r\n"), file: "m")
        #expect(crlf == lf)
        #expect(lf.injectionRate == 0.2 && lf.k == 8)
    }

    @Test("Geometry DRAMsim3 would refuse is refused")
    func geometry() throws {
        #expect(parse(ddr4.replacingOccurrences(of: "rows = 65536", with: "rows = 60000"))?.description.contains("power of two") == true)
        #expect(
            parse(ddr4.replacingOccurrences(of: "device_width = 8", with: "device_width = 128"))?.description.contains(
                "wider than bus_width") == true)
        #expect(parse(ddr4.replacingOccurrences(of: "tREFI = 12480", with: "tREFI = 560"))?.location?.line == 21)
        #expect(parse(ddr4.replacingOccurrences(of: "tCK = 0.63", with: "tCK = 1e-300"))?.description.contains("clock period") == true)
        #expect(parse(ddr4.replacingOccurrences(of: "rochrababgco", with: "rochrababgc"))?.description.contains("address_mapping") == true)
    }

    @Test("Bad configs are clear errors with the file and line")
    func badConfigs() throws {
        let unknown = try #require(parse(ddr4.replacingOccurrences(of: "tRCD = 22", with: "tRCDD = 22")))
        #expect(unknown.kind == .unknownKey)
        #expect(unknown.location?.line == 15)
        #expect(unknown.hint == "Did you mean 'tRCD'?")
        let zero = try #require(parse(ddr4.replacingOccurrences(of: "tRCD = 22", with: "tRCD = 0")))
        #expect(zero.description.contains("impossible"))
        #expect(zero.location?.line == 15)
        let negative = try #require(parse(ddr4.replacingOccurrences(of: "rows = 65536", with: "rows = -4")))
        #expect(negative.location?.line == 5)
        // A key left out takes DRAMsim3's default, and says so.
        let defaulted = try DRAMIni.parse(ddr4.replacingOccurrences(of: "CL = 22\n", with: ""), file: "d.ini")
        #expect(defaulted.CL == 12 && defaulted.defaultedKeys.contains("CL = 12"))
        #expect(parse("[hmc]\nnum_links = 4\n")?.kind == .unsupported)
        #expect(parse(ddr4.replacingOccurrences(of: "PER_BANK", with: "PER_CHANNEL"))?.choices == ["PER_BANK", "PER_RANK"])
        #expect(parse(ddr4 + "\n[system]\nrow_buf_policy = CLOSE_PAGE\n")?.kind == .unsupported)
        let garbage = try #require(parse("[timing]\ntCK 0.63\n"))
        #expect(garbage.location?.line == 2)
    }
}
