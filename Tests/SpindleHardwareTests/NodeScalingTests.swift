import Foundation
import Testing

@testable import SpindleCore
@testable import SpindleHardware

/// Rows of a fixture CSV (header dropped), split on commas.
private func csv(_ name: String) throws -> [[String]] {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/node-scaling/" + name, withExtension: nil))
    let text = try String(contentsOf: url, encoding: .utf8)
    return text.split(whereSeparator: \.isNewline).dropFirst().map { $0.split(separator: ",").map(String.init) }
}

@Suite("Node scaling (Stillmaker & Baas 2017)")
struct NodeScalingTests {
    @Test("Energy factors equal nodeScale's for every pair of 14 process points (relative 1e-9)")
    func energyMatchesOracle() throws {
        let rows = try csv("energy.csv")
        #expect(rows.count == 14 * 14)
        for r in rows {
            let s = ProcessPoint(nodeNm: Int(r[0])!, vdd: Double(r[1])!), d = ProcessPoint(nodeNm: Int(r[2])!, vdd: Double(r[3])!)
            let expected = Double(r[4])!
            let f = try #require(NodeScaling.energyFactor(from: s, to: d))
            #expect(abs(f / expected - 1) < 1e-9, "\(s) -> \(d): \(f) vs \(expected)")
        }
    }

    @Test("Area factors equal nodeScale's for every pair of the 11 nodes (relative 1e-9)")
    func areaMatchesOracle() throws {
        let rows = try csv("area.csv")
        #expect(rows.count == 11 * 11)
        for r in rows {
            let f = try #require(NodeScaling.areaFactor(fromNm: Int(r[0])!, toNm: Int(r[1])!))
            #expect(abs(f / Double(r[2])! - 1) < 1e-9, "\(r[0]) -> \(r[1]) nm")
        }
    }

    @Test("Nodes outside 180-7 nm are refused, not extrapolated")
    func uncovered() {
        #expect(NodeScaling.energyFactor(from: ProcessPoint(nodeNm: 28, vdd: 0.9), to: ProcessPoint(nodeNm: 65, vdd: 1)) == nil)
        #expect(NodeScaling.areaFactor(fromNm: 65, toNm: 5) == nil)
    }

    static func table() -> Technology {
        var t = Technology(
            name: "t",
            actions: [
                TechnologyAction(name: "mac.int8", energyPJ: 1, per: "op", nodeNm: 45, source: "s"),
                TechnologyAction(name: "dram.read.bits", energyPJ: 8, per: "bit", nodeNm: nil, source: "d"),
            ])
        t.voltages = [45: NodeVoltage(nodeNm: 45, vdd: 0.9, source: "v")]
        t.areas = ["mac": AreaEntry(name: "mac", areaUm2: 100, per: "unit", nodeNm: 45, source: "a")]
        return t
    }

    @Test("Scaling a table moves CMOS figures, keeps off-chip ones, and says so in every source")
    func scalesTable() throws {
        let basis = ProcessPoint(nodeNm: 65, vdd: 1.0)
        let t = try Self.table().scaled(to: basis)
        let f = try #require(NodeScaling.energyFactor(from: ProcessPoint(nodeNm: 45, vdd: 0.9), to: basis))
        #expect(abs(t.actions["mac.int8"]!.energyPJ - f) < 1e-12)
        #expect(t.actions["mac.int8"]!.nodeNm == 65)
        #expect(t.actions["mac.int8"]!.source.contains("Stillmaker"))
        #expect(t.actions["dram.read.bits"]!.energyPJ == 8)
        #expect(abs(t.areas["mac"]!.areaUm2 - 100 / 0.66) < 1e-9)
        #expect(t.basis == basis)
        #expect(t.nodes == [65])
    }

    @Test("A node without a voltage is an error naming the node, not a silent default")
    func missingVoltage() {
        var t = Self.table()
        t.voltages = [:]
        #expect(throws: SpindleError.self) { try t.scaled(to: ProcessPoint(nodeNm: 65, vdd: 1)) }
        do {
            _ = try t.scaled(to: ProcessPoint(nodeNm: 65, vdd: 1))
        } catch {
            #expect(error.message.contains("45 nm"))
            #expect(error.kind == .missingKey)
        }
    }
}
