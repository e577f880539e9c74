import Foundation
import SpindleCore
import SpindleEngine
import SpindleHardware
import SpindleReport
import SpindleRun
import SpindleScenario
import SpindleTestSupport
import Testing

/// `spindle import timeloop`: Timeloop's exercises written as Spindle files and run by the simulator, against
/// Timeloop's own per-level energies (fixtures of the loop-nest tests, `Tests/SpindleStudiesTests/Fixtures/timeloop`).
@Suite("Timeloop designs imported as Spindle topologies")
struct TimeloopImportTests {
    struct Reference: Decodable {
        struct DataSpace: Decodable { var energyPj: Double }
        struct Level: Decodable {
            var leakPj: Double
            var dataSpaces: [String: DataSpace]
        }
        var computeEnergyPj: Double, cycles: Double
        var levels: [String: Level]
        /// Energy of a level: its data spaces' accesses and its leakage.
        func energy(_ level: String) -> Double {
            guard let l = levels[level] else { return 0 }
            return l.leakPj + l.dataSpaces.values.reduce(0) { $0 + $1.energyPj }
        }
    }

    static let fixtures = repoPath("Tests/SpindleStudiesTests/Fixtures/timeloop")

    /// Imports exercise `name` into a fresh folder and returns it with Timeloop's reference.
    func imported(_ name: String, mapping: Bool = true, dataflow: LoopNestDataflow = .weightStationary) throws -> (String, Reference) {
        let dir = Self.fixtures + "/" + name
        let files = try TimeloopImport.files(
            architecture: dir + "/arch.yaml", problem: dir + "/prob.yaml", mapping: mapping ? dir + "/map.yaml" : nil,
            energies: .ert(dir + "/ERT_summary.yaml"), dataflow: dataflow)
        var texts = Dictionary(uniqueKeysWithValues: files.files.map { ($0.name, $0.text) })
        texts[TimeloopImport.copies.architecture] = try String(contentsOfFile: dir + "/arch.yaml", encoding: .utf8)
        texts[TimeloopImport.copies.problem] = try String(contentsOfFile: dir + "/prob.yaml", encoding: .utf8)
        texts[TimeloopImport.copies.mapping] = try String(contentsOfFile: dir + "/map.yaml", encoding: .utf8)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let reference = try decoder.decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/reference.json")))
        return (try temporaryFiles(texts), reference)
    }

    func run(_ folder: String) async throws -> RunReport {
        try await ScenarioRunner.run(
            try ScenarioLoader.load(folder + "/" + TimeloopImport.scenarioFile), options: EngineOptions(workers: 1))
    }

    /// Energy of one storage level as `spindle timeloop` counts exercise `name` with its mapping and ERT.
    func modelLevelEnergy(_ name: String, _ level: String) throws -> Double {
        let dir = Self.fixtures + "/" + name
        let problem = try TimeloopFiles.problem(dir + "/prob.yaml")
        var layout = try TimeloopFiles.architecture(dir + "/arch.yaml")
        try TimeloopFiles.applyEnergy(dir + "/ERT_summary.yaml", to: &layout.architecture)
        let mapping = try TimeloopFiles.mapping(dir + "/map.yaml", problem: problem, layout: layout)
        let r = try LoopNestAnalysis.analyse(problem, layout.architecture, mapping)
        return try #require(r.levels.first { $0.name == level }).energyPJ
    }

    /// Energy of one storage level in a run: its reads, writes, updates and leakage.
    func levelEnergy(_ r: RunReport, _ level: String) -> Double {
        StorageAccess.allCases.reduce(0) { $0 + (r.energyPJ.byAction[Action.storage(level: level, $1).name] ?? 0) }
    }

    @Test(
        "Imported exercises run with their mappings: every on-chip level's energy, the MACs' and the cycles equal Timeloop's",
        arguments: [
            "01-conv1d-2level-os", "01-conv1d-2level-ws", "02-conv1d+oc-2level", "02-conv1d+oc-2level-tiled", "03-conv1d+oc-3level",
            "03-conv1d+oc-3level-bypass", "04-conv1d+oc+ic-spatial-cp", "04-conv1d+oc+ic-spatial-kp",
        ])
    func exercises(_ name: String) async throws {
        let (folder, ref) = try imported(name)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let r = try await run(folder)
        let topology = try TopologyLoader.load(folder + "/" + TimeloopImport.topologyFile)
        let h = try #require(topology.tiles[0].type.hierarchy)
        #expect(h.fixed.count == 1)
        // Cycles: the tile's compute time at the imported 1 GHz clock.
        let counts = try h.counts(h.fixed[0].shape) { PriceTable(topology: topology).price($0) ?? 0 }
        #expect(Double(counts.cycles) == ref.cycles)
        #expect(abs((r.energyPJ.byAction["mac.int8"] ?? 0) - ref.computeEnergyPj) <= 0.011)
        for level in h.levels {
            let spindle = levelEnergy(r, level.name), timeloop = ref.energy(level.name)
            if name.hasPrefix("04") && level.name == "GlobalBuffer" {
                // Timeloop counts 16 copies of the buffer above the PE container, each reading what the PEs
                // share (Docs/validation.md; TimeloopTests compares it data space by data space). The run
                // equals the loop-nest model of the same design, and costs less than Timeloop's count.
                let model = try modelLevelEnergy(name, level.name)
                #expect(
                    abs(spindle - model) <= 0.03 && spindle < timeloop, "\(level.name): \(spindle) vs model \(model), Timeloop \(timeloop)")
            } else {
                #expect(abs(spindle - timeloop) <= max(0.03, 1e-6 * timeloop), "\(name) \(level.name): \(spindle) vs \(timeloop)")
            }
        }
        // DRAM: Spindle prices bits, Timeloop whole vectors: equal but for each data space's last partial vector.
        let dram = (r.energyPJ.byAction["dram.read.bits"] ?? 0) + (r.energyPJ.byAction["dram.write.bits"] ?? 0)
        let vector = try #require(
            TimeloopFiles.energyTables(Self.fixtures + "/" + name + "/ERT_summary.yaml")["MainMemory"]?.actions["read"])
        let timeloopDRAM = ref.energy("MainMemory")
        #expect(dram <= timeloopDRAM + 1e-6 && dram > timeloopDRAM - 3 * vector, "DRAM \(dram) vs \(timeloopDRAM)")
        #expect(r.macs == h.fixed[0].shape.macs)
    }

    @Test("The written technology prices every action the tile counts, each with the ERT component and estimator as its source")
    func technologySources() throws {
        let (folder, _) = try imported("03-conv1d+oc-3level-bypass")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let tech = try TechnologyLoader.load(folder + "/" + TimeloopImport.technologyFile)
        for level in ["GlobalBuffer", "RegisterFile"] {
            for a in StorageAccess.allCases {
                let entry = try #require(tech.actions[Action.storage(level: level, a).name])
                #expect(entry.source.contains("System_top_level.\(level)[1..1]") && entry.source.contains("estimator"))
            }
        }
        #expect(tech.actions["storage.GlobalBuffer.read"]?.energyPJ == 43.353054)
        #expect(tech.actions["dram.read.bits"]?.energyPJ == 8)  // 2,048 pJ per 256-bit access
        #expect(tech.actions["mac.int8"]?.source.contains("MACC") == true)
        // The bypass in the mapping becomes the level's keeps.
        let topology = try TopologyLoader.load(folder + "/" + TimeloopImport.topologyFile)
        let keeps = try #require(topology.tiles[0].type.hierarchy).levels.map(\.keeps)
        #expect(keeps.contains { $0.contains(false) })
    }

    @Test("Without a mapping, each dataflow maps the problem: each computes every MAC, and their energies differ")
    func dataflows() async throws {
        var energies: [LoopNestDataflow: Double] = [:]
        for flow in LoopNestDataflow.allCases {
            let (folder, _) = try imported("04-conv1d+oc+ic-spatial-kp", mapping: false, dataflow: flow)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let r = try await run(folder)
            energies[flow] = r.energyPJ.total
            #expect(r.macs == 32 * 32 * 3 * 16)
        }
        #expect(Set(energies.values).count > 1, "\(energies)")
    }

    @Test("Refusals: a one-level design, a problem that is not a convolution, a missing ERT table, mismatched levels")
    func refusals() throws {
        let dir = Self.fixtures
        #expect(throws: SpindleError.self) {
            try TimeloopImport.files(
                architecture: dir + "/00-conv1d-1level/arch.yaml", problem: dir + "/00-conv1d-1level/prob.yaml", mapping: nil,
                energies: .ert(dir + "/00-conv1d-1level/ERT_summary.yaml"), dataflow: .weightStationary)
        }
        let einsum = """
            problem:
              shape:
                name: odd
                dimensions: [A, B]
                data_spaces:
                  - {name: Weights, projection: [[[A]]]}
                  - {name: Inputs, projection: [[[B]]]}
                  - {name: Outputs, projection: [[[A]], [[B]]], read_write: True}
              instance: {A: 4, B: 4}
            """
        let other = try temporaryFiles(["prob.yaml": einsum, "ert.yaml": "ERT_summary:\n  table_summary: []\n"])
        defer { try? FileManager.default.removeItem(atPath: other) }
        do {
            _ = try TimeloopImport.files(
                architecture: dir + "/03-conv1d+oc-3level/arch.yaml", problem: other + "/prob.yaml", mapping: nil,
                energies: .ert(dir + "/03-conv1d+oc-3level/ERT_summary.yaml"), dataflow: .weightStationary)
            Issue.record("a non-convolution problem was imported")
        } catch {
            #expect(error.message.contains("'A'") && error.choices.contains("M"))
        }
        do {
            _ = try TimeloopImport.files(
                architecture: dir + "/03-conv1d+oc-3level/arch.yaml", problem: dir + "/03-conv1d+oc-3level/prob.yaml", mapping: nil,
                energies: .ert(other + "/ert.yaml"), dataflow: .weightStationary)
            Issue.record("an empty ERT was accepted")
        } catch {
            #expect(error.message.contains("no table"))
        }
    }
}

extension TimeloopImportTests {
    @Test("The shipped imports (examples/timeloop/imported, imported-spatial) are what the import writes now")
    func shippedImports() throws {
        let examples = repoPath("examples/timeloop")
        for (prefix, folder, flow) in [
            ("", "imported", LoopNestDataflow.weightStationary), ("spatial-", "imported-spatial", .rowStationary),
        ] {
            let files = try TimeloopImport.files(
                architecture: examples + "/\(prefix)arch.yaml", problem: examples + "/\(prefix)prob.yaml",
                mapping: examples + "/\(prefix)map.yaml", energies: .ert(examples + "/\(prefix)ERT_summary.yaml"), dataflow: flow)
            for f in files.files {
                let shipped = try String(contentsOfFile: examples + "/\(folder)/" + f.name, encoding: .utf8)
                #expect(shipped == f.text, "\(folder)/\(f.name) differs: rerun the import command in examples/timeloop/README.md")
            }
        }
    }

    @Test("Numbers of an imported topology replaced by extremes are refused with the line, or mapped, never a crash")
    func hostileTopologies() throws {
        let (folder, _) = try imported("04-conv1d+oc+ic-spatial-kp")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/" + TimeloopImport.topologyFile
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        var refused = 0, loaded = 0
        for (i, line) in lines.enumerated() {
            guard ["capacity:", "vector_words:", "instances:", "macs_per_cycle:", "word_bits:"].contains(where: { line.contains($0) })
            else {
                continue
            }
            let key = line.split(separator: ":")[0]
            for value in ["0", "-1", "3", "1 B", "99999999999", "x"] {
                var copy = lines
                copy[i] = key + ": " + value
                try copy.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
                do {
                    let t = try TopologyLoader.load(path)
                    let h = try #require(t.tiles[0].type.hierarchy)
                    // The fixed mapping may no longer fit; the mapper then maps the shape, or says why not.
                    _ = try? h.counts(h.fixed[0].shape) { PriceTable(topology: t).price($0) ?? 0 }
                    loaded += 1
                } catch let error as SpindleError {
                    #expect(error.location?.line != nil, "\(key): \(value): \(error.message)")
                    refused += 1
                }
            }
        }
        #expect(refused > 10 && loaded > 0)
    }
}

extension TimeloopImportTests {
    @Test(
        "Timeloop's example designs (!Parallel scratchpads, loop and dataspace constraints, mixed datawidths) import without an ERT and run",
        arguments: ["simple_weight_stationary", "simple_output_stationary", "eyeriss_like", "simba_like"])
    func exampleDesigns(_ design: String) async throws {
        let dir = Self.fixtures + "/example_designs"
        let files = try TimeloopImport.files(
            architecture: dir + "/\(design).yaml", problem: dir + "/default_problem.yaml", mapping: nil,
            energies: .technology(repoPath("topologies/tech/horowitz45.yaml")), dataflow: .rowStationary)
        let folder = try temporaryFiles(Dictionary(uniqueKeysWithValues: files.files.map { ($0.name, $0.text) }))
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let topology = try TopologyLoader.load(folder + "/" + TimeloopImport.topologyFile)
        let h = try #require(topology.tiles[0].type.hierarchy)
        // The default problem: a 3 x 3, stride-2 convolution of 3 into 32 channels over 112 x 112 outputs,
        // its projection terms written [DIMENSION, COEFFICIENT].
        let csv = try String(contentsOfFile: folder + "/" + TimeloopImport.modelFile, encoding: .utf8)
        #expect(csv.contains(", 225, 225, 3, 3, 3, 32, 2, 2,"), "\(csv)")
        if design == "eyeriss_like" || design.hasPrefix("simple") {
            #expect(files.notes.contains { $0.contains("!Parallel") })
            // Each scratchpad or register of the !Parallel node keeps only its own data space.
            #expect(h.levels.suffix(3).allSatisfy { $0.keeps.filter { $0 }.count == 1 }, "\(h.levels.map(\.keeps))")
        }
        if design == "eyeriss_like" {
            #expect(h.levels.first { $0.name == "psum_spad" }?.wordBits == 16)
            #expect(h.macUnits == 168)
            // The design's row-stationary constraints: columns split output rows (then filters), the PEs of a
            // column filter rows (then channels, filters); the weights scratchpad loops over filter columns and
            // channels, the partial-sum one over filters, the input one over nothing.
            typealias D = ConvolutionShape
            let glb = try #require(h.levels.first).constraints
            #expect(glb.fanouts == [.init(size: 14, dimensions: [D.q, D.m]), .init(size: 12, dimensions: [D.s, D.c, D.m])])
            #expect(h.levels.first { $0.name == "ifmap_spad" }?.constraints.temporal == [])
            #expect(h.levels.first { $0.name == "weights_spad" }?.constraints.temporal == [D.r, D.c])
            #expect(h.levels.first { $0.name == "psum_spad" }?.constraints.temporal == [D.m])
            let arch = h.architecture { PriceTable(topology: topology).price($0) ?? 0 }
            let m = try h.mapping(
                ConvolutionShape(filterWidth: 3, filterHeight: 3, outputWidth: 56, outputHeight: 56, channels: 64, filters: 64, samples: 1),
                on: arch)
            #expect(m.loops[1].filter(\.spatial).map(\.dimension) == [D.q, D.s, D.c], "\(m.loops[1])")
            #expect(m.loops[2].isEmpty)
            #expect(m.loops[3].allSatisfy { [D.r, D.c].contains($0.dimension) })
        }
        let r = try await run(folder)
        #expect(r.macs == 3 * 32 * 3 * 3 * 112 * 112)
        // Every level the problem's data pass through is accessed and priced.
        #expect(h.levels.allSatisfy { levelEnergy(r, $0.name) > 0 }, "\(h.levels.map { levelEnergy(r, $0.name) })")
    }
}
