import Foundation
import Spindle
import SpindleCompression
import SpindleCore
import SpindleEngine
import SpindleHardware
import SpindleMapping
import SpindleReport
import SpindleScenario
import SpindleTestSupport
import SpindleWorkload
import Testing

@Suite("Bad input gives located, explained errors")
struct InputErrorTests {
    @Test("The base fixture is valid (so each case below fails for its own reason)")
    func baseIsValid() throws {
        #expect(try topologyError(baseTopology) == nil)
    }

    @Test("A missing file")
    func missingFile() {
        #expect {
            _ = try ScenarioLoader.load("/no/such/scenario.yaml")
        } throws: { ($0 as? SpindleError)?.kind == .fileNotFound }
    }

    @Test("Malformed YAML points at the line")
    func malformed() throws {
        let e = try #require(try topologyError(baseTopology.replacingOccurrences(of: "  width: 2", with: "  width: [2")))
        #expect(e.kind == .syntax)
        #expect(e.location?.line != nil)
        #expect(e.description.contains("t.yaml:"))
    }

    @Test("A wrong type names the key and what was expected")
    func wrongType() throws {
        let e = try #require(try topologyError(baseTopology.replacingOccurrences(of: "width: 2", with: "width: two")))
        #expect(e.location?.line == 5)
        #expect(e.description.contains("noc.width"))
        #expect(e.description.contains("whole number"))
    }

    @Test("A negative bandwidth is refused")
    func negativeBandwidth() throws {
        let e = try #require(try topologyError(baseTopology.replacingOccurrences(of: "bandwidth: 1 GB/s", with: "bandwidth: -1 GB/s")))
        #expect(e.description.contains("positive bandwidth"))
        #expect(e.location?.line == 21)
    }

    @Test("A value without a unit lists the valid units")
    func missingUnit() throws {
        let e = try #require(try topologyError(baseTopology.replacingOccurrences(of: "router_latency: 3 ns", with: "router_latency: 3")))
        #expect(e.choices.contains("ns"))
    }

    @Test("An unknown key suggests the nearest valid one")
    func unknownKey() throws {
        let e = try #require(try topologyError(baseTopology.replacingOccurrences(of: "  height: 1", with: "  hieght: 1")))
        #expect(e.kind == .unknownKey)
        #expect(e.hint == "Did you mean 'height'?")
        #expect(e.location?.line == 6)
    }

    @Test("An unknown tile kind lists the kinds")
    func unknownTileKind() throws {
        let e = try #require(try topologyError(baseTopology.replacingOccurrences(of: "kind: pe-array", with: "kind: systolic")))
        #expect(e.choices == ["pe-array", "spin-crossbar", "smartdeal", "loop-nest"])
    }

    @Test("A PE-array tile is ideal or systolic, not both")
    func systolicTile() throws {
        let both = baseTopology.replacingOccurrences(
            of: "    macs_per_cycle: 16\n", with: "    macs_per_cycle: 16\n    rows: 4\n    columns: 4\n    dataflow: ws\n")
        #expect(both != baseTopology)
        #expect(try topologyError(both)?.description.contains("either") == true)
        let systolic = baseTopology.replacingOccurrences(
            of: "    macs_per_cycle: 16\n", with: "    rows: 4\n    columns: 4\n    dataflow: os\n")
        #expect(systolic != baseTopology)
        #expect(try topologyError(systolic) == nil)
        let bad = systolic.replacingOccurrences(of: "dataflow: os", with: "dataflow: rs")
        #expect(try topologyError(bad)?.choices == ["ws", "os", "is"])
    }

    @Test("An unknown tile type name suggests the defined one")
    func unknownTileType() throws {
        let e = try #require(try topologyError(baseTopology.replacingOccurrences(of: "  - type: pe\n", with: "  - type: pf\n")))
        #expect(e.hint == "Did you mean 'pe'?")
    }

    @Test("A tile outside the mesh")
    func outsideMesh() throws {
        let e = try #require(try topologyError(baseTopology.replacingOccurrences(of: "at: [[1, 0]]", with: "at: [[2, 0]]")))
        #expect(e.description.contains("from 0 to 1"))
    }

    @Test("Two tiles on one node")
    func duplicateTile() throws {
        let e = try #require(try topologyError(baseTopology.replacingOccurrences(of: "at: [[1, 0]]", with: "at: [[1, 0], [1, 0]]")))
        #expect(e.description.contains("two tiles"))
    }

    @Test("A zero-latency package link across chips (partitions) is refused")
    func zeroLatencyAcrossPartitions() throws {
        let t = baseTopology.replacingOccurrences(of: "chips: 1", with: "chips: 2\npackage:\n  link_latency: 0 ns")
        let e = try #require(try topologyError(t))
        #expect(e.description.contains("lookahead"))
        #expect(e.location?.line == 5)
    }

    @Test("NoC and package topologies are checked")
    func topologies() throws {
        let ring = try #require(
            try topologyError(
                baseTopology.replacingOccurrences(of: "  width: 2\n  height: 1", with: "  topology: ring\n  width: 2\n  height: 2")))
        #expect(ring.description.contains("height 1"))
        let shape = try #require(
            try topologyError(baseTopology.replacingOccurrences(of: "  width: 2\n", with: "  topology: hypercube\n  width: 2\n")))
        #expect(shape.choices == ["mesh", "torus", "ring"])
        let package = baseTopology.replacingOccurrences(
            of: "chips: 1", with: "chips: 6\npackage:\n  link_latency: 20 ns\n  topology: mesh\n  width: 4")
        let width = try #require(try topologyError(package))
        #expect(width.description.contains("divides"))
        #expect(try topologyError(package.replacingOccurrences(of: "width: 4", with: "width: 3")) == nil)
        let torusBuffers = try #require(
            try topologyError(
                baseTopology.replacingOccurrences(of: "  width: 2\n", with: "  topology: torus\n  input_buffer: 2\n  width: 2\n")))
        #expect(torusBuffers.description.contains("meshes only"))
        #expect(try topologyError(baseTopology.replacingOccurrences(of: "  width: 2\n", with: "  input_buffer: 2\n  width: 2\n")) == nil)
    }

    @Test("A technology file that misses an action lists the required ones")
    func missingAction() throws {
        let tech = technologyText.replacingOccurrences(of: "  - name: nop.link.bits", with: "  - name: nop.link.bitz")
        let dir = try temporaryFiles(["t.yaml": baseTopology, "tech.yaml": tech])
        #expect {
            _ = try TopologyLoader.load(dir + "/t.yaml")
        } throws: { ($0 as? SpindleError)?.description.contains("nop.link.bits") == true }
    }

    @Test("A scenario naming a topology that does not exist")
    func missingTopology() throws {
        let dir = try temporaryFiles(["s.yaml": "name: s\ntopology: nowhere.yaml\nmodel: tiny-cnn\n"])
        let e: SpindleError
        do {
            _ = try ScenarioLoader.load(dir + "/s.yaml")
            Issue.record("expected an error")
            return
        } catch { e = error }
        #expect(e.kind == .fileNotFound)
        #expect(e.location?.line == 2)
        #expect(e.description.contains("nowhere.yaml"))
    }

    @Test("A sweep key that names no field suggests the nearest one, at its line")
    func badSweepKey() throws {
        let dir = try temporaryFiles([
            "s.yaml": "name: s\ntopology: t.yaml\nmodel: tiny-cnn\nsweep:\n  bacth: [1, 2]\n", "t.yaml": baseTopology,
            "tech.yaml": technologyText,
        ])
        var e = SpindleError(.io, "")
        do {
            _ = try ScenarioLoader.load(dir + "/s.yaml")
        } catch { e = error }
        #expect(e.kind == .unknownKey)
        #expect(e.location?.line == 5)
        #expect(e.description.contains("Did you mean 'batch'?"))
    }

    @Test("A scenario whose crossbars cannot hold the network says by how much")
    func crossbarShortfall() throws {
        var topology = try TopologyLoader.load(repoPath("topologies/four-chip-spin.yaml"))
        topology.chips = 1
        var scenario = try ScenarioLoader.load(repoPath("scenarios/resnet18-spin-inference.yaml"))
        scenario.topology = topology
        var e = SpindleError(.io, "")
        do {
            _ = try ScenarioRunner.prepare(scenario)
        } catch { e = error }
        #expect(e.kind == .capacity)
        #expect(e.message.contains("short by"))
    }

    @Test("An unknown model lists the zoo")
    func unknownModel() throws {
        let dir = try temporaryFiles([
            "s.yaml": "name: s\ntopology: t.yaml\nmodel: resnet-9000\n", "t.yaml": baseTopology, "tech.yaml": technologyText,
        ])
        #expect {
            _ = try ScenarioLoader.load(dir + "/s.yaml")
        } throws: { ($0 as? SpindleError)?.choices == ModelZoo.names }
    }

    @Test("A network that does not fit a tile's buffer says by how much")
    func doesNotFit() throws {
        let dir = try temporaryFiles([
            "s.yaml": "name: s\ntopology: t.yaml\nmodel: tiny-cnn\nbatch: 64\n", "t.yaml": baseTopology, "tech.yaml": technologyText,
        ])
        let s = try ScenarioLoader.load(dir + "/s.yaml")
        #expect {
            _ = try ScenarioRunner.prepare(s)
        } throws: { ($0 as? SpindleError)?.description.contains("short by") == true }
    }
}

@Suite("Technology tables")
struct TechnologyTests {
    @Test("SRAM energy by size: exact at the curve's points, log-log between them")
    func sramCurve() throws {
        let tech = try TechnologyLoader.load(repoPath("topologies/tech/horowitz45.yaml"))
        #expect(abs(tech.sramPerByte(capacity: 32 * 1_024)! - 2.5) < 1e-12)  // 20 pJ per 8 bytes
        #expect(abs(tech.sramPerByte(capacity: 8 * 1_024)! - 1.25) < 1e-12)
        #expect(abs(tech.sramPerByte(capacity: 1_048_576)! - 12.5) < 1e-12)
        // 256 KiB: 20 pJ x 8^(log 5 / log 32) per 64 bits = 52.53 pJ, 6.566 pJ per byte.
        let mid = tech.sramPerByte(capacity: 256 * 1_024)!
        #expect(abs(mid - 20 * pow(8, log(5) / log(32)) / 8) < 1e-9)
        #expect(tech.bufferActions(bankBytes: 256 * 1_024).read.name == "sram.256KiB.read.bytes")
    }

    @Test("A banked buffer is priced at its bank's capacity")
    func banks() async throws {
        let dir = try temporaryFiles([
            "t.yaml": baseTopology.replacingOccurrences(of: "    buffer: 64 KiB\n", with: "    buffer: 64 KiB\n    buffer_banks: 4\n")
                .replacingOccurrences(of: "technology: tech.yaml", with: "technology: \(repoPath("topologies/tech/horowitz45.yaml"))")
        ])
        let topology = try TopologyLoader.load(dir + "/t.yaml")
        #expect(topology.tiles[0].type.bufferBanks == 4 && topology.tiles[0].type.bankBytes == 16 * 1_024)
        let prices = AcceleratorModel(topology: topology, schedule: Schedule(chips: [[]])).prices
        let bank = try #require(prices.price(.bufferRead(bankKiB: 16)))
        #expect(Action.bufferRead(bankKiB: 16).name == "sram.16KiB.read.bytes")
        #expect(abs(bank - topology.technology.sramPerByte(capacity: 16 * 1_024)!) < 1e-12)
        #expect(bank < topology.technology.sramPerByte(capacity: 64 * 1_024)!)
        let bad = baseTopology.replacingOccurrences(of: "    buffer: 64 KiB\n", with: "    buffer: 64 KiB\n    buffer_banks: 3\n")
        #expect(try topologyError(bad)?.description.contains("banks") == true)
    }

    @Test("The Eyeriss-relative table loads and keeps the 200 : 6 : 2 : 1 ratios")
    func eyeriss() throws {
        let tech = try TechnologyLoader.load(repoPath("topologies/tech/eyeriss-relative.yaml"))
        let mac = tech.actions["mac.int8"]!.energyPJ
        #expect(abs(tech.actions["dram.read.bits"]!.energyPJ * 16 / mac - 200) < 1e-9)
        #expect(abs(tech.actions["sram.read.bytes"]!.energyPJ * 2 / mac - 6) < 1e-9)
        #expect(abs(tech.actions["noc.router.bits"]!.energyPJ * 16 / mac - 2) < 1e-9)
    }
}
