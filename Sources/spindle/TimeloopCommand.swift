import ArgumentParser
import Foundation
import SpindleCore
import SpindleHardware
import SpindleScenario

struct TimeloopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeloop",
        abstract: "Count a Timeloop v0.4 mapping's accesses, cycles and energy per storage level.",
        discussion: """
            Reads a Timeloop architecture, problem and mapping (and, for energy, an Accelergy ERT) and counts, \
            level by level and data space by data space, the words each instance reads, is filled with and \
            is updated with, as Timeloop's model does for dense tensors (Docs/formats.md).
            """)

    @Argument(help: "Timeloop v0.4 architecture (architecture: nodes: [...]).")
    var architecture: String
    @Argument(help: "Timeloop problem (problem: shape, instance).")
    var problem: String
    @Argument(help: "Timeloop mapping (mapping: [...]).")
    var mapping: String
    @Option(help: "Accelergy energy reference table (ERT.yaml or ERT_summary.yaml) for the energies.")
    var ert: String?
    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func run() async throws {
        try await CLI.guarded {
            let p = try TimeloopFiles.problem(problem)
            var layout = try TimeloopFiles.architecture(architecture)
            if let ert { try TimeloopFiles.applyEnergy(ert, to: &layout.architecture) }
            let m = try TimeloopFiles.mapping(mapping, problem: p, layout: layout)
            let r = try LoopNestAnalysis.analyse(p, layout.architecture, m)
            if json {
                try CLI.printJSON(r)
                return
            }
            print(
                "\(p.name) on \(layout.architecture.name): \(Units.format(r.computes, 0)) computes on \(r.utilizedComputeUnits) of \(layout.architecture.computeInstances) units, \(Units.format(r.cycles, 0)) cycles"
            )
            print(
                CLI.pad("level", 20) + CLI.pad("data space", 12) + CLI.pad("tile", 10, right: true) + CLI.pad("reads", 14, right: true)
                    + CLI.pad("fills", 14, right: true) + CLI.pad("updates", 14, right: true) + CLI.pad("energy pJ", 16, right: true))
            for level in r.levels.reversed() {
                for d in level.dataSpaces {
                    print(
                        CLI.pad(level.name + " x\(level.utilizedInstances)", 20) + CLI.pad(d.name, 12)
                            + CLI.pad(Units.format(d.tileWords, 0), 10, right: true) + CLI.pad(Units.format(d.reads, 0), 14, right: true)
                            + CLI.pad(Units.format(d.fills, 0), 14, right: true) + CLI.pad(Units.format(d.updates, 0), 14, right: true)
                            + CLI.pad(Units.format(d.energyPJ, 2), 16, right: true))
                }
                print(CLI.pad("", 20) + CLI.pad("leakage", 12) + CLI.pad(Units.format(level.leakPJ, 2), 80, right: true))
            }
            print(
                CLI.pad(layout.architecture.computeName, 20) + CLI.pad("computes", 12)
                    + CLI.pad(Units.format(r.computeEnergyPJ, 2), 80, right: true))
            print("energy \(Units.format(r.energyPJ, 2)) pJ" + (r.energySource.map { " (\($0))" } ?? " (no ERT given: energies are 0)"))
        }
    }
}
