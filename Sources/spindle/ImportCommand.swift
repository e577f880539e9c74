import ArgumentParser
import Foundation
import SpindleCore
import SpindleHardware
import SpindleScenario

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Turn another tool's description into Spindle files.",
        subcommands: [ImportTimeloopCommand.self])
}

struct ImportTimeloopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeloop",
        abstract: "Write a Spindle technology, topology and scenario from a Timeloop v0.4 design.",
        discussion: """
            The outermost storage level (class DRAM) becomes the chip's DRAM channel; the levels below it become \
            a loop-nest tile's storage hierarchy, with their instances, vectors, capacities and bypasses; the \
            energies come from the Accelergy ERT, each with its component, action and estimator. The problem \
            becomes a one-layer model. With a mapping, the tile runs the problem with it; other shapes are mapped \
            for --dataflow. Run the result with 'spindle run FOLDER/scenario.yaml' (Docs/formats.md).
            """)

    @Argument(help: "Timeloop v0.4 architecture (architecture: nodes: [...]).")
    var architecture: String
    @Argument(help: "Timeloop problem: a convolution (dimensions among C, M or K, R, S, N, P, Q).")
    var problem: String
    @Argument(help: "Timeloop mapping of the problem (optional).")
    var mapping: String?
    @Option(help: "Accelergy energy reference table (default: ERT_summary.yaml or ERT.yaml beside the architecture).")
    var ert: String?
    @Option(
        help:
            "Spindle technology table for the energies when there is no ERT (default: \(defaultTechnology)): levels priced by its SRAM curve."
    )
    var technology: String?
    @Option(help: "Folder to write (default: the architecture's name followed by -spindle).")
    var output: String?
    @Option(help: "Dataflow for shapes without a mapping: \(LoopNestDataflow.allCases.map(\.rawValue).joined(separator: ", ")).")
    var dataflow: String = LoopNestDataflow.weightStationary.rawValue
    @Flag(help: "Drop the design's temporal and spatial constraints: the --dataflow decides every loop.")
    var ignoreConstraints = false
    @Flag(help: "Replace files the folder already holds.")
    var force = false

    static let defaultTechnology = "builtin:topologies/tech/horowitz45.yaml"

    func run() async throws {
        try await CLI.guarded {
            guard let flow = LoopNestDataflow(rawValue: dataflow) else {
                throw SpindleError(
                    .invalidValue, "--dataflow '\(dataflow)' is not a dataflow", choices: LoopNestDataflow.allCases.map(\.rawValue))
            }
            let folder = (architecture as NSString).deletingLastPathComponent
            let candidates = ["ERT_summary.yaml", "ERT.yaml", "timeloop-model.ERT_summary.yaml", "timeloop-model.ERT.yaml"].map {
                folder.isEmpty ? $0 : folder + "/" + $0
            }
            let energies: TimeloopImport.Energies
            if let ert, technology != nil {
                throw SpindleError(.invalidValue, "--ert '\(ert)' and --technology both give the energies", expected: "one of them")
            } else if let ert {
                energies = .ert(ert)
            } else if let technology {
                energies = .technology(technology)
            } else if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) {
                energies = .ert(found)
            } else {
                energies = .technology(Self.defaultTechnology)
            }
            let imported = try TimeloopImport.files(
                architecture: architecture, problem: problem, mapping: mapping, energies: energies, dataflow: flow,
                designConstraints: !ignoreConstraints)
            let stem = ((architecture as NSString).lastPathComponent as NSString).deletingPathExtension
            let out = output ?? stem + "-spindle"
            var writes = imported.files.map { (path: out + "/" + $0.name, data: Data($0.text.utf8)) }
            let copies =
                [(TimeloopImport.copies.architecture, architecture), (TimeloopImport.copies.problem, problem)]
                + (mapping.map { [(TimeloopImport.copies.mapping, $0)] } ?? [])
            for (name, from) in copies {
                guard let data = FileManager.default.contents(atPath: from) else {
                    throw SpindleError(.fileNotFound, "cannot read '\(from)'")
                }
                writes.append((out + "/" + name, data))
            }
            let existing = writes.map(\.path).filter { FileManager.default.fileExists(atPath: $0) }
            guard force || existing.isEmpty else {
                throw SpindleError(
                    .invalidValue, "'\(out)' already holds " + existing.joined(separator: ", "),
                    hint: "Choose another --output, or pass --force to replace them")
            }
            for w in writes {
                let dir = (w.path as NSString).deletingLastPathComponent
                do {
                    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                } catch {
                    throw SpindleError(.io, "cannot create the folder '\(dir)': \(error.localizedDescription)")
                }
                try AtomicFile.write(w.data, to: w.path)
            }
            switch energies {
            case .ert(let path): print("wrote \(writes.count) files to \(out)/ (energies from the Accelergy ERT \(path))")
            case .technology(let path): print("wrote \(writes.count) files to \(out)/ (energies from the technology table \(path))")
            }
            for w in writes { print("  " + w.path) }
            for n in imported.notes { print("note: " + n) }
            print("run it: spindle run \(out)/\(TimeloopImport.scenarioFile)")
        }
    }
}
