import ArgumentParser
import Foundation
import Spindle
import SpindleCompression
import SpindleCore
import SpindleDistributed
import SpindleEngine
import SpindleHardware
import SpindleMapping
import SpindleReport
import SpindleRun
import SpindleScenario
import SpindleWorkload

struct SpindleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spindle",
        abstract: "Simulate multi-chip DNN accelerators: where do energy and time go?",
        version: Spindle.version,
        subcommands: [
            RunCommand.self, MapCommand.self, SweepCommand.self, CompareCommand.self, ReportCommand.self, ModelsCommand.self,
            CompressCommand.self,
            NoCCommand.self, DRAMCommand.self, ArrayCommand.self, TimeloopCommand.self, ImportCommand.self, CollectiveCommand.self,
            PlanCommand.self,
            BenchCommand.self,
            ValidateCommand.self,
        ],
        defaultSubcommand: nil)
}

/// The process entry point: parses the command line and turns every usage error into Spindle's
/// one-paragraph error with exit status 2 (ArgumentParser alone would exit 64 and print the usage).
@main
enum SpindleMain {
    static func main() async {
        let arguments = CommandLineWords.joiningNegativeValues(Array(CommandLine.arguments.dropFirst()))
        // Under a launcher (mpirun, srun), every process parses the same command line; only rank 0 prints.
        let launch = LaunchEnvironment.current
        Distributed.silenceFollowers(launch)
        var world: MPIWorld?
        do {
            var command = try SpindleCommand.parseAsRoot(arguments)
            if let distributed = command as? any DistributedCommand {
                world = try MPIWorld.start(launch)
                try await distributed.run(world: world)
            } else if launch.size > 1 {
                let name = arguments.first ?? "spindle"
                throw SpindleError(
                    .invalidValue,
                    "'spindle \(name)' runs in one process, but \(launch.launcher ?? "a launcher") started \(launch.size)",
                    expected: "spindle run, sweep or bench engine under a launcher",
                    hint: "Run 'spindle \(name)' without mpirun or srun")
            } else if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            world?.finish()
        } catch let error as SpindleError {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            world?.finish()
            exit(2)
        } catch let agreed as DistributedFailure {
            FileHandle.standardError.write(Data((agreed.description + "\n").utf8))
            world?.finish()
            exit(2)
        } catch let code as ExitCode {
            world?.finish()
            exit(code.rawValue)
        } catch {
            let code = SpindleCommand.exitCode(for: error)
            if code == .success {
                SpindleCommand.exit(withError: error)  // --help and --version print and exit 0
            }
            var message = SpindleCommand.message(for: error)
                .split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                .joined(separator: " ")
            while message.hasPrefix("error: ") { message.removeFirst("error: ".count) }
            let known = SpindleCommand.configuration.subcommands.map { $0._commandName }
            let sub = arguments.first.flatMap { known.contains($0) ? " " + $0 : nil } ?? ""
            var text = "error: " + (message.isEmpty ? "the command line is not understood" : message)
            if !(text.hasSuffix(".") || text.hasSuffix("?") || text.hasSuffix("!")) { text += "." }
            text += " See 'spindle\(sub) --help' for the options.\n"
            FileHandle.standardError.write(Data(text.utf8))
            exit(2)
        }
    }
}

/// Command-line preprocessing.
enum CommandLineWords {
    /// `--option -5` becomes `--option=-5`, so a negative number reaches the option's validation (and its
    /// clear range error) instead of being read as an unknown short flag ("Missing value").
    static func joiningNegativeValues(_ words: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < words.count {
            let w = words[i]
            if w.hasPrefix("--"), !w.contains("="), w != "--", i + 1 < words.count, looksNegative(words[i + 1]) {
                out.append(w + "=" + words[i + 1])
                i += 2
                continue
            }
            out.append(w)
            i += 1
        }
        return out
    }

    static func looksNegative(_ w: String) -> Bool {
        guard w.hasPrefix("-"), w.count > 1 else { return false }
        let rest = w.dropFirst().lowercased()
        return rest.first.map { $0.isNumber || $0 == "." } == true || rest == "inf" || rest == "infinity" || rest == "nan"
    }
}
