import ArgumentParser
import Foundation
import SpindleCore
import SpindleEngine
import SpindleValidation

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Show how far to trust Spindle: its models against peer simulators, closed forms and papers.",
        discussion: """
            The peers suite (the default) replays reference runs of BookSim2, DRAMsim3 and SCALE-Sim and the \
            closed forms on Spindle's component models and prints the ladder: case, reference, Spindle, error, \
            tolerance, pass or FAIL. It exits with status 1 when a check is out of tolerance. Docs/validation.md \
            explains every rung.

            The papers suite runs the scenarios in scenarios/papers/ and prints one row per claim of the seed \
            papers (SmartDeal, SAC, and the Eyeriss baseline): the paper's figure, Spindle's, their ratio, the \
            metric's definition, the assumptions and how the ratio moves when one changes. Docs/papers.md \
            explains every row.
            """)

    @Option(help: "The suite to run: \(ValidationSuite.allCases.map(\.rawValue).joined(separator: ", ")).")
    var suite: ValidationSuite = .peers
    @Option(
        name: [.customLong("data"), .customLong("scenarios")],
        help:
            "Folder of the suite's inputs (default: the suite's folder in a clone: Tests/SpindleStudiesTests/Fixtures for peers, scenarios/papers for papers)."
    )
    var scenarios: String?
    @Option(help: "Worker threads per simulation (results do not depend on it).")
    var workers: Int = 1
    @Flag(help: "Print one JSON object on stdout instead of the table.")
    var json = false
    @Option(help: "Also write the JSON to this file (atomically).")
    var out: String?

    func validate() throws {
        try CLI.check(workers, "--workers", 1...1_024)
    }

    func run() async throws {
        try await CLI.guarded { try await execute() }
    }

    func execute() async throws {
        let directory = scenarios ?? suite.defaultDirectory
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SpindleError(
                .fileNotFound, "the \(suite.rawValue) suite reads its scenarios from '\(directory)', which is not a folder here",
                hint: "Run from the root of a Spindle clone, or give --data with the folder")
        }
        let quiet = json
        let runs = SuiteRuns(directory: directory, options: EngineOptions(workers: workers)) { name in
            if !quiet { FileHandle.standardError.write(Data("running \(name)\n".utf8)) }
        }
        let result = try await suite.run(runs) { step in
            if !quiet { FileHandle.standardError.write(Data("checking \(step)\n".utf8)) }
        }
        if let out {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            try AtomicFile.write(try encoder.encode(result), to: out)
        }
        if json {
            try CLI.printJSON(result)
        } else {
            print(result.table())
        }
        if result.failed > 0 {
            CLI.warning("\(result.failed) of \(result.ladder.count) validation checks are out of tolerance")
            throw ExitCode(1)
        }
    }
}

extension ValidationSuite: ExpressibleByArgument {}
