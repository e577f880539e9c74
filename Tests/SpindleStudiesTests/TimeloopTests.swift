import Foundation
import SpindleCore
import SpindleHardware
import SpindleScenario
import Testing

@Suite("Timeloop descriptions on the loop-nest model")
struct TimeloopTests {
    struct Reference: Decodable {
        struct DataSpace: Decodable {
            var utilizedInstances: Double, tile: Double, reads: Double, fills: Double, updates: Double, energyPj: Double
        }
        struct Level: Decodable {
            var leakPj: Double
            var dataSpaces: [String: DataSpace]
        }
        var computes: Double, computeEnergyPj: Double, cycles: Double
        var levels: [String: Level]
    }

    func load(_ name: String) throws -> (LoopNestResult, Reference) {
        let dir = try #require(Bundle.module.url(forResource: "Fixtures/timeloop/" + name, withExtension: nil)).path
        let problem = try TimeloopFiles.problem(dir + "/prob.yaml")
        var layout = try TimeloopFiles.architecture(dir + "/arch.yaml")
        try TimeloopFiles.applyEnergy(dir + "/ERT_summary.yaml", to: &layout.architecture)
        let mapping = try TimeloopFiles.mapping(dir + "/map.yaml", problem: problem, layout: layout)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let reference = try decoder.decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/reference.json")))
        return (try LoopNestAnalysis.analyse(problem, layout.architecture, mapping), reference)
    }

    /// Timeloop prints energies to 0.01 pJ.
    func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= max(0.011, 2e-5 * abs(b)) }

    @Test(
        "Timeloop's exercises with a given mapping: cycles, every level's reads, fills and updates and its energy equal Timeloop's",
        arguments: [
            "00-conv1d-1level", "01-conv1d-2level-os", "01-conv1d-2level-ws", "02-conv1d+oc-2level", "02-conv1d+oc-2level-tiled",
            "03-conv1d+oc-3level", "03-conv1d+oc-3level-bypass",
        ])
    func exercises(_ name: String) throws {
        let (r, ref) = try load(name)
        #expect(r.cycles == ref.cycles && r.computes == ref.computes)
        #expect(close(r.computeEnergyPJ, ref.computeEnergyPj))
        var compared = 0
        for level in r.levels {
            let rl = try #require(ref.levels[level.name], "\(level.name)")
            #expect(close(level.leakPJ, rl.leakPj), "\(level.name) leakage")
            for d in level.dataSpaces {
                let rd = try #require(rl.dataSpaces[d.name], "\(level.name) \(d.name)")
                #expect(Double(level.utilizedInstances) == rd.utilizedInstances)
                #expect(d.tileWords == rd.tile, "\(level.name) \(d.name) tile")
                #expect(d.reads == rd.reads && d.fills == rd.fills && d.updates == rd.updates, "\(level.name) \(d.name): \(d) vs \(rd)")
                #expect(close(d.energyPJ, rd.energyPj), "\(level.name) \(d.name) energy \(d.energyPJ) vs \(rd.energyPj)")
                compared += 1
            }
            // A data space the level bypasses has no accesses in Timeloop's report either.
            for (name, rd) in rl.dataSpaces where !level.dataSpaces.contains(where: { $0.name == name }) {
                #expect(rd.reads + rd.fills + rd.updates == 0, "\(level.name) \(name) bypassed")
            }
        }
        #expect(compared >= 3)
    }

    @Test(
        "A spatial PE array: the PEs' register files, DRAM and the MACs equal Timeloop's; the global buffer differs only where Timeloop replicates it per PE",
        arguments: ["04-conv1d+oc+ic-spatial-cp", "04-conv1d+oc+ic-spatial-kp"])
    func spatial(_ name: String) throws {
        let (r, ref) = try load(name)
        #expect(r.cycles == ref.cycles && r.utilizedComputeUnits == 16)
        #expect(close(r.computeEnergyPJ, ref.computeEnergyPj))
        for level in r.levels where level.name != "GlobalBuffer" {
            let rl = try #require(ref.levels[level.name])
            for d in level.dataSpaces {
                let rd = try #require(rl.dataSpaces[d.name])
                #expect(d.reads == rd.reads && d.fills == rd.fills && d.updates == rd.updates, "\(level.name) \(d.name)")
                #expect(close(d.energyPJ, rd.energyPj), "\(level.name) \(d.name) energy")
            }
        }
        // Timeloop (at the reference's version) puts the PE container's fan-out above the global buffer that
        // precedes it in the node list, so it has 16 buffers; here the fan-out applies to the nodes after the
        // container, one buffer feeds the 16 PEs. Data no two PEs share moves the same words in all.
        let gb = try #require(r.levels.first { $0.name == "GlobalBuffer" })
        let rgb = try #require(ref.levels["GlobalBuffer"])
        #expect(gb.utilizedInstances == 1 && rgb.dataSpaces["Weights"]!.utilizedInstances == 16)
        let weights = try #require(gb.dataSpaces.first { $0.name == "Weights" })
        #expect(weights.reads == rgb.dataSpaces["Weights"]!.reads * 16)
        #expect(close(weights.energyPJ, rgb.dataSpaces["Weights"]!.energyPj))
    }

    @Test(
        "Bad descriptions are errors naming the file and line: factors that do not multiply to the bounds, unknown targets and dimensions")
    func refusals() throws {
        let dir = try #require(Bundle.module.url(forResource: "Fixtures/timeloop/03-conv1d+oc-3level", withExtension: nil)).path
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("spindle-timeloop-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let problem = try TimeloopFiles.problem(dir + "/prob.yaml")
        let layout = try TimeloopFiles.architecture(dir + "/arch.yaml")
        let mapping = try String(contentsOfFile: dir + "/map.yaml", encoding: .utf8)
        for (edit, text) in [
            (
                mapping.replacingOccurrences(of: "factors: R=3 P=1 K=2", with: "factors: R=3 P=1 K=4"),
                "map.yaml:2:3: the factors of K multiply to 64, not 32"
            ),
            (
                mapping.replacingOccurrences(of: "target: GlobalBuffer", with: "target: Buffer"),
                "map.yaml:7:13: 'Buffer' is not a storage level"
            ),
            (mapping.replacingOccurrences(of: "factors: R=3 P=1 K=2", with: "factors: R=3 X=1 K=2"), "'X=1' is not DIMENSION=FACTOR"),
            (mapping.replacingOccurrences(of: "permutation: RPK", with: "permutation: RPQ"), "'Q' in the permutation"),
        ] {
            try edit.write(toFile: scratch + "/map.yaml", atomically: true, encoding: .utf8)
            do {
                let m = try TimeloopFiles.mapping(scratch + "/map.yaml", problem: problem, layout: layout)
                _ = try LoopNestAnalysis.analyse(problem, layout.architecture, m)
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.description.contains(text), "\(error)")
            }
        }
    }

    @Test("Numbers in the descriptions replaced by extremes (0, negative, huge) are refused or analysed, never a crash")
    func hostileNumbers() throws {
        let dir = try #require(Bundle.module.url(forResource: "Fixtures/timeloop/04-conv1d+oc+ic-spatial-kp", withExtension: nil)).path
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("spindle-timeloop-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let files = ["arch.yaml", "prob.yaml", "map.yaml"]
        let texts = try files.map { try String(contentsOfFile: dir + "/" + $0, encoding: .utf8) }
        let extremes = ["0", "-1", "1", "2", "3", "16", "99999999999", "16777216", "1e9", "0.5", "K", "[]"]
        var rng = RandomStream(seed: 17)
        var refused = 0
        for _ in 0..<300 {
            var edited = texts
            let f = Int(rng.next() % 3)
            var chars = Array(edited[f])
            // Replace one number in the file.
            let digits = chars.indices.filter { chars[$0].isNumber }
            guard !digits.isEmpty else { continue }
            let at = digits[Int(rng.next() % UInt64(digits.count))]
            var end = at
            while end < chars.count && chars[end].isNumber { end += 1 }
            var start = at
            while start > 0 && chars[start - 1].isNumber { start -= 1 }
            chars.replaceSubrange(start..<end, with: Array(extremes[Int(rng.next() % UInt64(extremes.count))]))
            edited[f] = String(chars)
            for (name, text) in zip(files, edited) { try text.write(toFile: scratch + "/" + name, atomically: true, encoding: .utf8) }
            do {
                let problem = try TimeloopFiles.problem(scratch + "/prob.yaml")
                let layout = try TimeloopFiles.architecture(scratch + "/arch.yaml")
                let mapping = try TimeloopFiles.mapping(scratch + "/map.yaml", problem: problem, layout: layout)
                let r = try LoopNestAnalysis.analyse(problem, layout.architecture, mapping)
                #expect(r.cycles >= 1 && r.levels.allSatisfy { $0.dataSpaces.allSatisfy { $0.reads >= 0 && $0.fills >= 0 } })
            } catch {
                refused += 1
            }
        }
        #expect(refused > 30)
    }
}
