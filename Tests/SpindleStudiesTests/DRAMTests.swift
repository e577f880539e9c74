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
        "Bandwidth never exceeds the peak, for any config and traffic",
        arguments: ["DDR4_4Gb_x8_2400.ini", "LPDDR4_8Gb_x16_2400.ini", "HBM2_8Gb_x128.ini"])
    func underPeak(file: String) throws {
        let c = try DRAMIni.load(try dramFixture(file))
        for t in DRAMTraffic.allCases {
            let r = DRAMStudy.run(c, traffic: t, cycles: 30_000)
            // Writes count when accepted, so allow the write buffer's worth above the peak.
            let slack = Double(c.transactionQueueSize * c.requestBytes) / (30_000 * c.tCKns)
            #expect(r.bandwidthGBps <= c.peakBandwidthGBps + slack, "\(file) \(t)")
            #expect(r.bandwidthGBps > 0.2 * c.peakBandwidthGBps)
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
        let missing = try #require(parse(ddr4.replacingOccurrences(of: "CL = 22\n", with: "")))
        #expect(missing.kind == .missingKey)
        let garbage = try #require(parse("[timing]\ntCK 0.63\n"))
        #expect(garbage.location?.line == 2)
    }
}
